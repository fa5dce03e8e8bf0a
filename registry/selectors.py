"""Reads. Every view, page and task asks here; visibility rules live in one place."""

from registry.models import Membership, User


def user_orgs(*, user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user)
        .select_related("org__namespace")
        .order_by("org__namespace__name")
    )

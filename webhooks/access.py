"""Who may see a webhook's events, and who may manage webhooks: both asked of
registry.permissions, at matching time and again at sending time."""

from registry.models import Namespace, Repo, User
from registry.permissions import Action, Actor, allows, namespace_role, require


def manager_require(actor: Actor) -> None:
    """Webhooks are one's own settings: a signed-in user, from a browser session or with a
    write token (the client manages them with a token, as on the Hub); a read token only reads
    repos, and webhooks carry secrets."""
    require(actor, Action.WRITE, namespace=actor.user.namespace if actor.signed_in else None)


def owner_sees(*, owner: User, repo: Repo | None, namespace: Namespace, private: bool) -> bool:
    """Whether `owner` may hear of an event of `repo` now. A repo that no longer exists (a
    delete event) is judged by its last visibility and the owner's place in its namespace
    today, which is the visibility rule of a repo that still exists."""
    if not owner.is_active:
        return False
    if repo is not None:
        return allows(Actor(owner), Action.READ, repo=repo)
    return not private or namespace_role(user=owner, namespace=namespace) is not None

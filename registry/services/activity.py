"""Likes and download counts, and the trending score derived from them."""

from datetime import datetime, timedelta
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from registry import errors
from registry.models import DownloadDay, DownloadWindow, Like, Repo, User

TRENDING_DAYS = 7
# As the Hub counts datasets (and we count every repo type): all files one client fetches
# from a repo within five minutes are one download. HEAD requests are not downloads.
DOWNLOAD_WINDOW_SECONDS = 300


def like_add(*, user: User, repo: Repo) -> None:
    if not user.is_authenticated:
        raise errors.AuthenticationRequired()
    try:
        with transaction.atomic():
            Like.objects.create(user=user, repo=repo)
            Repo.objects.filter(pk=repo.pk).update(likes=F("likes") + 1)
    except IntegrityError:
        return  # already liked
    _update_trending(repo)


def like_remove(*, user: User, repo: Repo) -> None:
    if not user.is_authenticated:
        raise errors.AuthenticationRequired()
    with transaction.atomic():
        deleted, _ = Like.objects.filter(user=user, repo=repo).delete()
        if deleted:
            Repo.objects.filter(pk=repo.pk).update(likes=F("likes") - 1)
    _update_trending(repo)


def download_record(*, repo: Repo, client: str) -> bool:
    """Counts a download unless this client's last counted one was under 5 minutes ago.

    Only a counted download writes, at once (listings and model_info read the count right
    after); a repeat within the window is one read, or none when this process saw the last
    count, so repeated downloads never queue on the database's write lock (SQLite has one).
    """
    now = timezone.now()
    window = timedelta(seconds=DOWNLOAD_WINDOW_SECONDS)
    client = client[:64]
    if _counted_since(repo=repo, client=client, since=now - window):
        return False
    try:
        with transaction.atomic():
            renewed = DownloadWindow.objects.filter(
                repo=repo, client=client, counted_at__lte=now - window
            ).update(counted_at=now)
            if not renewed:
                DownloadWindow.objects.create(repo=repo, client=client, counted_at=now)
            day, _ = DownloadDay.objects.get_or_create(repo=repo, day=now.date())
            DownloadDay.objects.filter(pk=day.pk).update(count=F("count") + 1)
            Repo.objects.filter(pk=repo.pk).update(downloads=F("downloads") + 1)
    except IntegrityError:
        return False  # counted just now, concurrently
    _remember_count(repo=repo, client=client, at=now)
    _update_trending(repo)
    return True


# (repo storage id, client) -> when this process last saw that client's download counted.
# Keyed by the random storage id: a primary key can come back after a rolled-back insert.
_last_counted: dict[tuple[UUID, str], datetime] = {}
_LAST_COUNTED_MAX = 10_000


def _counted_since(*, repo: Repo, client: str, since: datetime) -> bool:
    seen = _last_counted.get((repo.storage_id, client))
    if seen is not None and seen > since:
        return True
    counted_at = (
        DownloadWindow.objects.filter(repo=repo, client=client, counted_at__gt=since)
        .values_list("counted_at", flat=True)
        .first()
    )
    if counted_at is None:
        return False
    _remember_count(repo=repo, client=client, at=counted_at)
    return True


def _remember_count(*, repo: Repo, client: str, at: datetime) -> None:
    if len(_last_counted) >= _LAST_COUNTED_MAX:
        _last_counted.clear()  # forgetting costs one read per client, never a wrong count
    _last_counted[(repo.storage_id, client)] = at


def _update_trending(repo: Repo) -> None:
    """Downloads plus likes of the last week: what 'trending' sorts on."""
    since = timezone.now() - timedelta(days=TRENDING_DAYS)
    downloads = (
        DownloadDay.objects.filter(repo=repo, day__gte=since.date()).aggregate(n=Sum("count"))["n"]
        or 0
    )
    likes = Like.objects.filter(repo=repo, created_at__gte=since).count()
    Repo.objects.filter(pk=repo.pk).update(trending_score=downloads + likes)

"""Reads. Every view, page and task asks here; visibility rules live in one place."""

from django.db.models import Q
from django.db.models.functions import Lower

from registry import errors
from registry.cards import CARD_MAX_BYTES, card_metadata_check
from registry.models import (
    AccessToken,
    Like,
    Membership,
    Namespace,
    Organization,
    Repo,
    RepoRedirect,
    RepoTag,
    User,
)

REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}


def user_orgs(*, user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user)
        .select_related("org__namespace")
        .order_by("org__namespace__name")
    )


def token_scoped(*, token: AccessToken) -> list[dict]:
    """A fine-grained token's grants as whoami describes them: one entry per repo or
    namespace, `{entity: {_id, type, name}, permissions}` (the Hub's shape)."""
    entries: dict[tuple, dict] = {}
    for grant in token.grants.select_related("repo__namespace", "namespace").order_by("pk"):
        if grant.repo is not None:
            key = (grant.repo.type, grant.repo.pk)
            entity = {"_id": str(grant.repo.storage_id), "type": grant.repo.type,
                      "name": grant.repo.repo_id}  # fmt: skip
        else:
            key = (grant.namespace.kind, grant.namespace.pk)
            entity = {"_id": str(grant.namespace.pk), "type": grant.namespace.kind,
                      "name": grant.namespace.name}  # fmt: skip
        entry = entries.setdefault(key, {"entity": entity, "permissions": []})
        entry["permissions"].append(grant.permission)
    return list(entries.values())


def _folded(text: str) -> str:
    """A name as the case-insensitive indexes hold it; names are ASCII, so anything else
    matches nothing (never a Unicode case fold onto an ASCII name)."""
    return text.lower() if text.isascii() else "\x00"


def named(queryset, *, namespace: str, name: str):
    """Repos called namespace/name in any case, found through the indexes on LOWER(name)
    (`iexact` compares UPPER(name), which no index holds: a scan of every repo)."""
    return queryset.alias(owner=Lower("namespace__name"), folded=Lower("name")).filter(
        owner=_folded(namespace), folded=_folded(name)
    )


def repo_get_visible(
    *, user: User, repo_type: str, namespace: str, name: str, follow_moves: bool = True
) -> Repo:
    """The repo if `user` may see it; RepoNotFound (401 when anonymous) otherwise.

    A moved repo's old name answers RepoMoved (a redirect) when `follow_moves`; endpoints
    that name the repo in their body, where a redirect cannot help, pass False.
    """
    repo = (
        named(Repo.objects.all(), namespace=namespace, name=name)
        .select_related("namespace")
        .filter(type=repo_type)
        .first()
    )
    # Every branch of the visibility rule lets a public repo through; a private one is put
    # to the rule itself. (One plain lookup for the common case: the rule's query costs more
    # to build than to run.)
    hidden = repo is not None and repo.private
    if hidden and not Repo.objects.visible_to(user).filter(pk=repo.pk).exists():
        repo = None
    if repo is None and follow_moves:
        moved = _redirect_target(user=user, repo_type=repo_type, namespace=namespace, name=name)
        if moved is not None:
            raise errors.RepoMoved(old_id=f"{namespace}/{name}", new_id=moved.repo_id)
    if repo is None:
        raise errors.RepoNotFound(
            # The Hub's exact words: the client prints the server's message only when its own
            # text ("Repository Not Found for url: ...") does not already contain it.
            "Repository not found",
            anonymous=not user.is_authenticated,
        )
    return repo


def _redirect_target(*, user: User, repo_type: str, namespace: str, name: str) -> Repo | None:
    redirect = RepoRedirect.objects.filter(
        type=repo_type, namespace_name__iexact=namespace, name__iexact=name
    ).first()
    if redirect is None:
        return None
    return (
        Repo.objects.visible_to(user)
        .select_related("namespace")
        .filter(pk=redirect.repo_id)
        .first()
    )


def card_at(*, git, sha: str) -> dict:
    """The README's front matter at `sha`, or {} when there is none or it does not parse."""
    readme = git.entry(sha, "README.md")
    if readme is None or readme.type != "file" or readme.lfs is not None:
        return {}
    try:
        return card_metadata_check(git.read_text(readme.oid, limit=CARD_MAX_BYTES))
    except errors.BadRequest:
        return {}


SORT_FIELDS = {
    "downloads": "-downloads",
    "likes": "-likes",
    "lastModified": "-last_modified",
    "last_modified": "-last_modified",
    "createdAt": "-created_at",
    "created_at": "-created_at",
    "trendingScore": "-trending_score",
    "trending_score": "-trending_score",
}


def repo_search(
    *,
    user: User,
    repo_type: str,
    search: list[str],
    author: str | None,
    filters: list[str],
    pipeline_tag: str | None,
    library: str | None = None,
    sort: str | None,
):
    """Repos of `repo_type` the user may see, filtered and sorted; a lazy, unsliced queryset.

    `filters` are tags (`transformers`, `license:mit`, `dataset:x`, ...), all required.
    """
    queryset = Repo.objects.visible_to(user).filter(type=repo_type).select_related("namespace")
    for term in search:
        namespace, slash, name = term.partition("/")
        if slash:
            queryset = queryset.filter(namespace__name__iexact=namespace, name__icontains=name)
        else:
            queryset = queryset.filter(name__icontains=term)
    if author:
        queryset = queryset.alias(owner=Lower("namespace__name")).filter(owner=_folded(author))
    if pipeline_tag:
        queryset = queryset.filter(pipeline_tag=pipeline_tag)
    if library:
        queryset = queryset.filter(library_name__iexact=library)
    for tag in filters:
        queryset = queryset.filter(pk__in=RepoTag.objects.filter(tag=tag).values("repo_id"))
    if sort and sort not in SORT_FIELDS:
        raise errors.BadRequest(f"Invalid sort '{sort}': use one of {', '.join(SORT_FIELDS)}")
    order = SORT_FIELDS.get(sort or "", "-created_at")
    return queryset.order_by(order, "-id")


def user_get_visible_likes(*, viewer: User, username: str):
    """The repos `username` liked that `viewer` may see, newest first."""
    owner = User.objects.filter(username__iexact=username).first()
    if owner is None:
        raise errors.NotFound(f"User '{username}' not found")
    return (
        Like.objects.filter(user=owner, repo__in=Repo.objects.visible_to(viewer))
        .select_related("repo__namespace")
        .order_by("-created_at", "-id")
    )


# The Hub's `base_model_relation` values; a card without one gets the Hub's guess.
BASE_MODEL_RELATIONS = ("adapter", "merge", "quantized", "finetune")


def model_base_models(*, card: dict, paths: list[str]) -> dict | None:
    """`baseModels` as the Hub answers it, {"relation": ..., "models": [{"id": ...}]}, from
    the card's `base_model`; the relation is the card's `base_model_relation`, else an
    adapter when the repo holds adapter_config.json, a merge of several bases, else a
    fine-tune. None when the card names no base model."""
    named = card.get("base_model")
    bases = [str(b) for b in (named if isinstance(named, list) else [named]) if b is not None]
    if not bases:
        return None
    relation = card.get("base_model_relation")
    if relation not in BASE_MODEL_RELATIONS:
        relation = (
            "adapter"
            if "adapter_config.json" in paths
            else "merge"
            if len(bases) > 1
            else "finetune"
        )
    return {"relation": relation, "models": [{"id": base} for base in bases]}


def model_children(*, user: User, repo: Repo):
    """Models `user` can see whose card names `repo` as `base_model`: an indexed join on the
    `base_model:<id>` tag rows the index keeps, not a scan of cards."""
    return Repo.objects.visible_to(user).filter(
        type=Repo.Type.MODEL, tag_rows__tag=f"base_model:{repo.repo_id}"
    )


QUICK_SEARCH_LIMIT = 5


def quick_search(*, user: User, q: str, limit: int = QUICK_SEARCH_LIMIT) -> dict:
    """The header's type-ahead: the first repos of each type `user` may see whose id contains
    `q` (most liked first), and the users and organizations whose name does.

    Each kind is one bounded query, and a COUNT for the repos, as the Hub's quicksearch
    reports `modelsCount`. Accounts are public, as on the Hub; repos go through visible_to.
    """
    repos = Repo.objects.visible_to(user).select_related("namespace")
    if "/" in q:
        namespace, _, name = q.partition("/")
        repos = repos.filter(namespace__name__iexact=namespace, name__icontains=name)
    else:
        repos = repos.filter(Q(name__icontains=q) | Q(namespace__name__icontains=q))
    found: dict = {"q": q}
    for plural, repo_type in REPO_TYPES.items():
        of_type = repos.filter(type=repo_type)
        found[plural] = list(of_type.order_by("-likes", "-downloads", "-id")[:limit])
        found[f"{plural}Count"] = of_type.count()
    namespaces = Namespace.objects.filter(name__icontains=q).order_by("name")
    found["users"] = list(
        User.objects.filter(namespace__in=namespaces).order_by("username")[:limit]
    )
    found["orgs"] = list(
        Organization.objects.filter(namespace__in=namespaces)
        .select_related("namespace")
        .order_by("namespace__name")[:limit]
    )
    return found

"""CAS access tokens: signed, expiring, bound to one repo and to reading or writing.

The hub hands them out at `/api/{type}s/{repo}/xet-{read,write}-token/{rev}` after the same
checks a download or commit makes. A token lasts up to an hour, but every CAS request checks
again that its user still sees the repo (may still read its files, for reconstructions; may
still write, for uploads) and that the hub token it came from is still live: making a repo
private, removing a member, withdrawing a gated repo's access or revoking a hub token ends
every CAS token issued before.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing

from registry import errors
from registry.gitstore import GitRepo
from registry.models import AccessToken, Repo, User, live_tokens
from registry.permissions import Action, Actor, allows, require
from registry.services.changes import commit_target
from xetstore.buckets import bucket_readable, bucket_require_write
from xetstore.models import Bucket

_SALT = "minihub.xet.cas"
# hf_xet renews a token 30 s before `exp` and treats a CAS 401 as fatal, so a token is
# honoured a little past `exp` in case the hub's clocks disagree.
_CLOCK_SKEW_SECONDS = 60
_CLAIMS = {"r", "w", "u", "t", "p", "e"}
# A bucket's token: the bucket instead of a repo, and no pull requests.
_BUCKET_CLAIMS = {"b", "w", "u", "t", "e"}


class CasTokenInvalid(errors.HubError):
    status = 401
    code = "InvalidXetToken"
    message = "A Xet access token from the hub is required"


@dataclass(frozen=True)
class CasToken:
    value: str
    exp: int  # unix seconds: hf_xet parses an integer


@dataclass(frozen=True)
class CasClaims:
    """What a CAS token grants at the moment of the request."""

    repo: Repo | None  # None for a bucket's token
    user: User | AnonymousUser  # who asked the hub for the token
    # Its user may not write the repo, only propose changes to it: the files it uploads are
    # kept for that user's own commits and not linked to the repo (xetstore.services).
    pull_request: bool
    bucket: Bucket | None = None

    @property
    def namespace(self):
        return self.bucket.namespace if self.bucket is not None else self.repo.namespace


def cas_token_issue(
    *,
    user: User,
    token: AccessToken | None,
    repo: Repo,
    write: bool,
    rev: str,
    create_pr: bool,
) -> CasToken:
    """A CAS token for `repo` once the caller may read `rev`, or, for writing, commit to it.

    With `create_pr` anyone who may open a pull request writes: huggingface_hub asks
    `xet-write-token/None?create_pr=1` for `create_commit(create_pr=True)`, so `rev` is not
    looked at then. A write token of someone who may not write the repo is a pull-request
    token, whose uploads are not linked to the repo.
    """
    git = GitRepo(repo.storage_id)
    actor = Actor(user, token)
    if write and create_pr:
        require(actor, Action.CONTRIBUTE, repo=repo)
    elif write:
        commit_target(user=user, token=token, repo=repo, git=git, rev=rev, create_pr=False)
    else:
        require(actor, Action.DOWNLOAD, repo=repo)
        git.resolve(rev)
    exp = int(time.time()) + settings.HUB_XET_TOKEN_SECONDS
    claims = {
        "r": repo.pk,
        "w": write,
        "u": user.pk,
        "t": token.pk if token is not None else None,
        # A pull request's author writes through `create_pr` or to its `refs/pr/N`.
        "p": write and not allows(actor, Action.WRITE, repo=repo),
        "e": exp,
    }
    value = signing.dumps(claims, salt=_SALT, compress=True)
    return CasToken(value, exp)


def cas_token_bucket_issue(
    *, user: User, token: AccessToken | None, bucket: Bucket, write: bool
) -> CasToken:
    """A CAS token for `bucket` once the caller may see it, or, for writing, write to it."""
    actor = Actor(user, token)
    if write:
        bucket_require_write(actor=actor, bucket=bucket)
    exp = int(time.time()) + settings.HUB_XET_TOKEN_SECONDS
    claims = {"b": bucket.pk, "w": write, "u": user.pk, "t": token.pk if token else None, "e": exp}
    return CasToken(signing.dumps(claims, salt=_SALT, compress=True), exp)


def _bucket_check(claims: dict, *, write: bool) -> CasClaims:
    user, token = _holder(claims)
    actor = Actor(user, token)
    bucket = Bucket.objects.select_related("namespace").filter(pk=claims["b"]).first()
    if bucket is None or not bucket_readable(actor=actor, bucket=bucket):
        raise CasTokenInvalid("This Xet access token no longer grants access to its bucket")
    if write:
        bucket_require_write(actor=actor, bucket=bucket)
    return CasClaims(None, user, False, bucket=bucket)


def cas_token_check(header: str, *, write: bool, files: bool = False) -> CasClaims:
    """What the `Authorization: Bearer` CAS token grants now; 401 when it is bad, expired or
    no longer grants its repo, 403 when it may not write (any more), or, with `files`
    (reconstructions: the bytes of the repo's files), may not read them. Only reads of files
    ask that: a pull-request token on a gated repo uploads and queries deduplication for
    someone who may not read what is there."""
    claims = _decode(header)
    if write and not claims["w"]:
        raise errors.Forbidden("This Xet access token may only read; uploads need a write token")
    if "b" in claims:
        return _bucket_check(claims, write=write)
    user, token = _holder(claims)
    actor = Actor(user, token)
    repo = Repo.objects.select_related("namespace").filter(pk=claims["r"]).first()
    if repo is None or not allows(actor, Action.READ, repo=repo):
        raise CasTokenInvalid("This Xet access token no longer grants access to its repository")
    if write:
        require(actor, Action.CONTRIBUTE if claims["p"] else Action.WRITE, repo=repo)
    if files:
        require(actor, Action.DOWNLOAD, repo=repo)
    return CasClaims(repo, user, claims["p"])


def _decode(header: str) -> dict:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise CasTokenInvalid()
    try:
        claims = signing.loads(value.strip(), salt=_SALT)
    except signing.BadSignature:
        raise CasTokenInvalid("This Xet access token is not valid") from None
    if not isinstance(claims, dict) or set(claims) not in (_CLAIMS, _BUCKET_CLAIMS):
        raise CasTokenInvalid("This Xet access token is not valid; ask the hub for a new one")
    if claims["e"] + _CLOCK_SKEW_SECONDS < time.time():
        raise CasTokenInvalid("This Xet access token has expired; ask the hub for a new one")
    return claims


def _holder(claims: dict) -> tuple[User | AnonymousUser, AccessToken | None]:
    """The token's user and the hub token it was asked with, while both are still live."""
    if claims["u"] is None:
        return AnonymousUser(), None
    if claims["t"] is None:  # asked from a signed-in browser session
        user = User.objects.filter(pk=claims["u"], is_active=True).first()
        if user is None:
            raise CasTokenInvalid("This Xet access token's account is disabled")
        return user, None
    token = live_tokens().select_related("user").filter(pk=claims["t"], user_id=claims["u"]).first()
    if token is None:
        raise CasTokenInvalid("The hub token this Xet access token came from was revoked")
    return token.bearer, token


_FETCH_SALT = "minihub.xet.fetch"


def fetch_link_sign(*, xorb: str, first_byte: int, last_byte: int) -> str:
    """The credential of a link to bytes `[first_byte, last_byte]` of a xorb."""
    return signing.dumps([xorb, first_byte, last_byte], salt=_FETCH_SALT)


def fetch_link_check(*, xorb: str, signed: str) -> tuple[int, int]:
    """The byte span a link covers; 403 when bad or expired (hf_xet then asks the
    reconstruction again)."""
    try:
        hash, first_byte, last_byte = signing.loads(
            signed, salt=_FETCH_SALT, max_age=settings.HUB_LFS_LINK_SECONDS
        )
    except signing.SignatureExpired:
        raise errors.Forbidden("This xorb link has expired") from None
    except (signing.BadSignature, ValueError):
        raise errors.Forbidden("This xorb link is not valid") from None
    if hash != xorb:
        raise errors.Forbidden("This xorb link is for another xorb")
    return first_byte, last_byte

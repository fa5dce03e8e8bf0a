"""CAS access tokens: signed, expiring, bound to one repo and to reading or writing.

The hub hands them out at `/api/{type}s/{repo}/xet-{read,write}-token/{rev}` after the same
checks a download or commit makes; the CAS checks only the signature, the expiry and the
scope. Stateless: any process sharing the secret key verifies any token.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from registry import errors
from registry.gitstore import GitRepo
from registry.models import AccessToken, Repo, User
from registry.services.changes import commit_target
from registry.services.discussions import require_participant

_SALT = "minihub.xet.cas"
# hf_xet renews a token 30 s before `exp` and treats a CAS 401 as fatal, so a token is
# honoured a little past `exp` in case the hub's clocks disagree.
_CLOCK_SKEW_SECONDS = 60


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
    repo_pk: int
    write: bool
    user_pk: int | None  # who asked the hub for the token (None: anonymous)


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
    looked at then.
    """
    git = GitRepo(repo.storage_id)
    if write and create_pr:
        require_participant(user, token)
    elif write:
        commit_target(user=user, token=token, repo=repo, git=git, rev=rev, create_pr=False)
    else:
        git.resolve(rev)
    exp = int(time.time()) + settings.HUB_XET_TOKEN_SECONDS
    claims = {"r": repo.pk, "w": write, "u": user.pk, "e": exp}
    value = signing.dumps(claims, salt=_SALT, compress=True)
    return CasToken(value, exp)


def cas_token_check(header: str, *, write: bool) -> CasClaims:
    """The claims of the `Authorization: Bearer` CAS token; 401 when bad or expired, 403 when
    a read token asks to write."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise CasTokenInvalid()
    try:
        claims = signing.loads(value.strip(), salt=_SALT)
    except signing.BadSignature:
        raise CasTokenInvalid("This Xet access token is not valid") from None
    if claims["e"] + _CLOCK_SKEW_SECONDS < time.time():
        raise CasTokenInvalid("This Xet access token has expired; ask the hub for a new one")
    if write and not claims["w"]:
        raise errors.Forbidden("This Xet access token may only read; uploads need a write token")
    return CasClaims(claims["r"], claims["w"], claims["u"])


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

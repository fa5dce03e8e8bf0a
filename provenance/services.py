"""Signatures: each commit main moves to has its model signature verified by a worker
(recorded per commit), and an organization may require one that verifies before main moves.
"""

import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from provenance.models import SignatureCheck, SigningPolicy
from provenance.selectors import repo_source_info, signature_of
from provenance.signatures import SIGNATURE_PATH, Verdict, signature_verify
from registry.gitstore import GitRepo
from registry.memo import Memo
from registry.models import Repo
from registry.services.objects import commit_export
from registry.services.repos import repo_info_changed
from workers.provenance import signature_check_enqueue

MAIN = "refs/heads/main"


def signature_main_moved_listener(sender, repo: Repo, **kwargs) -> None:
    signature_check_request(repo=repo, sha=repo.head_sha)


def signature_check_request(*, repo: Repo, sha: str) -> SignatureCheck:
    """Marks commit `sha`'s verdict pending and queues its verification."""
    check, _ = SignatureCheck.objects.update_or_create(
        repo=repo, commit=sha, defaults={"status": SignatureCheck.Status.PENDING}
    )
    repo_info_changed(repo_pk=repo.pk)
    signature_check_enqueue(check.pk)
    return check


def signature_check_run(*, check_pk: int) -> None:
    """Verifies the commit's files against its model.sig; the row ends with a verdict."""
    check = SignatureCheck.objects.select_related("repo").filter(pk=check_pk).first()
    if check is None:
        return
    git = GitRepo(check.repo.storage_id)
    if any(entry.path == SIGNATURE_PATH for entry in git.list_tree(check.commit)):
        verdict = commit_verify(
            export=lambda dest: commit_export(git=git, sha=check.commit, dest=dest)
        )
    else:  # nothing to verify: no commit's files are written out for it (a model is GBs)
        verdict = Verdict("unsigned", reason=f"No {SIGNATURE_PATH} in the repository")
    SignatureCheck.objects.filter(pk=check.pk).update(
        status=verdict.status, signer=verdict.signer, reason=verdict.reason
    )
    repo_info_changed(repo_pk=check.repo_id)


def commit_verify(*, export: Callable[[Path], None]) -> Verdict:
    """The verdict on a commit's signature: its files written to a scratch folder, the
    signature set beside them (model-signing signs the files, never the signature)."""
    with tempfile.TemporaryDirectory(prefix="minihub-sig-") as scratch:
        model = Path(scratch) / "model"
        model.mkdir()
        export(model)
        signature = Path(scratch) / SIGNATURE_PATH
        if (model / SIGNATURE_PATH).is_file():
            (model / SIGNATURE_PATH).rename(signature)
        return signature_verify(
            model=model, signature=signature, roots=settings.HUB_SIGNING_TRUST_ROOTS
        )


def signing_policy_listener(
    sender, repo: Repo, ref: str, sha: str, export: Callable[[Path], None], **kwargs
) -> str | None:
    """The refusal of a move of main to a commit without a valid signature, in an
    organization that requires one."""
    if ref != MAIN or not _requires_signature(repo):
        return None
    verdict = commit_verify(export=export)
    if verdict.status == SignatureCheck.Status.VERIFIED:
        return None
    return (
        f"{repo.namespace.name} requires a valid model signature ({SIGNATURE_PATH}) on main: "
        f"{verdict.reason}"
    )


def _requires_signature(repo: Repo) -> bool:
    return SigningPolicy.objects.filter(
        org__namespace_id=repo.namespace_id, require_signed_main=True
    ).exists()


def signing_policy_set(*, org, require_signed_main: bool) -> SigningPolicy:
    """Sets whether `org`'s repos move main only to validly signed commits."""
    policy, _ = SigningPolicy.objects.update_or_create(
        org=org, defaults={"require_signed_main": require_signed_main}
    )
    return policy


def provenance_info_listener(sender, repo: Repo, **kwargs) -> dict:
    """model_info's `provenance`: main's signature verdict and, if imported, its source;
    kept per (main's commit, the repo's info version), which every write of either moves."""
    key = (repo.pk, repo.head_sha, repo.info_version)
    return _infos.get_or_build(key, lambda: _provenance_info(repo))


_infos = Memo(entries=20_000)


def _provenance_info(repo: Repo) -> dict:
    info = {}
    check = signature_of(repo=repo, sha=repo.head_sha)
    if check is not None:
        info["signature"] = {"status": check.status, "signer": check.signer,
                             "reason": check.reason, "commit": check.commit}  # fmt: skip
    source = repo_source_info(repo=repo)
    if source is not None:
        info["source"] = source
    return {"provenance": info} if info else {}

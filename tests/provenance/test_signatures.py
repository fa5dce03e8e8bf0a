"""provenance: each commit main moves to has its model.sig verified (recorded per commit),
and an organization can require a valid signature before main moves (API commits here; git
pushes in test_live.py)."""

import pytest

from provenance.models import SignatureCheck
from provenance.selectors import signature_of
from provenance.services import signature_check_run, signing_policy_set
from registry.errors import PolicyRefused
from registry.gitstore import GitRepo
from registry.services.repos import repo_create
from tests.conftest import make_user
from tests.provenance.signing import certificate_make, push, sign

pytestmark = pytest.mark.django_db
Status = SignatureCheck.Status
WEIGHTS = b"\x00\x01" * 40_000
FILES = {"config.json": b'{"model_type": "bert"}', "model.safetensors": WEIGHTS}


def commit_verdict(repo, sha: str) -> SignatureCheck:
    """What the worker records for the commit (the task body, run here)."""
    signature_check_run(check_pk=signature_of(repo=repo, sha=sha).pk)
    return signature_of(repo=repo, sha=sha)


@pytest.fixture
def alice():
    return make_user("alice")


@pytest.fixture
def model(alice):
    return repo_create(user=alice, token=None, name="signed", organization=None,
                       repo_type="model", private=False)  # fmt: skip


def test_a_model_signed_with_a_trusted_key_verifies_and_names_the_key(alice, model, team_key):
    sha = push(model, alice, {**FILES, "model.sig": sign(FILES, key=team_key)},
               lfs={"model.safetensors"})  # fmt: skip

    check = commit_verdict(model, sha)
    assert check.status == Status.VERIFIED
    assert check.signer.startswith("key team (sha256:")


def test_a_model_signed_with_a_certificate_from_a_trusted_ca_names_its_subject(
    alice, model, roots, tmp_path
):
    cert = certificate_make(tmp_path)
    (roots / "acme-ca.pem").write_bytes(cert[2].read_bytes())
    sha = push(model, alice, {**FILES, "model.sig": sign(FILES, cert=cert)})

    check = commit_verdict(model, sha)
    assert (check.status, check.signer) == (Status.VERIFIED, "O=Acme,CN=release-bot")


def test_a_certificate_from_a_ca_the_hub_does_not_trust_fails(alice, model, tmp_path):
    sha = push(model, alice, {**FILES, "model.sig": sign(FILES, cert=certificate_make(tmp_path))})

    check = commit_verdict(model, sha)
    assert check.status == Status.FAILED
    assert check.reason == "This hub trusts no certificate authority"


def test_a_file_changed_after_signing_fails_naming_the_file(alice, model, team_key):
    signature = sign(FILES, key=team_key)
    tampered = {**FILES, "model.safetensors": WEIGHTS[:-1] + b"\xff"}
    sha = push(model, alice, {**tampered, "model.sig": signature}, lfs={"model.safetensors"})

    check = commit_verdict(model, sha)
    assert check.status == Status.FAILED
    assert (
        check.reason
        == "Files differ from the signed manifest (changed since signed: model.safetensors)"
    )


def test_a_file_added_after_signing_fails(alice, model, team_key):
    sha = push(model, alice, {**FILES, "model.sig": sign(FILES, key=team_key),
                              "extra.py": b"import os\n"})  # fmt: skip

    check = commit_verdict(model, sha)
    assert check.status == Status.FAILED
    assert "extra files: extra.py" in check.reason


def test_a_signature_by_an_untrusted_key_fails(alice, model, stranger_key):
    sha = push(model, alice, {**FILES, "model.sig": sign(FILES, key=stranger_key)})

    check = commit_verdict(model, sha)
    assert check.status == Status.FAILED
    assert check.reason == "Signed by a key this hub does not trust"


def test_a_model_without_a_signature_is_unsigned_and_garbage_is_a_failure(
    alice, model, monkeypatch
):
    def exported(**kwargs):
        raise AssertionError("an unsigned commit's files were written out for nothing")

    with monkeypatch.context() as patch:
        patch.setattr("provenance.services.commit_export", exported)
        unsigned = commit_verdict(model, push(model, alice, FILES))
    garbage = commit_verdict(model, push(model, alice, {"model.sig": b"{not json"}))

    assert unsigned.status == Status.UNSIGNED
    assert garbage.status == Status.FAILED
    assert garbage.reason.startswith("model.sig is not a model signature")


def test_an_org_requiring_signatures_refuses_an_unsigned_commit_before_main_moves(team_key):
    from registry.services.accounts import org_create

    alice = make_user("alice")
    org = org_create(name="acme", fullname="Acme", creator=alice)
    repo = repo_create(user=alice, token=None, name="m", organization="acme",
                       repo_type="model", private=False)  # fmt: skip
    signing_policy_set(org=org, require_signed_main=True)
    head = GitRepo(repo.storage_id).ref_target("refs/heads/main")

    with pytest.raises(PolicyRefused) as refused:
        push(repo, alice, FILES)
    assert "acme requires a valid model signature (model.sig) on main" in refused.value.message
    assert GitRepo(repo.storage_id).ref_target("refs/heads/main") == head
    signed = push(repo, alice, {**FILES, "model.sig": sign(FILES, key=team_key)})
    assert GitRepo(repo.storage_id).ref_target("refs/heads/main") == signed

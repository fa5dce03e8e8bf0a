"""Real model signatures for tests: EC keys and a small CA made here, files signed with the
model-signing library exactly as `model_signing sign key|certificate` signs them."""

import datetime
import hashlib
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from model_signing import hashing, signing

from registry.blobs import blob_store
from registry.gitstore import Change, GitRepo, pointer_bytes
from registry.models import Repo, User
from registry.services.commits import commit_create, lfs_link

MAIN = "refs/heads/main"


def key_make(folder: Path, name: str) -> Path:
    """A private EC key in `folder/name.key`, its public key in `folder/name.pub`."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = folder / f"{name}.key"
    private.write_bytes(_pem(key))
    (folder / f"{name}.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    return private


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _usage(*, ca: bool) -> x509.KeyUsage:
    # digital_signature for both; a CA signs certificates (key_cert_sign, crl_sign) too.
    return x509.KeyUsage(True, False, False, False, False, ca, ca, False, False)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme")])  # fmt: skip


def certificate_make(folder: Path) -> tuple[Path, Path, Path]:
    """A CA (folder/ca.pem) and a code-signing certificate it issued: (key, cert, ca)."""
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key, leaf_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = (x509.CertificateBuilder().subject_name(_name("Acme Root")).issuer_name(_name("Acme Root"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now)
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(_usage(ca=True), critical=True)
          .sign(ca_key, hashes.SHA256()))  # fmt: skip
    leaf = (x509.CertificateBuilder().subject_name(_name("release-bot")).issuer_name(ca.subject)
            .public_key(leaf_key.public_key()).serial_number(2).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(_usage(ca=False), critical=True)
            .sign(ca_key, hashes.SHA256()))  # fmt: skip
    paths = folder / "leaf.key", folder / "leaf.crt", folder / "ca.pem"
    paths[0].write_bytes(_pem(leaf_key))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return paths


def sign(files: dict[str, bytes], *, key: Path | None = None, cert: tuple | None = None) -> bytes:
    """The model.sig of `files` (signed with an EC key, or a certificate and its chain)."""
    config = signing.Config()
    if key is not None:
        config.use_elliptic_key_signer(private_key=key)
    else:
        config.use_certificate_signer(private_key=cert[0], signing_certificate=cert[1],
                                      certificate_chain=[cert[2]])  # fmt: skip
    config.set_hashing_config(hashing.Config().set_ignored_paths(paths=["model.sig"]))
    with tempfile.TemporaryDirectory() as scratch:
        model = Path(scratch) / "model"
        for path, data in files.items():
            (model / path).parent.mkdir(parents=True, exist_ok=True)
            (model / path).write_bytes(data)
        config.sign(model, Path(scratch) / "model.sig")
        return (Path(scratch) / "model.sig").read_bytes()


def push(repo: Repo, user: User, files: dict[str, bytes], *, lfs: set[str] = frozenset()) -> str:
    """Commits `files` to main; those named in `lfs` as LFS objects."""
    git = GitRepo(repo.storage_id)
    changes = []
    for path, data in files.items():
        if path in lfs:
            oid = hashlib.sha256(data).hexdigest()
            blob_store().put(oid, [data], size=len(data))
            lfs_link(repo=repo, oid=oid, size=len(data))
            data = pointer_bytes(oid, len(data))
        changes.append(Change("add", path, git.write_blob(data)))
    return commit_create(user=user, repo=repo, git=git, ref=MAIN, parent_commit=None,
                         changes=changes, message="Upload model\n")  # fmt: skip

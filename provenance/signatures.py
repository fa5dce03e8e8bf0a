"""OpenSSF model signatures (the `model-signing` library's format: a Sigstore bundle whose
DSSE payload lists every file's digest), verified offline against the trust roots the
operator configures: a folder of PEM files, EC public keys (`*.pub`) and CA certificates
(`*.pem`, `*.crt`). Knows nothing of repos: a folder of files and a signature file in."""

import hashlib
import importlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from OpenSSL import crypto

if TYPE_CHECKING:
    from model_signing import verifying

# Where `model_signing sign` writes its signature by default; the hub looks there.
SIGNATURE_PATH = "model.sig"
_KEY_SUFFIXES = (".pub",)
_CA_SUFFIXES = (".pem", ".crt")
# What model-signing raises for a signature that does not hold (a bad bundle, a broken
# chain, a digest that differs): each is a verdict, not a crash.
_REFUSALS = (
    ValueError,
    KeyError,
    TypeError,
    InvalidSignature,
    crypto.X509StoreContextError,
    json.JSONDecodeError,
)

# model-signing lists the differences as the repr of a list of strings, so quotes may come
# escaped.
_CHANGED = re.compile(r"Hash mismatch for \\?'([^'\\]+)\\?'")
_LISTED = re.compile(r"(Extra|Missing) files (?:found )?in model '[^']*': ([^\"\]]+)")


@cache
def _model_signing(name: str) -> ModuleType:
    # model-signing loads sigstore, TUF and protobuf (about a CPU-second): loaded on the
    # first verification, so the web and worker processes that never verify do not pay.
    return importlib.import_module(f"model_signing.{name}")


@dataclass(frozen=True)
class Verdict:
    status: str  # "verified" | "failed" | "unsigned"
    signer: str = ""  # "key <name> (sha256:<hint>)" or a certificate's subject
    reason: str = ""


def trust_roots(folder: Path | None) -> tuple[dict[str, Path], list[Path]]:
    """The trusted keys by model-signing's key hint (sha256 of the PEM public key), and
    the CA certificates."""
    if folder is None or not folder.is_dir():
        return {}, []
    keys, cas = {}, []
    for path in sorted(folder.iterdir()):
        if path.suffix in _KEY_SUFFIXES:
            keys[key_hint(path.read_bytes())] = path
        elif path.suffix in _CA_SUFFIXES:
            cas.append(path)
    return keys, cas


def key_hint(pem: bytes) -> str:
    """The id model-signing writes into a key signature: sha256 of the key's PEM form."""
    key = serialization.load_pem_public_key(pem)
    spki = key.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return hashlib.sha256(spki).hexdigest()


def signature_verify(*, model: Path, signature: Path, roots: Path | None) -> Verdict:
    """Whether `signature` signs exactly the files under `model` (every file but git's
    own, none missing, none added) with a key or a certificate chain in `roots`."""
    if not signature.is_file():
        return Verdict("unsigned", reason=f"No {SIGNATURE_PATH} in the repository")
    try:
        material = (
            _model_signing("_signing.sign_sigstore_pb")
            .Signature.read(signature)
            .bundle.verification_material
        )
    except _REFUSALS as exc:
        return Verdict("failed", reason=f"{SIGNATURE_PATH} is not a model signature: {exc}")
    keys, cas = trust_roots(roots)
    if material.x509_certificate_chain and material.x509_certificate_chain.certificates:
        return _certificate_verify(model, signature, material, cas)
    hint = material.public_key.hint if material.public_key else ""
    return _key_verify(model, signature, hint, keys)


def _key_verify(model: Path, signature: Path, hint: str, keys: dict[str, Path]) -> Verdict:
    key = keys.get(hint)
    signer = f"key {key.stem} (sha256:{hint[:16]})" if key else f"key sha256:{hint[:16]}"
    if key is None:
        return Verdict("failed", signer, "Signed by a key this hub does not trust")
    config = _model_signing("verifying").Config().use_elliptic_key_verifier(public_key=key)
    return _verify(config, model, signature, signer)


def _certificate_verify(model: Path, signature: Path, material, cas: list[Path]) -> Verdict:
    leaf = x509.load_der_x509_certificate(material.x509_certificate_chain.certificates[0].raw_bytes)
    signer = leaf.subject.rfc4514_string()
    if not cas:
        # model-signing would fall back to the system's web CAs: never trust those here.
        return Verdict("failed", signer, "This hub trusts no certificate authority")
    config = _model_signing("verifying").Config().use_certificate_verifier(certificate_chain=cas)
    return _verify(config, model, signature, signer)


def _verify(config: "verifying.Config", model: Path, signature: Path, signer: str) -> Verdict:
    try:
        config.verify(model, signature)
    except _REFUSALS as exc:
        return Verdict("failed", signer, _reason(exc))
    return Verdict("verified", signer)


def _reason(exc: Exception) -> str:
    text = str(exc)
    if text.startswith("Signature mismatch"):
        changed = _CHANGED.findall(text)
        parts = [f"changed since signed: {', '.join(changed)}"] if changed else []
        parts += [f"{kind.lower()} files: {names}" for kind, names in _LISTED.findall(text)]
        return "Files differ from the signed manifest (" + "; ".join(parts) + ")"
    if isinstance(exc, InvalidSignature):
        return "The signature does not match the signed manifest"
    if isinstance(exc, crypto.X509StoreContextError):
        return f"The certificate chain does not lead to a trusted authority: {exc}"
    return text[:500] or type(exc).__name__

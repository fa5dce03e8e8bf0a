"""The scanners, on real files: torch's own output, handmade malicious pickles (never
loaded), NumPy arrays, safetensors, GGUF, text with secrets, and files built to break them."""

import io
import pickle
import struct
import zipfile

import joblib
import numpy as np
import pytest
import torch
from picklescan.scanner import scan_pickle_bytes
from safetensors.numpy import save
from sklearn.linear_model import LogisticRegression

from registry.scanning import pickles, scan, scan_profile
from tests.hostile import Boom


def verdict(data: bytes, profile: str = "pickle"):
    return scan(io.BytesIO(data), size=len(data), profile=profile)


def calling(module: str, name: str) -> bytes:
    """A protocol-2 pickle that would call module.name() when loaded."""
    return b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n)R."


def imports(result) -> set[tuple[str, str, str]]:
    return {(found.module, found.name, found.safety) for found in result.imports}


def torch_saved(**options) -> bytes:
    buffer = io.BytesIO()
    tensors = {"w": torch.randn(3, 4), "b": torch.zeros(2, dtype=torch.bfloat16)}
    torch.save(tensors, buffer, **options)
    return buffer.getvalue()


def test_torch_save_output_is_safe_with_its_rebuild_imports_listed():
    result = verdict(torch_saved())

    assert result.kind == "zip" and result.status == "safe"
    assert ("torch._utils", "_rebuild_tensor_v2", "innocuous") in imports(result)
    assert ("collections", "OrderedDict", "innocuous") in imports(result)


def test_torch_legacy_format_with_raw_tensor_bytes_after_the_pickles_is_read_too():
    result = verdict(torch_saved(_use_new_zipfile_serialization=False))

    assert result.kind == "pickle" and result.status == "safe" and not result.error
    assert ("torch._utils", "_rebuild_tensor_v2", "innocuous") in imports(result)


def test_a_pickle_calling_os_system_is_dangerous():
    result = verdict(calling("os", "system"))

    assert result.status == "unsafe" and result.level == "dangerous"
    assert imports(result) == {("os", "system", "dangerous")}


def test_stack_global_names_are_resolved_through_the_memo():
    data = pickle.dumps(eval, protocol=4)  # a reference to builtins.eval, nothing run

    assert imports(verdict(data)) == {("builtins", "eval", "dangerous")}


def test_a_dangerous_pickle_inside_a_torch_style_zip_is_found():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("archive/data.pkl", calling("subprocess", "Popen"))
        bundle.writestr("archive/version", "3\n")

    result = verdict(archive.getvalue())

    assert result.status == "unsafe"
    assert imports(result) == {("subprocess", "Popen", "dangerous")}


def test_a_known_picklescan_bypass_passes_picklescan_but_not_the_allowlist():
    # torch.utils.cpp_extension.load_inline compiles and loads native code: picklescan's
    # denylist does not name it, so it reports no issue.
    data = calling("torch.utils.cpp_extension", "load_inline")
    assert scan_pickle_bytes(io.BytesIO(data), "model.bin").issues_count == 0

    assert verdict(data).status == "unsafe"


def test_a_global_nobody_listed_is_suspicious_not_innocuous():
    result = verdict(calling("some_new_package.helpers", "rebuild"))

    assert result.status == "caution"
    assert imports(result) == {("some_new_package.helpers", "rebuild", "suspicious")}


def test_numpy_arrays_pickle_nothing_unless_they_hold_objects():
    plain, objects = io.BytesIO(), io.BytesIO()
    np.save(plain, np.arange(4))
    np.save(objects, np.array([calling, 1], dtype=object), allow_pickle=True)

    assert verdict(plain.getvalue(), "auto").imports == ()
    flagged = verdict(objects.getvalue(), "auto")
    assert flagged.kind == "npy" and flagged.status == "caution"
    assert ("tests.registry.test_scanning", "calling", "suspicious") in imports(flagged)


def test_a_zip_bomb_ends_in_an_error_verdict_without_inflating_it(monkeypatch):
    monkeypatch.setattr(pickles, "MAX_PICKLE_BYTES", 1 << 20)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("archive/data.pkl", b"\x80\x02(" + b"N" * (8 << 20))

    result = verdict(archive.getvalue())

    assert result.status == "error" and "inflates past" in result.error


def test_garbage_and_truncated_pickles_are_errors_not_crashes():
    assert verdict(b"\x80\x02\xff\xff").status == "error"
    assert verdict(b"\x80\x02cos\nsys").status == "error"


def test_a_scan_stops_at_its_deadline_whatever_the_pickle_holds():
    # A million empty tuples popped one by one: long to walk, nothing to find.
    data = b"\x80\x02" + b")0" * 1_000_000 + b"N."

    with pytest.raises(pickles.PickleScanError, match="too long"):
        pickles.pickle_imports(io.BytesIO(data), deadline=0)


def test_safetensors_headers_are_checked_and_parameters_counted():
    good = save({"w": np.zeros((3, 4), dtype=np.float32)})

    assert verdict(good, "safetensors").details == {"parameters": {"F32": 12}, "total": 12}
    truncated = verdict(good[:20], "safetensors")
    assert truncated.status == "error" and "header" in truncated.error


def gguf_bytes() -> bytes:
    def text(value: str) -> bytes:
        return struct.pack("<Q", len(value)) + value.encode()

    pairs = text("general.architecture") + struct.pack("<I", 8) + text("llama")
    pairs += text("llama.context_length") + struct.pack("<I", 4) + struct.pack("<I", 2048)
    pairs += text("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 2) + text("a") + text("b")
    return b"GGUF" + struct.pack("<IQQ", 3, 7, 3) + pairs


def test_gguf_metadata_is_read_from_the_header():
    result = verdict(gguf_bytes(), "auto")

    assert result.kind == "gguf" and result.status == "safe"
    assert result.details["version"] == 3 and result.details["tensors"] == 7
    assert result.details["metadata"] == {
        "general.architecture": "llama",
        "llama.context_length": 2048,
        "tokenizer.ggml.tokens": "[2 items]",
    }
    assert verdict(gguf_bytes()[:40], "auto").status == "error"


def test_a_committed_cloud_key_in_a_text_file_is_reported():
    result = verdict(b"model: tiny\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", "auto")

    assert result.status == "safe"
    assert result.details == {"secrets": [{"type": "AWS Access Key", "line": 2}]}
    assert verdict(b"just a card\n", "auto").details == {}


@pytest.mark.parametrize("name", ["model.bin", "weights.PT", "clf.joblib"])
def test_pickle_suffixes_are_read_as_pickles_whatever_the_bytes_look_like(name):
    # Protocol 0 is plain text: as a .bin it is still what torch.load would unpickle.
    assert scan_profile(name) == "pickle"
    assert verdict(b"cos\nsystem\n(S'id'\ntR.", scan_profile(name)).status == "unsafe"


def joblib_dumped(value, **options) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(value, buffer, **options)
    return buffer.getvalue()


def scikit_model() -> LogisticRegression:
    rows = np.random.default_rng(0).random((20, 3))
    return LogisticRegression().fit(rows, [0, 1] * 10)


@pytest.mark.parametrize("compress", [0, 3, ("gzip", 3), ("bz2", 3), ("xz", 3), ("lzma", 3)])
def test_joblib_files_with_inline_arrays_are_read_to_the_end_compressed_or_not(compress):
    arrays = {"f": np.arange(12.0).reshape(3, 4), "u": np.array(["ab", "c"]),
              "big": np.arange(300_000), "empty": np.zeros((0, 5)),
              "model": scikit_model()}  # fmt: skip
    safe = verdict(joblib_dumped(arrays, compress=compress))
    # The same arrays, then a call to os.system after them: found only by reading past them.
    evil = verdict(joblib_dumped([arrays, Boom()], compress=compress))

    assert not safe.error and not evil.error
    assert ("joblib.numpy_pickle", "NumpyArrayWrapper", "innocuous") in imports(safe)
    assert ("sklearn.linear_model._logistic", "LogisticRegression", "suspicious") in imports(safe)
    assert safe.status == "caution"  # scikit-learn is not on the allowlist: loading runs it
    assert evil.status == "unsafe" and ("posix", "system", "dangerous") in imports(evil)


def test_a_joblib_array_of_objects_is_a_pickle_whose_imports_count():
    result = verdict(joblib_dumped({"o": np.array([Boom(), 1], dtype=object)}))

    assert not result.error and result.status == "unsafe"
    assert ("posix", "system", "dangerous") in imports(result)


def test_a_joblib_file_cut_inside_an_array_is_an_error():
    data = joblib_dumped({"big": np.arange(300_000)})

    assert verdict(data[: len(data) // 2]).status == "error"
    assert verdict(joblib_dumped({"big": np.arange(300_000)}, compress=3)[:500]).status == "error"

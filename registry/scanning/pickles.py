"""What a pickle would import, read without running it, and judged against an allowlist.

Unpickling calls whatever the stream names (GLOBAL, STACK_GLOBAL, INST), so the imports
decide whether a file is safe to load. Denylists (picklescan's) keep being bypassed by some
module nobody listed, so a name is innocuous only if it is on the allowlist below, dangerous
if it is a known way to run code, and suspicious otherwise.
"""

import bz2
import gzip
import io
import lzma
import pickletools
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from registry.scanning.inline_arrays import InlineArray, Stack

INNOCUOUS = "innocuous"
SUSPICIOUS = "suspicious"
DANGEROUS = "dangerous"
LEVELS = (INNOCUOUS, SUSPICIOUS, DANGEROUS)

_TORCH_REBUILDS = {
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
    "_rebuild_sparse_tensor",
    "_rebuild_meta_tensor_no_storage",
    "_rebuild_device_tensor_from_numpy",
    "_rebuild_qtensor",
    "_rebuild_nested_tensor",
}
_TORCH_TYPES = {
    f"{kind}Storage"
    for kind in [
        "Float",
        "Half",
        "BFloat16",
        "Double",
        "Long",
        "Int",
        "Short",
        "Char",
        "Byte",
        "Bool",
        "ComplexFloat",
        "ComplexDouble",
    ]
} | {
    "Size",
    "device",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "complex64",
    "complex128",
}
_NUMPY_CORE = {"_reconstruct", "scalar", "_frombuffer"}
ALLOWED: dict[str, set[str]] = {
    "torch._utils": _TORCH_REBUILDS,
    "torch": _TORCH_TYPES,
    "torch._tensor": {"_rebuild_from_type_v2"},
    "collections": {"OrderedDict"},
    "builtins": {"set", "frozenset", "bytearray", "complex", "slice", "range"},
    "__builtin__": {"set", "frozenset", "bytearray", "complex", "slice"},
    "_codecs": {"encode"},  # numpy's protocol-2 bytes: encode(text, "latin1")
    "numpy": {"dtype", "ndarray"},
    "numpy.core.multiarray": _NUMPY_CORE,
    "numpy._core.multiarray": _NUMPY_CORE,
    "numpy.core.numeric": {"_frombuffer"},
    "numpy._core.numeric": {"_frombuffer"},
    "joblib.numpy_pickle": {"NumpyArrayWrapper"},
}
# Known ways to run code, read or write files or reach the network: flagged dangerous by
# module (any submodule too) or by exact name.
DENIED_MODULES = frozenset(
    [
        "os",
        "posix",
        "nt",
        "subprocess",
        "_posixsubprocess",
        "sys",
        "socket",
        "shutil",
        "runpy",
        "pty",
        "commands",
        "webbrowser",
        "importlib",
        "ctypes",
        "multiprocessing",
        "asyncio",
        "code",
        "codeop",
        "pdb",
        "bdb",
        "pydoc",
        "timeit",
        "trace",
        "profile",
        "cProfile",
        "pickle",
        "_pickle",
        "dill",
        "cloudpickle",
        "marshal",
        "types",
        "operator",
        "_operator",
        "functools",
        "requests",
        "urllib",
        "http",
        "ftplib",
        "telnetlib",
        "smtplib",
        "imaplib",
        "pip",
        "setuptools",
        "ensurepip",
        "venv",
        "pkgutil",
        "zipimport",
        "tempfile",
        "glob",
        "io",
        "_io",
        "signal",
        "threading",
        "_thread",
        "sysconfig",
        "doctest",
        "idlelib",
        "lib2to3",
        "distutils",
        "logging",
        "uuid",
        "ssl",
        "aiohttp",
        "test",
        "torch.hub",
        "torch.jit",
        "torch.serialization",
        "torch.utils.cpp_extension",
        "torch._inductor",
        "torch._dynamo",
        "torch.fx",
        "numpy.f2py",
        "numpy.testing",
        "numpy.distutils",
    ]
)
DENIED_NAMES = frozenset(
    ("builtins", name)
    for name in [
        "eval",
        "exec",
        "compile",
        "open",
        "__import__",
        "getattr",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "apply",
        "execfile",
        "file",
        "memoryview",
        "help",
        "exit",
        "quit",
    ]
) | frozenset(
    [("__builtin__", name) for name in ("eval", "exec", "execfile", "open", "getattr", "file")]
    + [("torch.storage", "_load_from_bytes")]
)

MAX_OPS = 50_000_000
MAX_SECONDS = 120.0
MAX_PICKLE_BYTES = 1 << 30  # what one pickle inside an archive may inflate to
_MAX_ARG_BYTES = 1 << 20  # larger arguments (tensor bytes) are skipped, never held
_MAX_MEMBERS = 10_000


class PickleScanError(ValueError):
    """The stream could not be read to its end within the scanner's bounds."""


class _Unreadable(PickleScanError):
    """The bytes are not a pickle."""


@dataclass(frozen=True)
class Import:
    module: str
    name: str
    safety: str


def classify(module: str, name: str) -> str:
    """The safety level of importing `module`.`name`."""
    if name in ALLOWED.get(module, ()):
        return INNOCUOUS
    if module == "numpy.dtypes" and name.endswith("DType"):
        return INNOCUOUS
    parts = module.split(".")
    if (module, name) in DENIED_NAMES or any(
        ".".join(parts[:i]) in DENIED_MODULES for i in range(1, len(parts) + 1)
    ):
        return DANGEROUS
    return SUSPICIOUS


def highest(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index, default=INNOCUOUS)


def pickle_imports(handle: BinaryIO, *, deadline: float) -> list[Import]:
    """The imports of every pickle in `handle` (torch's legacy format stacks several).

    Raises PickleScanError for a stream that is not a pickle, ends early, or exceeds the
    scanner's bounds.
    """
    found: dict[tuple[str, str], None] = {}
    reader = _BoundedReader(handle)
    first = True
    while first or reader.peek() == b"\x80":  # another pickle starts with a PROTO opcode
        try:
            for module, name in _one_pickle(reader, deadline=deadline):
                found[(module, name)] = None
        except _Unreadable:
            # Raw tensor bytes may follow the pickles and happen to start like one: only
            # the first must parse (what any loader reads); later imports still count.
            if first:
                raise
            break
        first = False
    return [Import(module, name, classify(module, name)) for module, name in found]


def zip_imports(handle: BinaryIO, *, deadline: float) -> list[Import]:
    """The imports of every pickle in a zip archive (torch.save's format, .npz)."""
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError) as error:
        raise PickleScanError(f"not a readable zip archive: {error}") from None
    members = archive.infolist()
    if len(members) > _MAX_MEMBERS:
        raise PickleScanError(f"the archive holds over {_MAX_MEMBERS} members")
    imports: dict[Import, None] = {}
    for member in members:
        if not member.filename.endswith((".pkl", ".npy")):
            continue
        if member.file_size > MAX_PICKLE_BYTES:
            raise PickleScanError(f"{member.filename} inflates past {MAX_PICKLE_BYTES} bytes")
        with archive.open(member) as stream:
            scan = npy_imports if member.filename.endswith(".npy") else pickle_imports
            imports.update(dict.fromkeys(scan(_Capped(stream), deadline=deadline)))
    return list(imports)


# What joblib.load recognises by a compressed file's first bytes (its own zlib, gzip, bz2,
# xz, lzma). lz4 needs a package joblib does not require: such a file stays an error.
COMPRESSED_MAGICS = (b"\x78", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"]\x00\x00")


def compressed_imports(handle: BinaryIO, *, deadline: float) -> list[Import]:
    """The imports of a pickle joblib compressed (`joblib.dump(..., compress=...)`), read
    as it inflates, through the same cap as an archive's members (zip bombs)."""
    head = handle.read(6)
    handle.seek(0)
    if head.startswith(b"\x78"):
        stream: BinaryIO = io.BufferedReader(_Inflate(handle))  # noqa: SIM115
    elif head.startswith(b"\x1f\x8b"):
        stream = gzip.GzipFile(fileobj=handle)  # noqa: SIM115
    elif head.startswith(b"BZh"):
        stream = bz2.BZ2File(handle)  # noqa: SIM115
    else:
        stream = lzma.LZMAFile(handle)  # noqa: SIM115 (closed below)
    try:
        return pickle_imports(_Capped(stream), deadline=deadline)
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as error:
        raise PickleScanError(f"not a readable compressed pickle: {error}") from None
    finally:
        stream.close()


class _Inflate(io.RawIOBase):
    """joblib's zlib files: one zlib stream, inflated a bounded piece at a time."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle, self._inflater, self._pending = handle, zlib.decompressobj(), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending and not self._inflater.eof:
            data = self._inflater.unconsumed_tail or self._handle.read(1 << 16)
            if not data:
                raise EOFError("the compressed stream ends early")
            self._pending = self._inflater.decompress(data, len(buffer))
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size


def npy_imports(handle: BinaryIO, *, deadline: float) -> list[Import]:
    """A NumPy `.npy` file's imports: none, unless it holds objects, which it pickles."""
    magic = handle.read(8)
    if magic[:6] != b"\x93NUMPY":
        raise PickleScanError("not a .npy file")
    width = 2 if magic[6] == 1 else 4
    length = int.from_bytes(handle.read(width), "little")
    if length > _MAX_ARG_BYTES:
        raise PickleScanError("the .npy header is too long")
    header = handle.read(length).decode("latin1")
    if "'O'" not in header and "|O" not in header:
        return []
    return pickle_imports(handle, deadline=deadline)


def _one_pickle(reader: "_BoundedReader", *, deadline: float) -> Iterator[tuple[str, str]]:
    recent: list[object] = []  # what the last opcodes pushed, as far as strings go
    memo: dict[int, object] = {}
    stack = Stack()  # enough of the unpickler's to find joblib's inline arrays
    try:
        for count, (opcode, arg, _pos) in enumerate(pickletools.genops(reader)):
            if count % 10_000 == 0 and (count > MAX_OPS or time.monotonic() > deadline):
                raise PickleScanError("the pickle is too long to scan")
            yield from _step(opcode.name, arg, recent, memo)
            del recent[:-2]
            inline = stack.step(opcode.name, arg, opcode)
            if inline is not None:
                yield from _inline_step(reader, inline, deadline=deadline)
    except (ValueError, TypeError, UnicodeDecodeError, EOFError) as error:
        if isinstance(error, PickleScanError):
            raise
        raise _Unreadable(f"not a readable pickle: {error}") from None


def _inline_step(
    reader: "_BoundedReader", inline: InlineArray, *, deadline: float
) -> Iterator[tuple[str, str]]:
    """Steps over the array joblib wrote after its wrapper; an array of objects is a whole
    pickle there, whose imports count (joblib.load unpickles it)."""
    if inline.objects:
        yield from _one_pickle(reader, deadline=deadline)
        return
    if inline.aligned:
        padding = reader.read(1)
        if len(padding) != 1 or _skip(reader.handle, padding[0]) != padding[0]:
            raise PickleScanError("a joblib array's padding is cut short")
    if _skip(reader.handle, inline.size) != inline.size:
        raise PickleScanError("a joblib array is cut short")


def _step(op: str, arg: object, recent: list, memo: dict) -> Iterator[tuple[str, str]]:
    if op in ("GLOBAL", "INST"):
        module, _, name = str(arg).partition(" ")
        yield module, name
        recent.append(None)
    elif op == "STACK_GLOBAL":
        module, name = recent[-2:] if len(recent) >= 2 else [None, None]
        # Names computed by other means than two string literals are a known evasion.
        yield (module, name) if isinstance(module, str) and isinstance(name, str) else ("?", "?")
        recent.append(None)
    elif op == "MEMOIZE":
        memo[len(memo)] = recent[-1] if recent else None
    elif op in ("PUT", "BINPUT", "LONG_BINPUT"):
        memo[int(arg)] = recent[-1] if recent else None
    elif op in ("GET", "BINGET", "LONG_BINGET"):
        recent.append(memo.get(int(arg)))
    elif op in ("FRAME", "PROTO", "MARK", "STOP"):
        pass
    else:
        recent.append(arg if isinstance(arg, str) and "UNICODE" in op else None)


class _BoundedReader:
    """Feeds pickletools.genops: large arguments (tensor bytes in a legacy checkpoint) are
    skipped over rather than read, so memory stays bounded whatever the file holds."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle

    @property
    def handle(self) -> BinaryIO:
        return self._handle

    def read(self, size: int = -1) -> bytes:
        if 0 <= size <= _MAX_ARG_BYTES:
            return self._handle.read(size)
        if size < 0:
            raise PickleScanError("unbounded read")
        skipped = _skip(self._handle, size)
        return _Skipped(skipped)

    def readline(self) -> bytes:
        line = self._handle.readline(_MAX_ARG_BYTES)
        if len(line) >= _MAX_ARG_BYTES:
            raise PickleScanError("a text argument is over 1 MiB")
        return line

    def peek(self) -> bytes:
        if self._handle.seekable():
            position = self._handle.tell()
            first = self._handle.read(1)
            self._handle.seek(position)
            return first
        return b""


class _Skipped(bytes):
    """Stands for skipped bytes: only its length is known (genops checks it)."""

    def __new__(cls, length: int) -> "_Skipped":
        instance = super().__new__(cls)
        instance.length = length
        return instance

    def __len__(self) -> int:
        return self.length


def _skip(handle: BinaryIO, size: int) -> int:
    if handle.seekable():
        position = handle.tell()
        end = handle.seek(0, io.SEEK_END)
        handle.seek(min(position + size, end))
        return min(size, end - position)
    left = size
    while left and (chunk := handle.read(min(left, 1 << 20))):
        left -= len(chunk)
    return size - left


class _Capped(io.RawIOBase):
    """A zip member's stream that refuses to inflate past MAX_PICKLE_BYTES (zip bombs)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream, self._read = stream, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._read += len(data)
        if self._read > MAX_PICKLE_BYTES:
            raise PickleScanError(f"a member inflates past {MAX_PICKLE_BYTES} bytes")
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._stream.readline(size)
        self._read += len(data)
        if self._read > MAX_PICKLE_BYTES:
            raise PickleScanError(f"a member inflates past {MAX_PICKLE_BYTES} bytes")
        return data

    def seekable(self) -> bool:
        # Seeking a deflated member inflates everything before the target: read instead,
        # through the cap.
        return False

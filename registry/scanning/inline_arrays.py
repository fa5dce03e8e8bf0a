"""joblib's inline NumPy arrays, found without running the pickle.

`joblib.dump` pickles each array as a `joblib.numpy_pickle.NumpyArrayWrapper` whose state
says its shape and dtype, then writes the array's bytes straight into the stream after that
object (a padding byte count and padding first, when the file allows memory-mapping), or,
for an array of Python objects, a whole pickle of it. A pickle reader sees garbage there.
This follows just enough of the unpickler's stack (literals, tuples, dicts, globals, calls
and their state) to read each wrapper's state when it is built, so the scanner can step over
the bytes (or scan the inner pickle) and go on reading the stream.

Only values small enough to matter are kept: long strings, big tuples and dicts, lists and
bytes become `OPAQUE`, so memory stays bounded whatever the stream holds. An opcode this
does not model leaves the stack unknown from there on; a wrapper built after that cannot be
read, and the file ends as an error, as before.
"""

import pickletools
from dataclasses import dataclass, field

WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")
_MAX_ITEMS = 64  # tuples and dicts longer than this are not kept
_MAX_TEXT = 1024
_MAX_STACK = 100_000
# Opcodes that push one literal value (bytes arguments among them, kept opaque).
_LITERALS = frozenset(
    {"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
     "STRING", "BINSTRING", "SHORT_BINSTRING", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8",
     "BYTEARRAY8", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "NONE",
     "NEWTRUE", "NEWFALSE"}
)  # fmt: skip


class _Opaque:
    def __repr__(self) -> str:
        return "OPAQUE"


OPAQUE = _Opaque()
_MARK = object()


@dataclass(frozen=True)
class Global:
    module: str
    name: str


@dataclass(eq=False)
class Call:
    func: object
    args: object
    state: object = None


@dataclass(frozen=True)
class InlineArray:
    """What follows a wrapper in the stream: `size` raw bytes (after a padding byte count
    and padding when `aligned`), or, for objects, a pickle."""

    size: int
    aligned: bool
    objects: bool


@dataclass
class Stack:
    items: list = field(default_factory=list)
    memo: dict = field(default_factory=dict)
    lost: bool = False

    def step(self, op: str, arg: object, info: pickletools.OpcodeInfo) -> InlineArray | None:
        """Applies one opcode; the inline array that follows it, if it built a wrapper."""
        if self.lost:
            return None
        try:
            return self._apply(op, arg, info)
        except (IndexError, KeyError, TypeError, ValueError):
            self.lost = True
            return None

    def _apply(self, op: str, arg: object, info: pickletools.OpcodeInfo) -> InlineArray | None:
        items = self.items
        if len(items) > _MAX_STACK:
            raise ValueError("stack too deep to follow")
        if op in ("PROTO", "FRAME", "STOP"):
            return None
        if op == "MARK":
            items.append(_MARK)
        elif op in ("MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT"):
            self.memo[len(self.memo) if op == "MEMOIZE" else int(arg)] = items[-1]
        elif op in ("GET", "BINGET", "LONG_BINGET"):
            items.append(self.memo[int(arg)])
        elif op in ("GLOBAL", "INST"):
            module, _, name = str(arg).partition(" ")
            if op == "INST":
                items.append(Call(Global(module, name), tuple(self._pop_mark())))
            else:
                items.append(Global(module, name))
        elif op == "STACK_GLOBAL":
            name, module = items.pop(), items.pop()
            items.append(Global(module, name) if isinstance(module, str) else OPAQUE)
        elif op in _LITERALS:
            items.append(_literal(op, arg))
        elif op in ("EMPTY_TUPLE", "TUPLE1", "TUPLE2", "TUPLE3"):
            count = ("EMPTY_TUPLE", "TUPLE1", "TUPLE2", "TUPLE3").index(op)
            values = items[len(items) - count :] if count else []
            del items[len(items) - count :]
            items.append(_small_tuple(values))
        elif op == "TUPLE":
            items.append(_small_tuple(self._pop_mark()))
        elif op == "EMPTY_DICT":
            items.append({})
        elif op == "DICT":
            values = self._pop_mark()
            items.append(_small_dict({}, values))
        elif op in ("SETITEM", "SETITEMS"):
            values = [items.pop(), items.pop()][::-1] if op == "SETITEM" else self._pop_mark()
            items[-1] = _small_dict(items[-1], values)
        elif op in ("REDUCE", "NEWOBJ"):
            args, func = items.pop(), items.pop()
            items.append(Call(func, args))
        elif op == "NEWOBJ_EX":
            _kwargs, args, func = items.pop(), items.pop(), items.pop()
            items.append(Call(func, args))
        elif op == "OBJ":
            values = self._pop_mark()
            items.append(Call(values[0], tuple(values[1:])) if values else OPAQUE)
        elif op == "BUILD":
            state = items.pop()
            target = items[-1]
            if isinstance(target, Call):
                target.state = state
                return _inline_array(target)
        else:
            self._generic(info)
        return None

    def _pop_mark(self) -> list:
        items = self.items
        at = len(items) - 1 - items[::-1].index(_MARK)
        values = items[at + 1 :]
        del items[at:]
        return values

    def _generic(self, info: pickletools.OpcodeInfo) -> None:
        """Any other opcode: its stack effect from pickletools, its results opaque."""
        before = info.stack_before
        if pickletools.markobject in before:
            self._pop_mark()
            below = before.index(pickletools.markobject)
        else:
            below = len(before)
        if below:
            del self.items[len(self.items) - below :]
        self.items.extend([OPAQUE] * len(info.stack_after))


def _literal(op: str, arg: object) -> object:
    if op == "NONE":
        return None
    if op in ("NEWTRUE", "NEWFALSE"):
        return op == "NEWTRUE"
    if isinstance(arg, bool | int | float):
        return arg
    if isinstance(arg, str) and len(arg) <= _MAX_TEXT:
        return arg
    return OPAQUE


def _small_tuple(values: list) -> object:
    return tuple(values) if len(values) <= _MAX_ITEMS else OPAQUE


def _small_dict(target: object, values: list) -> object:
    if not isinstance(target, dict) or len(target) + len(values) // 2 > _MAX_ITEMS:
        return OPAQUE
    for key, value in zip(values[::2], values[1::2], strict=True):
        if isinstance(key, str):
            target[key] = value
    return target


def _inline_array(wrapper: Call) -> InlineArray | None:
    func, state = wrapper.func, wrapper.state
    if not (isinstance(func, Global) and (func.module, func.name) == WRAPPER):
        return None
    if not isinstance(state, dict):
        raise ValueError("a NumpyArrayWrapper without its state")
    shape, dtype = state.get("shape"), state.get("dtype")
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)):
        raise ValueError("a NumpyArrayWrapper without a shape")
    objects, itemsize = _dtype_size(dtype)
    count = 1
    for n in shape:
        count *= n
    aligned = type(state.get("numpy_array_alignment_bytes")) is int
    return InlineArray(size=count * itemsize, aligned=aligned, objects=objects)


def _dtype_size(dtype: object) -> tuple[bool, int]:
    """(holds objects, bytes per item) of a pickled `numpy.dtype(code, align, copy)`."""
    if not isinstance(dtype, Call) or not isinstance(dtype.args, tuple) or not dtype.args:
        raise ValueError("a NumpyArrayWrapper without a dtype")
    code = dtype.args[0]
    if not isinstance(code, str):
        raise ValueError("a dtype without its code")
    if code.lstrip("<>|=").startswith("O"):
        return True, 0
    state = dtype.state
    elsize = state[5] if isinstance(state, tuple) and len(state) > 5 else -1
    if type(elsize) is int and elsize > 0:
        return False, elsize
    digits = "".join(ch for ch in code if ch.isdigit())
    if not digits:
        raise ValueError(f"a dtype of unknown size: {code}")
    return False, int(digits)

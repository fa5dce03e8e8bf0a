"""A small per-process cache of answers that a key pins down completely (a commit id, a
version number moved on every change): the least recently used dropped past `entries`."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
_MISSING = object()


class Memo:
    def __init__(self, entries: int):
        self.entries = entries
        self._answers: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], T], *, keep: bool = True) -> T:
        """The answer under `key`, built (outside the lock) when absent and kept unless
        `keep` says the answer is not final yet. `keep` may be a predicate on the answer."""
        with self._lock:
            found = self._answers.get(key, _MISSING)
            if found is not _MISSING:
                self._answers.move_to_end(key)
                return found
        answer = build()
        if keep(answer) if callable(keep) else keep:
            with self._lock:
                self._answers[key] = answer
                while len(self._answers) > self.entries:
                    self._answers.popitem(last=False)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()

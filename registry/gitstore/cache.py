"""A per-process cache of tree listings. A listing at a commit id never changes."""

import threading
from collections import OrderedDict
from collections.abc import Callable

# Bounded by entries, not listings: one huge repo must not evict everything else, nor grow
# without limit (about 300 bytes an entry).
MAX_ENTRIES = 200_000


class ListingCache:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._items: OrderedDict[tuple, tuple] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get_or_build(self, key: tuple, build: Callable[[], list]) -> list:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return list(self._items[key])
        value = tuple(build())
        if len(value) <= self.max_entries:
            with self._lock:
                if key not in self._items:
                    self._items[key] = value
                    self._size += len(value)
                while self._size > self.max_entries:
                    _, evicted = self._items.popitem(last=False)
                    self._size -= len(evicted)
        return list(value)


listings = ListingCache()

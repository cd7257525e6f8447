"""Remembered pieces of rendered pages (fragment caching), per worker.

The entry form and the progress table print some 80 rows each, and rendering those rows is
most of what their pages cost. A row's HTML is a function of a few values, so the pages keep
what they rendered, keyed by those values (kpi.results.views, kpi.progress.views), and a page
viewed again before anything changed prints the rows it printed before.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class Remembered:
    """The ``size`` most recently used values by key; gunicorn's threads share it."""

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

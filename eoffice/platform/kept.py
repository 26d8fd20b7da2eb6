"""What a process makes once and keeps: compiled statements, rendered rows, translated strings.

`Kept(most)` is a dict that starts over when it holds `most` entries (each store's entries
are cheap to make again, and a bound keeps a long-lived worker's memory flat)."""

from __future__ import annotations

from typing import Any


class Kept(dict):
    def __init__(self, most: int) -> None:
        super().__init__()
        self.most = most

    def keep(self, key: Any, value: Any) -> Any:
        """Keep `value` under `key` (emptying the store first when it is full); return it."""
        if len(self) >= self.most:
            self.clear()
        self[key] = value
        return value

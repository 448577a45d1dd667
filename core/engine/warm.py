"""Importing, in the parent, the modules a child loaded, so that the next child starts with them loaded.

A child reports the modules it has executed while it runs (``aiscale.core.engine.isolation``); the parent
imports them between messages, on its own core, so that the next stack — or the next run of a watched stack —
forks from a parent that already has the SDKs. Modules of the program's own directory are never imported here:
they may register resources when imported, and they must be the program's fresh code in every run.
"""

from __future__ import annotations

import importlib
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path


class Warmer:
    def __init__(self, program_dir: Path) -> None:
        self.program_dir = program_dir.resolve()
        self.pending: deque[str] = deque()
        self.seen: set[str] = set()
        self.loaded: list[str] = []
        """Modules this process imported for its children, in order (what a Python file change makes stale)."""

    def add(self, modules: Iterable[tuple[str, str | None]]) -> None:
        """(name, file) of modules a child executed."""
        for name, origin in modules:
            if name in self.seen or name == "__main__":
                continue
            self.seen.add(name)
            if origin and Path(origin).resolve().is_relative_to(self.program_dir):
                continue
            self.pending.append(name)

    def step(self, budget: float = 0.05) -> None:
        """Import pending modules for about ``budget`` seconds."""
        stop = time.monotonic() + budget
        while self.pending and time.monotonic() < stop:
            self._load(self.pending.popleft())

    def finish(self) -> None:
        while self.pending:
            self._load(self.pending.popleft())

    def _load(self, name: str) -> None:
        try:
            module = importlib.import_module(name)
            # Provider SDKs load their service modules lazily: touching an attribute executes one.
            hasattr(module, "__aiscale_warm__")
        except Exception:
            return
        self.loaded.append(name)

"""Importing, in the parent, the modules a child loaded, so that the next child starts with them loaded.

A child reports the modules it has executed while it runs (``aiscale.core.engine.isolation``); the parent
imports them between messages, on its own core, so that the next stack — or the next run of a watched stack —
forks from a parent that already has the SDKs. Modules of the program's own directory are never imported here:
they may register resources when imported, and they must be the program's fresh code in every run.

While it waits for a change, a watching parent also fills what every run would compute again and that depends
on no file of the project (:meth:`Warmer.idle`): the Pulumi SDK's type hints of the imported SDK classes (which
it caches per class) and the warmer's ``primers`` (aiscale's own data tables). Each is a pure cache: a child
that finds it empty computes the same value itself.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType


class Warmer:
    def __init__(self, program_dir: Path, primers: Sequence[Callable[[], object]] = ()) -> None:
        self.program_dir = program_dir.resolve()
        self.pending: deque[str] = deque()
        self.seen: set[str] = set()
        self.loaded: list[str] = []
        """Modules this process imported for its children, in order (what a Python file change makes stale)."""
        self.primers: deque[Callable[[], object]] = deque(primers)
        self.unprimed: deque[ModuleType] = deque()
        """Imported modules whose SDK classes' type hints are not resolved yet."""

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

    def idle(self, budget: float = 0.05) -> None:
        """Fill pure caches for about ``budget`` seconds (while no child runs: it would compete for the cores)."""
        stop = time.monotonic() + budget
        while self.primers and time.monotonic() < stop:
            with contextlib.suppress(Exception):  # the child meets the same error, where it is reported
                self.primers.popleft()()
        while self.unprimed and time.monotonic() < stop:
            _resolve_type_hints(self.unprimed.popleft())

    def _load(self, name: str) -> None:
        try:
            module = importlib.import_module(name)
            # Provider SDKs load their service modules lazily: touching an attribute executes one.
            hasattr(module, "__aiscale_warm__")
        except Exception:
            return
        self.loaded.append(name)
        self.unprimed.append(module)


def _resolve_type_hints(module: ModuleType) -> None:
    """Resolve, once, the type hints the Pulumi SDK reads when a resource registers or resolves its outputs: its
    input and output types and resource classes (``pulumi._types`` caches them per class; resolving them is about
    a fifth of a program run). Classes whose hints do not resolve are left to the child, which then fails alike."""
    try:
        import pulumi  # noqa: PLC0415 - only where a program ran
        from pulumi import _types  # noqa: PLC0415
    except ImportError:
        return
    for value in list(vars(module).values()):
        if not isinstance(value, type) or value.__module__ != module.__name__:
            continue
        with contextlib.suppress(Exception):
            if _types.is_input_type(value):
                _types.input_type_types(value)
            elif _types.is_output_type(value):
                _types.output_type_types(value)
            elif issubclass(value, pulumi.CustomResource):
                _types.resource_types(value)

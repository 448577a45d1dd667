"""The progress line on a terminal: which stack, which phase, how far (only for runs longer than a second).

Drawn by the waiting parent between messages from the child (``aiscale.core.engine.isolation``), never by a
thread of its own: the parent forks its children, and a fork must not happen while another thread runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import TextIO

from aiscale.core.engine.isolation import Progress


class ProgressLine:
    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, stream: TextIO | None = None, delay: float = 1.0) -> None:
        self.stream = stream or sys.stderr
        self.delay = delay
        self.enabled = self.stream.isatty() and os.environ.get("TERM") != "dumb"
        self.label = ""
        self.progress = Progress()
        self.started = time.monotonic()
        self._frame = 0
        self._shown = False

    def start(self, label: str) -> None:
        """A new stack (``dev``, or ``[2/3] staging``)."""
        self.label = label
        self.progress = Progress()
        self.started = time.monotonic()

    def update(self, progress: Progress) -> None:
        self.progress = progress
        self.tick()

    def tick(self) -> None:
        elapsed = time.monotonic() - self.started
        if not self.enabled or elapsed < self.delay:
            return
        line = (
            f"{self.FRAMES[self._frame % len(self.FRAMES)]} {self.label}: {self.progress.describe()} ({elapsed:.0f} s)"
        )
        width = shutil.get_terminal_size((80, 24)).columns - 1
        self.stream.write("\r" + line[:width] + "\033[K")
        self.stream.flush()
        self._frame += 1
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False

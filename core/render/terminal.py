"""How the terminal report looks where it is shown: fitted to the terminal's width and coloured on a TTY, plain
text everywhere else (files, pipes, ``NO_COLOR``, ``TERM=dumb``)."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

#: SGR codes per role (https://no-color.org: any non-empty NO_COLOR turns colour off).
COLOURS = {
    "create": "32",
    "update": "33",
    "replace": "35",
    "rename": "35",
    "delete": "31",
    "mandatory": "1;31",
    "advisory": "33",
    "heading": "1",
    "muted": "2",
}


@dataclass(frozen=True)
class Style:
    width: int | None = None
    """Columns to fit lines to; None: no limit (a file or a pipe)."""
    colour: bool = False

    @classmethod
    def for_stream(cls, stream: TextIO, environ: Mapping[str, str] | None = None) -> Style:
        env = os.environ if environ is None else environ
        if not stream.isatty():
            return cls()
        width = shutil.get_terminal_size(fallback=(100, 24)).columns
        colour = not env.get("NO_COLOR") and env.get("TERM") != "dumb"
        return cls(max(width, 40), colour)

    def paint(self, text: str, role: str) -> str:
        code = COLOURS.get(role)
        return f"\033[{code}m{text}\033[0m" if self.colour and code else text

    def fit(self, line: str, role: str | None = None, *, wrap: bool = True) -> list[str]:
        """``line`` in the width: wrapped with a hanging indent, or cut with an ellipsis (``wrap=False``, for
        table rows); then painted."""
        if self.width is None or len(line) <= self.width:
            pieces = [line]
        elif not wrap:
            pieces = [line[: self.width - 1] + "…"]
        else:
            indent = " " * (len(line) - len(line.lstrip()) + 4)
            pieces = textwrap.wrap(
                line, self.width, subsequent_indent=indent, break_long_words=True, break_on_hyphens=False
            ) or [line]
        return [self.paint(piece, role) if role else piece for piece in pieces]

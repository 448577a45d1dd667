"""Which reports ``aiscale plan`` writes where: ``--output [FORMAT:]PATH``, repeated, with ``{stack}`` in paths.

Parsed when the arguments are, so this module imports only what ``argparse`` already has (not even
``dataclasses``: help must answer at once); checked against the stacks before any program runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

FORMATS = ("table", "json", "markdown", "sarif", "junit")
STDOUT = "-"
STACK_PLACEHOLDER = "{stack}"


class _Pair:
    """A format and a path, compared by value."""

    __slots__ = ("format", "path")

    def __init__(self, format: str | None, path: str) -> None:
        self.format = format
        self.path = path

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.format, self.path) == (other.format, other.path)

    def __hash__(self) -> int:
        return hash((self.format, self.path))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.format!r}, {self.path!r})"


class OutputSpec(_Pair):
    """One ``--output``: its format (None: the ``--format`` option's) and its path (``-`` is stdout)."""

    def for_stack(self, stack: str, default_format: str) -> Output:
        return Output(self.format or default_format, self.path.replace(STACK_PLACEHOLDER, stack))


class Output(_Pair):
    """One report of one stack."""

    format: str

    @property
    def to_stdout(self) -> bool:
        return self.path == STDOUT


def parse_output(text: str) -> OutputSpec:
    """``json:plan.json`` is a JSON report in plan.json; any other path is a plain path, except one that starts
    with a word and a colon: that is a mistyped format (``jsn:plan.json`` would otherwise get a table report in a
    file of that name). A drive letter (``C:``) is a path."""
    prefix, colon, rest = text.partition(":")
    if colon and prefix in FORMATS:
        if not rest:
            raise argparse.ArgumentTypeError(f"{text!r}: give a path after {prefix}: (- for stdout)")
        return OutputSpec(prefix, rest)
    if colon and len(prefix) > 1 and prefix.isalpha():
        raise argparse.ArgumentTypeError(
            f"{text!r}: {prefix!r} is not a report format ({', '.join(FORMATS)}); a file whose name starts so is "
            f"./{text}"
        )
    if not text:
        raise argparse.ArgumentTypeError("an empty path")
    return OutputSpec(None, text)


class OutputsError(ValueError):
    """Reports that cannot all be written as asked (two to one file, several stacks to one file)."""


def outputs_for(specs: Sequence[OutputSpec], stacks: Sequence[str], default_format: str) -> dict[str, list[Output]]:
    """Each stack's reports. With no ``--output``, one report in ``default_format`` on stdout."""
    chosen = list(specs) or [OutputSpec(None, STDOUT)]
    several = len(stacks) > 1
    for spec in chosen:
        if several and spec.path != STDOUT and STACK_PLACEHOLDER not in spec.path:
            raise OutputsError(
                f"--output {spec.path}: {len(stacks)} stacks would write the same file; put {STACK_PLACEHOLDER} "
                f"in the path (reports/{STACK_PLACEHOLDER}.json)"
            )
    result = {stack: [spec.for_stack(stack, default_format) for spec in chosen] for stack in stacks}
    for stack, outputs in result.items():
        on_stdout = [o for o in outputs if o.to_stdout]
        if len(on_stdout) > 1:
            raise OutputsError("only one report can go to stdout (-); write the others to files")
        if several and on_stdout and on_stdout[0].format != "table":
            raise OutputsError(
                f"{on_stdout[0].format} reports of {len(stacks)} stacks cannot share stdout; write each to a file "
                f"with {on_stdout[0].format}:reports/{STACK_PLACEHOLDER}.{_SUFFIX[on_stdout[0].format]}"
            )
        paths = [o.path for o in outputs if not o.to_stdout]
        duplicates = sorted({p for p in paths if paths.count(p) > 1})
        if duplicates:
            raise OutputsError(f"--output {duplicates[0]}: two reports of stack {stack} would write the same file")
    return result


_SUFFIX = {"table": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "junit": "xml"}

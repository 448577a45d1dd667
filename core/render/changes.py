"""Changed resources as reviewers read them (Pulumi's ``+ ~ ± -``), shared by the terminal and the comment."""

from __future__ import annotations

from collections.abc import Callable

from aiscale.core.diff import ABSENT, FieldChange, ResourceChange, show, show_change

SYMBOLS = {"create": "+", "update": "~", "replace": "±", "rename": "±", "delete": "-"}
ACTION_WORDS: dict[str, Callable[[ResourceChange], str]] = {
    "create": lambda _c: "created",
    "update": lambda _c: "updated (replacement not known offline)",
    "replace": lambda _c: "replaced",
    "rename": lambda c: f"renamed from {c.previous_name} (replaced unless an alias names the old URN)",
    "delete": lambda _c: "deleted",
}
#: Inputs of a created resource not worth a line each (the JSON has them).
QUIET = ("tags", "labels", "resourceLabels", "nodeLabels", "metadata")
CREATED_LINES = 8


def field_lines(change: ResourceChange) -> list[str]:
    """``path: old → new`` per changed input (``path: value`` for a created resource's main inputs)."""
    if change.action == "create":
        shown = [f for f in change.fields if f.path.split(".", 1)[0].split("[", 1)[0] not in QUIET]
        lines = [f"{f.path}: {show(f.new)}" for f in shown[:CREATED_LINES]]
        if len(change.fields) > len(lines):
            lines.append(f"… {len(change.fields) - len(lines)} more inputs")
        return lines
    return [_line(f) for f in change.fields]


def _line(change: FieldChange) -> str:
    if change.old is ABSENT:
        text = f"{change.path}: (absent) → {show(change.new)}"
    elif change.new is ABSENT:
        text = f"{change.path}: {show(change.old)} → (absent)"
    else:
        old, new = show_change(change.old, change.new)
        text = f"{change.path}: {old} → {new}"
    return text + (f"  [forces replacement: {change.replaces}]" if change.replaces else "")

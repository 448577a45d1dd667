"""How a changed input value reads in a review: scalars and short lists as they are, long values summarised,
``[secret]`` and ``[unknown]`` as such, a reference to another resource by its name."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiscale.core.diff.resources import ABSENT, SECRET, UNKNOWN

LONGEST = 60
"""Characters a value may take before it is summarised."""
SHORT_LIST = 6


def show_change(old: Any, new: Any, longest: int = LONGEST) -> tuple[str, str]:
    """Both sides of a change; two long texts are shown around where they differ."""
    texts = isinstance(old, str) and isinstance(new, str) and {old, new}.isdisjoint((SECRET, UNKNOWN))
    if texts and max(len(json.dumps(old)), len(json.dumps(new))) > longest:
        return _excerpt(old, new, longest)
    return show(old, longest), show(new, longest)


def _excerpt(old: str, new: str, longest: int) -> tuple[str, str]:
    start = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    tail = 0
    while tail < min(len(old), len(new)) - start and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    context = max(8, (longest - 20) // 4)

    def window(text: str) -> str:
        begin, end = max(0, start - context), min(len(text), len(text) - tail + context)
        middle = text[begin:end]
        if len(middle) > longest:
            middle = middle[: longest - 1] + "…"
        return (
            ("…" if begin else "")
            + json.dumps(middle, ensure_ascii=False)
            + ("…" if end < len(text) else "")
            + f" ({len(text):,} characters)"
        )

    return window(old), window(new)


def show(value: Any, longest: int = LONGEST) -> str:
    if value is ABSENT:
        return "(absent)"
    if value in (SECRET, UNKNOWN):
        return str(value)
    if isinstance(value, Mapping) and set(value) == {"resourceRef"}:
        return f"→ {str(value['resourceRef']).rsplit('::', 1)[-1]}"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        if len(text) <= longest:
            return text
        return f'{json.dumps(value[: longest // 2], ensure_ascii=False)[:-1]}…" ({len(value):,} characters)'
    if isinstance(value, list):
        if len(value) <= SHORT_LIST and all(not isinstance(v, Mapping | list) for v in value):
            text = "[" + ", ".join(show(v, longest) for v in value) + "]"
            if len(text) <= longest:
                return text
        return f"(list of {len(value)} item{'s' if len(value) != 1 else ''})"
    if isinstance(value, Mapping):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        if len(text) <= longest and all(not isinstance(v, Mapping | list) for v in value.values()):
            return text
        return f"(object with {len(value)} key{'s' if len(value) != 1 else ''})"
    return json.dumps(value)

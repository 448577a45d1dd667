"""The resource tree of a plan (components with their children), shared by the renderers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from aiscale.core.engine import Registration


def walk(resources: list[Registration]) -> Iterator[tuple[Registration, str, str]]:
    """Yield ``(resource, prefix, connector)`` depth-first, children in registration order."""
    children: dict[str | None, list[Registration]] = defaultdict(list)
    known = {r.urn for r in resources}
    for resource in resources:
        children[resource.parent if resource.parent in known else None].append(resource)

    def visit(parent: str | None, prefix: str) -> Iterator[tuple[Registration, str, str]]:
        kids = children.get(parent, [])
        for index, child in enumerate(kids):
            last = index == len(kids) - 1
            yield child, prefix, "└─ " if last else "├─ "
            yield from visit(child.urn, prefix + ("   " if last else "│  "))

    yield from visit(None, "")

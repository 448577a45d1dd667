"""A picture of the stack: components and resources as a graph (Mermaid for a comment, DOT for Graphviz)."""

from __future__ import annotations

import re
import shutil
import subprocess

from aiscale.core.engine import Registration
from aiscale.core.errors import AiscaleError


class GraphError(AiscaleError):
    """The graph cannot be drawn as asked (unknown format, Graphviz missing or failing)."""


def _short(resource_type: str) -> str:
    """``keyvault:Vault`` for ``azure-native:keyvault:Vault``; ``aiscale:index:KeyVault`` stays as it is."""
    return resource_type if resource_type.startswith("aiscale:") else resource_type.split(":", 1)[-1]


def _ids(resources: list[Registration]) -> dict[str, str]:
    return {r.urn: f"n{index}" for index, r in enumerate(resources)}


def _edges(resources: list[Registration], ids: dict[str, str]) -> list[tuple[str, str]]:
    return [(ids[r.parent], ids[r.urn]) for r in resources if r.parent in ids]


def mermaid(resources: list[Registration]) -> str:
    """A Mermaid flowchart: one node per component (rounded) and resource, an edge from parent to child."""
    ids = _ids(resources)
    lines = ["flowchart LR"]
    for resource in resources:
        label = _mermaid_text(f"{_short(resource.type)}<br/>{resource.name}")
        shape = f'("{label}")' if not resource.custom else f'["{label}"]'
        lines.append(f"  {ids[resource.urn]}{shape}")
    lines += [f"  {parent} --> {child}" for parent, child in _edges(resources, ids)]
    components = [ids[r.urn] for r in resources if not r.custom]
    if components:
        lines.append("  classDef component fill:#eef,stroke:#66a")
        lines.append(f"  class {','.join(components)} component")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    # Inside a quoted label only the quote itself needs an entity; keep markup out of names.
    return re.sub(r'["`]', "#quot;", text)


def dot(resources: list[Registration], title: str) -> str:
    """The same graph for Graphviz ``dot``."""
    ids = _ids(resources)
    lines = [
        f"digraph {_dot_text(title)} {{",
        "  rankdir=LR;",
        '  node [shape=box, fontname="Helvetica", fontsize=10];',
    ]
    for resource in resources:
        style = ', style="rounded,filled", fillcolor="#eeeeff"' if not resource.custom else ""
        label = _dot_text(f"{_short(resource.type)}\n{resource.name}")
        lines.append(f"  {ids[resource.urn]} [label={label}{style}];")
    lines += [f"  {parent} -> {child};" for parent, child in _edges(resources, ids)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def graphviz() -> str:
    """The Graphviz ``dot`` command, or a clear error saying how to get it (or another format)."""
    found = shutil.which("dot")
    if found is None:
        raise GraphError(
            "an .svg needs Graphviz's `dot`, which is not installed (Debian/Ubuntu: apt-get install graphviz; "
            "macOS: brew install graphviz); or write --output FILE.dot or FILE.mmd instead"
        )
    return found


def render_graph(resources: list[Registration], title: str, suffix: str, dot_command: str | None = None) -> str:
    """The graph as ``.mmd`` (Mermaid), ``.dot`` or ``.svg`` (drawn by ``dot_command``)."""
    if suffix == ".mmd":
        return mermaid(resources)
    source = dot(resources, title)
    if suffix == ".dot":
        return source
    assert dot_command is not None
    try:
        drawn = subprocess.run(
            [dot_command, "-Tsvg"], input=source, capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GraphError(f"Graphviz `dot` failed: {error}") from None
    if drawn.returncode != 0:
        raise GraphError(f"Graphviz `dot` failed: {drawn.stderr.strip()}")
    return drawn.stdout

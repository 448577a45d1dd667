"""A picture of the stack (Mermaid, DOT for Graphviz): by default its components as nodes with the dependencies
between them, grouped by cloud (the blueprint they belong to); ``detail="resources"`` draws every component and
resource as the tree it is. Components (or resources) a change touches are highlighted."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from aiscale.core.cost import cloud_of
from aiscale.core.engine import Registration
from aiscale.core.errors import AiscaleError

DETAILS = ("components", "resources")
CLOUDS = {"azure": "Azure", "gcp": "Google Cloud", "kubernetes": "Kubernetes"}
CHANGED_FILL = "#ffe8cc"
COMPONENT_FILL = "#eeeeff"


class GraphError(AiscaleError):
    """The graph cannot be drawn as asked (unknown format, Graphviz missing or failing)."""


@dataclass
class Node:
    id: str
    label: tuple[str, ...]
    component: bool
    changed: bool = False


@dataclass
class Graph:
    groups: dict[str, list[Node]] = field(default_factory=dict)
    """Group label (``""``: no group) -> its nodes, in registration order."""
    edges: list[tuple[str, str]] = field(default_factory=list)

    @property
    def nodes(self) -> list[Node]:
        return [node for nodes in self.groups.values() for node in nodes]


def _short(resource_type: str) -> str:
    """``keyvault:Vault`` for ``azure-native:keyvault:Vault``; ``aiscale:index:KeyVault`` stays as it is."""
    return resource_type if resource_type.startswith("aiscale:") else resource_type.split(":", 1)[-1]


def _blueprints(resources: Iterable[Registration]) -> set[str]:
    """URNs of the blueprints: components at the top of the stack that compose other components (told apart by
    shape, not by type token, so other teams' compositions group the same way)."""
    top = {r.urn for r in resources if not r.custom and r.parent is None}
    return {r.parent for r in resources if not r.custom and r.parent in top}


def component_graph(resources: list[Registration], changed: Collection[str] = ()) -> Graph:
    """Components as nodes, grouped by the blueprint (cloud) they belong to; an edge ``a -> b`` when a resource of
    ``a`` depends on one of ``b``. A component inside another is part of it; a blueprint's own resources are a node
    of their own."""
    by_urn = {r.urn: r for r in resources}
    blueprints = _blueprints(resources)

    def owner(resource: Registration) -> Registration | None:
        """The top component below a blueprint (or below the stack) that ``resource`` belongs to."""
        chain: list[Registration] = []
        current: Registration | None = resource
        while current is not None:
            chain.append(current)
            current = by_urn.get(current.parent or "")
        chain.reverse()  # outermost first
        for index, item in enumerate(chain):
            if not item.custom and item.urn not in blueprints:
                return item
            if item.custom:
                # A resource right under a blueprint (or the stack): the blueprint stands for it.
                return chain[index - 1] if index else None
        return None

    owners = {r.urn: owner(r) for r in resources}
    members = Counter(top.urn for r in resources if r.custom and (top := owners[r.urn]) is not None)
    touched = {top.urn for urn in changed if (top := owners.get(urn)) is not None}
    graph = Graph()
    ids: dict[str, str] = {}
    for resource in resources:
        if resource.urn not in members:
            continue
        ids[resource.urn] = f"n{len(ids)}"
        count = members[resource.urn]
        kind = _short(resource.type).removeprefix("aiscale:").removeprefix("index:")
        if resource.urn in blueprints:
            kind += " (its own resources)"
        label = (kind, resource.name, f"{count} resource{'s' if count != 1 else ''}")
        node = Node(ids[resource.urn], label, True, resource.urn in touched)
        graph.groups.setdefault(_group(resource, by_urn, resources, blueprints), []).append(node)
    seen: set[tuple[str, str]] = set()
    for resource in resources:
        source = owners.get(resource.urn)
        if source is None or source.urn not in ids:
            continue
        for dependency in resource.dependencies:
            target = owners.get(dependency) if dependency in by_urn else None
            if target is None or target.urn == source.urn or target.urn not in ids:
                continue
            edge = (ids[source.urn], ids[target.urn])
            if edge not in seen:
                seen.add(edge)
                graph.edges.append(edge)
    return graph


def _group(
    component: Registration, by_urn: dict[str, Registration], resources: Iterable[Registration], blueprints: set[str]
) -> str:
    """The cloud a component belongs to (the one most of its resources are on), and its blueprint when it has one."""
    current: Registration | None = component
    while current is not None:
        if current.urn in blueprints:
            return f"{_cloud(current, by_urn, resources) or 'Blueprint'} · {current.name}"
        current = by_urn.get(current.parent or "")
    return _cloud(component, by_urn, resources)


def _cloud(component: Registration, by_urn: dict[str, Registration], resources: Iterable[Registration]) -> str:
    clouds = Counter(cloud_of(r.type) for r in resources if r.custom and _inside(r, component, by_urn))
    return CLOUDS.get(clouds.most_common(1)[0][0], "") if clouds else ""


def _inside(resource: Registration, component: Registration, by_urn: dict[str, Registration]) -> bool:
    parent = by_urn.get(resource.parent or "")
    while parent is not None:
        if parent.urn == component.urn:
            return True
        parent = by_urn.get(parent.parent or "")
    return False


def resource_graph(resources: list[Registration], changed: Collection[str] = ()) -> Graph:
    """Every component and resource, an edge from parent to child (the tree of the table)."""
    ids = {r.urn: f"n{index}" for index, r in enumerate(resources)}
    nodes = [Node(ids[r.urn], (_short(r.type), r.name), not r.custom, r.urn in changed) for r in resources]
    return Graph({"": nodes}, [(ids[r.parent], ids[r.urn]) for r in resources if r.parent in ids])


def graph_of(resources: list[Registration], detail: str = "components", changed: Collection[str] = ()) -> Graph:
    return resource_graph(resources, changed) if detail == "resources" else component_graph(resources, changed)


# --- Mermaid and DOT -------------------------------------------------------------------------------------------------


def mermaid(graph: Graph) -> str:
    """A Mermaid flowchart: rounded nodes for components, a subgraph per cloud, changed nodes highlighted."""
    lines = ["flowchart LR"]
    for index, (group, nodes) in enumerate(graph.groups.items()):
        indent = "  "
        if group:
            lines.append(f'  subgraph g{index}["{_mermaid_text(group)}"]')
            indent = "    "
        for node in nodes:
            label = _mermaid_text("<br/>".join(node.label))
            lines.append(f'{indent}{node.id}("{label}")' if node.component else f'{indent}{node.id}["{label}"]')
        if group:
            lines.append("  end")
    lines += [f"  {source} --> {target}" for source, target in graph.edges]
    components = [n.id for n in graph.nodes if n.component]
    if components:
        lines.append(f"  classDef component fill:{COMPONENT_FILL},stroke:#66a")
        lines.append(f"  class {','.join(components)} component")
    changed = [n.id for n in graph.nodes if n.changed]
    if changed:
        lines.append(f"  classDef changed fill:{CHANGED_FILL},stroke:#d9480f,stroke-width:3px")
        lines.append(f"  class {','.join(changed)} changed")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    # Inside a quoted label only the quote itself needs an entity; keep markup out of names.
    return re.sub(r'["`]', "#quot;", text)


def dot(graph: Graph, title: str) -> str:
    """The same graph for Graphviz ``dot``: a cluster per cloud."""
    lines = [
        f"digraph {_dot_text(title)} {{",
        "  rankdir=LR;",
        '  node [shape=box, fontname="Helvetica", fontsize=10];',
    ]
    for index, (group, nodes) in enumerate(graph.groups.items()):
        indent = "  "
        if group:
            lines += [f"  subgraph cluster_{index} {{", f"    label={_dot_text(group)};"]
            indent = "    "
        for node in nodes:
            fill = CHANGED_FILL if node.changed else COMPONENT_FILL if node.component else ""
            style = f', style="{"rounded," if node.component else ""}filled", fillcolor="{fill}"' if fill else ""
            width = ", penwidth=2" if node.changed else ""
            lines.append(f"{indent}{node.id} [label={_dot_text(chr(10).join(node.label))}{style}{width}];")
        if group:
            lines.append("  }")
    lines += [f"  {source} -> {target};" for source, target in graph.edges]
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


def render_graph(graph: Graph, title: str, suffix: str, dot_command: str | None = None) -> str:
    """The graph as ``.mmd`` (Mermaid), ``.dot`` or ``.svg`` (drawn by ``dot_command``)."""
    if suffix == ".mmd":
        return mermaid(graph)
    source = dot(graph, title)
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

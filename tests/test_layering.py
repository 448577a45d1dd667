"""The layers import in one direction only: core ← components ← blueprints, core ← policies.

core is the foundation (config, engine, plan, rules, cost, delivery, reports) and imports none of the others: the
policy pack reaches the planner through an entry point (``aiscale.core.policy_pack``). Components build on core
only; blueprints compose components; the policy pack reads core's rules and knows no component. Every import
counts, type-only and function-level ones included, and so does an ``importlib.import_module`` of a fixed name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiscale.core import policy_pack
from tests.conftest import REPO

#: Folder of each layer (pyproject's package-dir) and the aiscale layers it may import.
ALLOWED = {
    "core": {"core"},
    "components": {"core", "components"},
    "blueprints": {"core", "components", "blueprints"},
    "policies": {"core", "policies"},
}
NAMESPACE = "aiscale"


def _imported(tree: ast.AST, package: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``tree``, a module of ``package`` (``aiscale.core.render``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # `from aiscale import policies` imports the layer itself.
            names = [f"{module}.{alias.name}" for alias in node.names] if module == NAMESPACE else [module]
            for name in names:
                yield node.lineno, name
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id in {"import_module", "__import__"})
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def crossings(source: str, layer: str, package: str) -> list[tuple[int, str]]:
    """The imports of one module's ``source`` that go against the allowed direction."""
    found = []
    for line, module in _imported(ast.parse(source), package):
        parts = module.split(".")
        if parts[0] == NAMESPACE and len(parts) > 1 and parts[1] in ALLOWED and parts[1] not in ALLOWED[layer]:
            found.append((line, module))
    return found


def _modules(layer: str) -> Iterator[tuple[Path, str]]:
    root = REPO / layer
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).with_suffix("")
        # The package a module's relative imports start from (an __init__'s is the package it defines).
        yield path, ".".join([NAMESPACE, layer, *relative.parts[:-1]])


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_no_layer_imports_against_the_direction(layer: str) -> None:
    violations = [
        f"{path.relative_to(REPO)}:{line} imports {module}"
        for path, package in _modules(layer)
        for line, module in crossings(path.read_text(), layer, package)
    ]
    assert violations == []
    assert list(_modules(layer)), layer  # the layer's folder is where the check looks


@pytest.mark.parametrize(
    ("layer", "source", "expected"),
    [
        ("core", "from aiscale.policies import rules", ["aiscale.policies"]),
        ("core", "def f():\n    from aiscale.components.gcp import vertex_endpoint", ["aiscale.components.gcp"]),
        ("core", "from aiscale import policies, core", ["aiscale.policies"]),
        ("core", "import aiscale.blueprints.package as p", ["aiscale.blueprints.package"]),
        (
            "core",
            "import importlib\nimportlib.import_module('aiscale.policies.evaluation')",
            ["aiscale.policies.evaluation"],
        ),
        (
            "core",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from aiscale.policies import Rule",
            ["aiscale.policies"],
        ),
        ("core", "from ...policies import rules", ["aiscale.policies"]),
        ("components", "from aiscale.blueprints import azure_platform", ["aiscale.blueprints"]),
        ("components", "from aiscale.policies._support import Rule", ["aiscale.policies._support"]),
        ("policies", "from aiscale.components.azure import aks", ["aiscale.components.azure"]),
        ("blueprints", "from aiscale.policies import all_policies", ["aiscale.policies"]),
        ("blueprints", "from aiscale.components.azure import aks\nfrom aiscale.core import rules", []),
        ("policies", "from aiscale.core.plan import Violation\nfrom . import _support", []),
        ("core", "from .engine import record_stack\nimport pulumi_policy", []),
    ],
)
def test_the_check_finds_each_form_of_import(layer: str, source: str, expected: list[str]) -> None:
    package = f"{NAMESPACE}.{layer}.render"
    assert [module for _, module in crossings(source, layer, package)] == expected


def test_the_planner_finds_the_pack_through_its_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiscale.policies.evaluation import PACK  # noqa: PLC0415

    assert policy_pack.installed_pack() is PACK
    assert PACK.name == "aiscale" and set(PACK.rules()) == {rule.id for rule in PACK.rules().values()}
    assert [path.name for path in PACK.files()] == ["PulumiPolicy.yaml", "enforcement.yaml", "waivers.yaml"]

    policy_pack.installed_pack.cache_clear()
    monkeypatch.setattr(policy_pack, "entry_points", lambda **_: ())
    try:
        with pytest.raises(policy_pack.PackNotInstalledError, match=r"no policy pack 'aiscale'.*reinstall it"):
            policy_pack.installed_pack()
    finally:
        policy_pack.installed_pack.cache_clear()

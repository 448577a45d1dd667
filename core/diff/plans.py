"""A previous plan (``aiscale plan --format json``, typically the base branch's) and how the current plan differs:
resources by URN with the values that change, policy findings by (policy, URN), cost per changed resource."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiscale.core.diff.cost import CostDiff, diff_cost
from aiscale.core.diff.findings import FindingsDiff, diff_findings
from aiscale.core.diff.resources import ResourceDiff, diff_resources
from aiscale.core.errors import AiscaleError

NO_BASELINE_POLICIES = (
    "the baseline was planned without policies (policyPack null): findings cannot be told new from existing"
)


class BaselineError(AiscaleError):
    """The baseline plan file cannot be read or is not an aiscale plan JSON document."""


def load_baseline(path: Path) -> dict[str, Any]:
    """Read a plan JSON document; a clear error naming the file when it is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"cannot read baseline plan {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"baseline plan {path} is not JSON: {error}") from None
    except RecursionError:
        raise BaselineError(f"baseline plan {path} is nested too deeply to be a plan") from None
    if not isinstance(document, Mapping) or document.get("schemaVersion") != 1:
        raise BaselineError(
            f"baseline plan {path} is not an aiscale plan (expected the output of `aiscale plan --format json`, "
            "schemaVersion 1)"
        )
    resources = document.get("resources")
    if not isinstance(resources, list):
        raise BaselineError(f"baseline plan {path}: resources must be a list of resources with a urn")
    for index, resource in enumerate(resources):
        problem = _resource_problem(resource)
        if problem:
            raise BaselineError(f"baseline plan {path}: resources[{index}]{problem}")
    violations = document.get("violations", [])
    if not isinstance(violations, list) or not all(isinstance(v, Mapping) and "policy" in v for v in violations):
        raise BaselineError(f"baseline plan {path}: violations must be a list of findings with a policy")
    return dict(document)


_RESOURCE_FIELDS: dict[str, tuple[type, str]] = {
    "urn": (str, "text"),
    "type": (str, "text"),
    "name": (str, "text"),
    "inputs": (dict, "an object"),
    "protect": (bool, "true or false"),
    "custom": (bool, "true or false"),
}


def _resource_problem(resource: object) -> str | None:
    """What makes one entry of a baseline's resources unusable (as the plan JSON contract defines them)."""
    if not isinstance(resource, Mapping):
        return ": expected an object with urn, type and name"
    for key in ("urn", "type", "name"):
        if key not in resource:
            return f".{key}: required"
    for key, (kind, shown) in _RESOURCE_FIELDS.items():
        if key in resource and not isinstance(resource[key], kind):
            return f".{key}: expected {shown}"
    return None


@dataclass
class PlanDiff:
    baseline: Mapping[str, Any]
    resources: ResourceDiff
    findings: FindingsDiff | None
    """None when either plan was made without policies."""
    findings_note: str
    cost: CostDiff
    components: list[str]
    """URNs of this plan's components with a changed resource below them (removed ones' former parents too)."""

    @property
    def empty(self) -> bool:
        """No resource changes, no new or resolved findings, no cost change."""
        findings_moved = self.findings is not None and bool(self.findings.new or self.findings.resolved)
        return not (self.resources.changes or findings_moved or self.cost.resources or self.cost.newly_unpriced)

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": {
                "stack": self.baseline.get("stack"),
                "environment": self.baseline.get("environment"),
                "policyPack": self.baseline.get("policyPack"),
                "resources": sum(1 for r in self.baseline.get("resources", []) if r.get("custom", True)),
            },
            "summary": self.resources.counts(),
            "resources": [c.to_json() for c in self.resources.changes],
            "components": list(self.components),
            "findings": None if self.findings is None else self.findings.to_json(),
            "findingsNote": self.findings_note or None,
            "cost": self.cost.to_json(),
        }


def diff_plans(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> PlanDiff:
    """``current`` (a plan JSON document) against ``baseline``."""
    resources = diff_resources(baseline.get("resources", []), current.get("resources", []))
    if baseline.get("policyPack") is None:
        findings, note = None, NO_BASELINE_POLICIES
    elif current.get("policyPack") is None:
        findings, note = None, "this plan was made without policies (--no-policies)"
    else:
        findings, note = diff_findings(baseline.get("violations", []), current.get("violations", [])), ""
    cost = diff_cost(baseline.get("cost") or {}, current.get("cost") or {})
    return PlanDiff(baseline, resources, findings, note, cost, _components(baseline, current, resources))


def _components(baseline: Mapping[str, Any], current: Mapping[str, Any], resources: ResourceDiff) -> list[str]:
    parents = {r["urn"]: r.get("parent") for r in baseline.get("resources", [])}
    parents.update({r["urn"]: r.get("parent") for r in current.get("resources", [])})
    present = {r["urn"] for r in current.get("resources", []) if not r.get("custom", True)}
    changed: set[str] = set()
    for change in resources.changes:
        parent = parents.get(change.previous_urn or change.urn) if change.action == "delete" else change.parent
        while parent is not None and parent not in changed:
            changed.add(parent)
            parent = parents.get(parent)
    order = [r["urn"] for r in current.get("resources", []) if r["urn"] in changed and r["urn"] in present]
    return order

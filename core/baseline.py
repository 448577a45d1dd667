"""A previous plan (``aiscale plan --format json``, typically the base branch's) and how the current plan differs.

Resources are matched by URN. A resource is *changed* when its inputs or ``protect`` differ; inputs are compared
in their redacted form, so a changed secret value is not seen (the real preview's diff shows it, masked).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiscale.core.errors import AiscaleError
from aiscale.core.stateful import STATEFUL


class BaselineError(AiscaleError):
    """The baseline plan file cannot be read or is not an aiscale plan JSON document."""


@dataclass(frozen=True)
class Change:
    urn: str
    type: str
    name: str
    kind: str
    """``added``, ``changed`` or ``removed``."""
    fields: tuple[str, ...] = ()
    """Top-level inputs (and ``protect``) that differ, for a changed resource. Names only, never values."""

    @property
    def stateful(self) -> bool:
        return bool(STATEFUL.match(self.type))


@dataclass
class Diff:
    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)

    @property
    def stateful_at_risk(self) -> list[Change]:
        """Stateful resources changed or removed: called out first in a review."""
        return [c for c in self.removed + self.changed if c.stateful]


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


def diff(current: list[Mapping[str, Any]], baseline: Mapping[str, Any]) -> Diff:
    """What the current plan's cloud resources add, change and remove against the baseline's."""
    before = {r["urn"]: r for r in baseline["resources"] if r.get("custom", True)}
    after = {r["urn"]: r for r in current if r.get("custom", True)}
    result = Diff()
    for urn, resource in after.items():
        old = before.get(urn)
        if old is None:
            result.added.append(_change(resource, "added"))
            continue
        fields = sorted(
            key
            for key in set(resource.get("inputs", {})) | set(old.get("inputs", {}))
            if resource.get("inputs", {}).get(key) != old.get("inputs", {}).get(key)
        )
        if resource.get("protect") != old.get("protect"):
            fields.append("protect")
        if fields:
            result.changed.append(_change(resource, "changed", tuple(fields)))
    result.removed = [_change(r, "removed") for urn, r in before.items() if urn not in after]
    return result


def _change(resource: Mapping[str, Any], kind: str, fields: tuple[str, ...] = ()) -> Change:
    return Change(resource["urn"], resource["type"], resource["name"], kind, fields)

"""What changes between two plans' resources, matched by URN, with the values of every changed input.

Inputs are compared in their redacted form (``[secret]``, ``[unknown]``): a secret whose value changed looks the
same on both sides, so it is not seen here (the real preview's diff shows it, masked); a value that was or becomes
secret is shown as ``[secret]`` on both sides, never in clear.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiscale.core.diff.replacement import replacing_rule
from aiscale.core.stateful import is_stateful

SECRET = "[secret]"
UNKNOWN = "[unknown]"

RENAME_SOURCE = (
    "Pulumi: changing a resource's name creates a new resource and deletes the old one, unless an alias names the "
    "old URN (pulumi.com/docs/iac/concepts/resources/names)"
)

Action = Literal["create", "update", "replace", "rename", "delete"]


class _Absent:
    """An input present on one side only."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class FieldChange:
    path: str
    """Input path: ``autoscaling.totalMaxNodeCount``, ``agentPoolProfiles[name=system].maxCount``, ``protect``."""
    old: Any
    """The baseline's value (:data:`ABSENT` when the input is new)."""
    new: Any
    """This plan's value (:data:`ABSENT` when the input is gone)."""
    replaces: str | None = None
    """The source of the rule that makes this change replace the resource; None when not known offline."""

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"path": self.path}
        if self.old is not ABSENT:
            document["old"] = self.old
        if self.new is not ABSENT:
            document["new"] = self.new
        document["replaces"] = self.replaces is not None
        if self.replaces:
            document["rule"] = self.replaces
        return document


@dataclass(frozen=True)
class ResourceChange:
    action: Action
    urn: str
    type: str
    name: str
    parent: str | None
    fields: tuple[FieldChange, ...] = ()
    previous_urn: str | None = None
    """For a rename, the baseline's URN."""

    @property
    def stateful(self) -> bool:
        return is_stateful(self.type)

    @property
    def previous_name(self) -> str | None:
        return self.previous_urn.rsplit("::", 1)[-1] if self.previous_urn else None

    @property
    def replacement(self) -> str:
        """``known`` (a cited rule), ``not known offline`` (an update that may still replace), or ``none``."""
        if self.action in ("replace", "rename"):
            return "known"
        return "not known offline" if self.action == "update" else "none"

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "action": self.action,
            "stateful": self.stateful,
            "replacement": self.replacement,
        }
        if self.previous_urn:
            document["previousUrn"] = self.previous_urn
            document["rule"] = RENAME_SOURCE
        if self.fields:
            document["fields"] = [f.to_json() for f in self.fields]
        return document


@dataclass
class ResourceDiff:
    changes: list[ResourceChange] = field(default_factory=list)
    unchanged: int = 0

    def of(self, *actions: Action) -> list[ResourceChange]:
        return [c for c in self.changes if c.action in actions]

    @property
    def stateful_at_risk(self) -> list[ResourceChange]:
        """Stateful resources replaced, renamed, deleted or updated: called out first in a review."""
        return [c for c in self.changes if c.stateful and c.action != "create"]

    def counts(self) -> dict[str, int]:
        return {
            "create": len(self.of("create")),
            "update": len(self.of("update")),
            "replace": len(self.of("replace", "rename")),
            "delete": len(self.of("delete")),
            "unchanged": self.unchanged,
        }

    def headline(self) -> str:
        """``Resources: +3 ~2 -0 (209 unchanged)``; ``±N`` when something is replaced."""
        counts = self.counts()
        replaced = f" ±{counts['replace']}" if counts["replace"] else ""
        return (
            f"Resources: +{counts['create']} ~{counts['update']}{replaced} -{counts['delete']} "
            f"({counts['unchanged']} unchanged)"
        )


def diff_resources(baseline: Sequence[Mapping[str, Any]], current: Sequence[Mapping[str, Any]]) -> ResourceDiff:
    """Cloud resources of ``current`` against ``baseline`` (plan JSON ``resources``), by URN, in ``current``'s
    order, removed ones last; an added and a removed resource of the same type and inputs are a rename."""
    before = {r["urn"]: r for r in baseline if r.get("custom", True)}
    after = {r["urn"]: r for r in current if r.get("custom", True)}
    result = ResourceDiff()
    added = [r for urn, r in after.items() if urn not in before]
    removed = [r for urn, r in before.items() if urn not in after]
    renames = _renames(added, removed)
    for urn, resource in after.items():
        old = before.get(urn)
        if old is None:
            previous = renames.get(urn)
            if previous:
                result.changes.append(_change("rename", resource, previous_urn=previous))
            else:
                created = tuple(FieldChange(path, ABSENT, value) for path, value in _leaves("", resource.get("inputs")))
                result.changes.append(_change("create", resource, created))
            continue
        fields = tuple(_fields(resource["type"], old, resource))
        if not fields:
            result.unchanged += 1
            continue
        replaces = any(f.replaces for f in fields)
        result.changes.append(_change("replace" if replaces else "update", resource, fields))
    renamed = set(renames.values())
    result.changes += [_change("delete", r) for r in removed if r["urn"] not in renamed]
    return result


def _change(
    action: Action, resource: Mapping[str, Any], fields: tuple[FieldChange, ...] = (), previous_urn: str | None = None
) -> ResourceChange:
    return ResourceChange(
        action, resource["urn"], resource["type"], resource["name"], resource.get("parent"), fields, previous_urn
    )


def _renames(added: list[Mapping[str, Any]], removed: list[Mapping[str, Any]]) -> dict[str, str]:
    """New URN -> old URN for added resources whose type and inputs equal a removed one's (paired in order)."""
    candidates: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for resource in removed:
        candidates[(resource["type"], _canonical(resource.get("inputs", {})))].append(resource)
    found: dict[str, str] = {}
    for resource in added:
        matches = candidates.get((resource["type"], _canonical(resource.get("inputs", {}))))
        if matches:
            found[resource["urn"]] = matches.pop(0)["urn"]
    return found


def _canonical(value: Any) -> str:
    import json  # noqa: PLC0415 - only renames need it

    return json.dumps(value, sort_keys=True, default=str)


def _fields(resource_type: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[FieldChange]:
    for path, before, after in _walk("", old.get("inputs", {}), new.get("inputs", {})):
        yield _field(resource_type, path, before, after)
    if bool(old.get("protect")) != bool(new.get("protect")):
        yield FieldChange("protect", bool(old.get("protect")), bool(new.get("protect")))
    for option in sorted(set(old.get("options") or {}) | set(new.get("options") or {})):
        before = (old.get("options") or {}).get(option, ABSENT)
        after = (new.get("options") or {}).get(option, ABSENT)
        if before != after:
            yield FieldChange(f"options.{option}", before, after)


def _field(resource_type: str, path: str, before: Any, after: Any) -> FieldChange:
    if _secret(before) or _secret(after):
        # Never show a value in clear that is, or was, a secret on the other side.
        before = before if before is ABSENT else SECRET
        after = after if after is ABSENT else SECRET
    return FieldChange(path, before, after, replacing_rule(resource_type, path))


def _secret(value: Any) -> bool:
    if value == SECRET:
        return True
    if isinstance(value, Mapping):
        return any(_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_secret(v) for v in value)
    return False


def _walk(path: str, before: Any, after: Any) -> Iterator[tuple[str, Any, Any]]:
    """Leaf differences between two input values: objects by key, lists of named objects by name, lists of objects
    of equal length by position; anything else is compared whole."""
    if before == after:
        return
    if isinstance(before, Mapping) and isinstance(after, Mapping) and not _reference(before, after):
        for key in sorted(set(before) | set(after), key=str):
            yield from _walk(_join(path, str(key)), before.get(key, ABSENT), after.get(key, ABSENT))
        return
    if isinstance(before, list) and isinstance(after, list) and _objects(before) and _objects(after):
        names_before, names_after = _names(before), _names(after)
        if names_before is not None and names_after is not None:
            for name in [*names_before, *(n for n in names_after if n not in names_before)]:
                yield from _walk(f"{path}[name={name}]", names_before.get(name, ABSENT), names_after.get(name, ABSENT))
            return
        if len(before) == len(after):
            for index, (item_before, item_after) in enumerate(zip(before, after, strict=True)):
                yield from _walk(f"{path}[{index}]", item_before, item_after)
            return
    yield path, before, after


def _leaves(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    """Every scalar (or short list) of a created resource's inputs, by path."""
    if isinstance(value, Mapping) and set(value) != {"resourceRef"}:
        for key in value:
            yield from _leaves(_join(path, str(key)), value[key])
    elif isinstance(value, list) and _objects(value):
        for index, item in enumerate(value):
            yield from _leaves(f"{path}[{index}]", item)
    elif path:
        yield path, value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _reference(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return set(before) == {"resourceRef"} or set(after) == {"resourceRef"}


def _objects(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, Mapping) for item in items)


def _names(items: list[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]] | None:
    names = [name for item in items if isinstance(name := item.get("name"), str)]
    if len(names) != len(items) or len(set(names)) != len(names):
        return None
    return dict(zip(names, items, strict=True))

"""The cost delta of two plans, per changed resource, from their ``cost`` sections.

A resource's monthly floor and ceiling are the sums of its priced parts. A resource that is (or has a part that
is) unpriced in this plan but was not in the baseline is named, with the reason, instead of contributing zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ResourceDelta:
    urn: str
    name: str
    before: tuple[float, float] | None
    """(floor, ceiling) per month in the baseline; None when nothing of it was priced there."""
    after: tuple[float, float] | None

    @property
    def floor(self) -> float:
        return (self.after or (0.0, 0.0))[0] - (self.before or (0.0, 0.0))[0]

    @property
    def ceiling(self) -> float:
        return (self.after or (0.0, 0.0))[1] - (self.before or (0.0, 0.0))[1]

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "name": self.name,
            "before": None
            if self.before is None
            else {"floor": _money(self.before[0]), "ceiling": _money(self.before[1])},
            "after": None if self.after is None else {"floor": _money(self.after[0]), "ceiling": _money(self.after[1])},
            "floor": _money(self.floor),
            "ceiling": _money(self.ceiling),
        }


@dataclass
class CostDiff:
    currency: str | None
    before: Mapping[str, Any]
    """The baseline's ``monthly`` totals."""
    after: Mapping[str, Any]
    resources: list[ResourceDelta] = field(default_factory=list)
    newly_unpriced: list[Mapping[str, Any]] = field(default_factory=list)
    """``unpriced`` entries of this plan whose resource was not unpriced for that reason in the baseline."""
    no_longer_unpriced: list[Mapping[str, Any]] = field(default_factory=list)

    def total(self, bound: str) -> float | None:
        before, after = self.before.get(bound), self.after.get(bound)
        if before is None or after is None:
            return None
        return float(after) - float(before)

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "monthly": {
                bound: {
                    "before": self.before.get(bound),
                    "after": self.after.get(bound),
                    "delta": None if self.total(bound) is None else _money(self.total(bound) or 0.0),
                }
                for bound in ("floor", "ceiling", "expected")
            },
            "resources": [r.to_json() for r in self.resources],
            "newlyUnpriced": [dict(u) for u in self.newly_unpriced],
            "noLongerUnpriced": [dict(u) for u in self.no_longer_unpriced],
        }


def _money(value: float) -> float:
    return round(value, 2)


def _bounds(cost: Mapping[str, Any]) -> dict[str, tuple[str, float, float]]:
    totals: dict[str, list[Any]] = defaultdict(lambda: ["", 0.0, 0.0])
    for entry in cost.get("resources") or []:
        total = totals[entry["urn"]]
        total[0] = entry.get("name", "")
        total[1] += float(entry.get("floor") or 0)
        total[2] += float(entry.get("ceiling") or 0)
    return {urn: (name, floor, ceiling) for urn, (name, floor, ceiling) in totals.items()}


def diff_cost(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> CostDiff:
    """``current``'s ``cost`` against ``baseline``'s: totals, per-resource deltas, what is newly unpriced."""
    before, after = _bounds(baseline), _bounds(current)
    result = CostDiff(current.get("currency"), baseline.get("monthly") or {}, current.get("monthly") or {})
    for urn in [*after, *(u for u in before if u not in after)]:
        old, new = before.get(urn), after.get(urn)
        if old is not None and new is not None and (abs(old[1] - new[1]) < 0.005 and abs(old[2] - new[2]) < 0.005):
            continue
        name = (new or old or ("", 0.0, 0.0))[0]
        result.resources.append(
            ResourceDelta(urn, name, None if old is None else old[1:], None if new is None else new[1:])
        )
    was = {_part(u) for u in _needs_price(baseline)}
    now = {_part(u) for u in _needs_price(current)}
    result.newly_unpriced = [u for u in _needs_price(current) if _part(u) not in was]
    result.no_longer_unpriced = [u for u in _needs_price(baseline) if _part(u) not in now]
    return result


def _needs_price(cost: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [u for u in cost.get("unpriced") or [] if u.get("priceRule", True)]


def short_reason(unpriced: Mapping[str, Any]) -> str:
    """The reason without the table's ``gap`` explanation (shown once, elsewhere)."""
    reason, gap = str(unpriced.get("reason", "")), unpriced.get("gap")
    return reason.removesuffix(f" ({gap})") if gap else reason


def _part(unpriced: Mapping[str, Any]) -> tuple[str, str]:
    """Which part of which resource is unpriced (``nodes``, ``pool system``): the reason's words may change."""
    return unpriced["urn"], str(unpriced.get("reason", "")).split(":", 1)[0]

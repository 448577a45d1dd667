"""Policy findings of two plans by (policy, URN): new, resolved, unchanged.

A finding is the same finding when the same policy reports the same resource (or the stack, URN null), whatever
its message says now (a budget's amount, a count): it is unchanged, shown with today's message. The same policy
reporting one resource several times is matched by message first, then in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Finding = Mapping[str, Any]
"""A plan JSON ``violations[]`` entry: ``policy``, ``enforcement``, ``urn``, ``message``."""


@dataclass
class FindingsDiff:
    new: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    unchanged: list[Finding] = field(default_factory=list)
    escalated: list[Finding] = field(default_factory=list)
    """Unchanged findings that were advisory in the baseline and are mandatory now (also in ``unchanged``)."""

    def new_mandatory(self) -> list[Finding]:
        return [f for f in self.new if f.get("enforcement") == "mandatory"]

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "newMandatory": len(self.new_mandatory()),
            "resolved": len(self.resolved),
            "unchanged": len(self.unchanged),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "new": [dict(f) for f in _mandatory_first(self.new)],
            "resolved": [dict(f) for f in _mandatory_first(self.resolved)],
            "unchanged": [dict(f) for f in _mandatory_first(self.unchanged)],
            "escalated": [dict(f) for f in self.escalated],
        }


def _mandatory_first(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.get("enforcement") != "mandatory")


def diff_findings(baseline: Sequence[Finding], current: Sequence[Finding]) -> FindingsDiff:
    """``current`` against ``baseline`` (plan JSON ``violations``); new mandatory findings come first."""
    waiting: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    for finding in baseline:
        waiting[(finding["policy"], finding.get("urn"))].append(finding)
    result = FindingsDiff()
    for finding in current:
        candidates = waiting.get((finding["policy"], finding.get("urn")))
        if not candidates:
            result.new.append(finding)
            continue
        same = next((c for c in candidates if c.get("message") == finding.get("message")), candidates[0])
        candidates.remove(same)
        result.unchanged.append(finding)
        if same.get("enforcement") != "mandatory" and finding.get("enforcement") == "mandatory":
            result.escalated.append(finding)
    result.resolved = [f for remaining in waiting.values() for f in remaining]
    result.new = _mandatory_first(result.new)
    return result

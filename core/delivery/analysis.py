"""Judging a candidate on measured metrics, modelled on Argo Rollouts' AnalysisRun.

Each measurement (one interval) of the candidate is a success, a failure or inconclusive. No data, or fewer
requests than ``min_requests``, is inconclusive, never a success. More failures than ``failure_limit`` roll back;
otherwise more inconclusive measurements than ``inconclusive_limit`` hold the rollout where it is; otherwise the
rollout moves to its next step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from aiscale.core.config.delivery import AnalysisConfig

Verdict = Literal["success", "failure", "inconclusive"]
Action = Literal["promote", "hold", "rollback"]


@dataclass(frozen=True)
class Sample:
    """What one deployment served in one interval. A metric is None when the backend returned no value."""

    requests: int
    values: dict[str, float | None]


@dataclass(frozen=True)
class Measurement:
    start: datetime
    candidate: Sample | None
    stable: Sample | None
    """The stable deployment over the same interval, shown for comparison (the gate is the candidate's)."""


@dataclass(frozen=True)
class Judged:
    measurement: Measurement
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    judged: tuple[Judged, ...]

    def count(self, verdict: Verdict) -> int:
        return sum(1 for j in self.judged if j.verdict == verdict)


def judge(sample: Sample | None, analysis: AnalysisConfig) -> tuple[Verdict, str]:
    """The verdict on one interval of the candidate, and why."""
    if sample is None or sample.requests == 0:
        return "inconclusive", "no data"
    if sample.requests < analysis.min_requests:
        return "inconclusive", f"{sample.requests} requests, fewer than min_requests {analysis.min_requests}"
    failures, unclear = [], []
    for check in analysis.metrics:
        value = sample.values.get(check.metric)
        if value is None:
            unclear.append(f"{check.metric}: no value")
        elif value > check.failure_max:
            failures.append(f"{check.metric} {value:g} > failure_max {check.failure_max:g}")
        elif value > check.success_max:
            unclear.append(f"{check.metric} {value:g} between success_max {check.success_max:g} and failure_max")
    if failures:
        return "failure", "; ".join(failures)
    if unclear:
        return "inconclusive", "; ".join(unclear)
    return "success", "every metric within success_max"


def decide(measurements: Sequence[Measurement], analysis: AnalysisConfig) -> Decision:
    """Promote, hold or roll back on the last ``analysis.count`` measurements (missing ones are inconclusive)."""
    judged = [Judged(m, *judge(m.candidate, analysis)) for m in measurements[-analysis.count :]]
    missing = analysis.count - len(judged)
    failed = sum(1 for j in judged if j.verdict == "failure")
    inconclusive = sum(1 for j in judged if j.verdict == "inconclusive") + missing
    if failed > analysis.failure_limit:
        reason = f"{failed} failed measurements, more than failure_limit {analysis.failure_limit}"
        return Decision("rollback", reason, tuple(judged))
    if inconclusive > analysis.inconclusive_limit:
        reason = (
            f"{inconclusive} inconclusive measurements of {analysis.count}, more than inconclusive_limit "
            f"{analysis.inconclusive_limit}: holding at the current step"
        )
        return Decision("hold", reason, tuple(judged))
    successes = len(judged) - failed - (inconclusive - missing)
    reason = f"{successes} of {analysis.count} measurements succeeded ({failed} failed, {inconclusive} inconclusive)"
    return Decision("promote", reason, tuple(judged))

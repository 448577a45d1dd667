"""One diff of two plans (the base branch's ``--format json`` and this run), rendered by the terminal table, the
``diff`` key of the JSON contract and the pull-request comment."""

from aiscale.core.diff.cost import CostDiff, ResourceDelta, diff_cost, short_reason
from aiscale.core.diff.findings import FindingsDiff, diff_findings
from aiscale.core.diff.plans import BaselineError, PlanDiff, diff_plans, load_baseline
from aiscale.core.diff.resources import (
    ABSENT,
    RENAME_SOURCE,
    SECRET,
    UNKNOWN,
    FieldChange,
    ResourceChange,
    ResourceDiff,
    diff_resources,
)
from aiscale.core.diff.values import show, show_change

__all__ = [
    "ABSENT",
    "RENAME_SOURCE",
    "SECRET",
    "UNKNOWN",
    "BaselineError",
    "CostDiff",
    "FieldChange",
    "FindingsDiff",
    "PlanDiff",
    "ResourceChange",
    "ResourceDelta",
    "ResourceDiff",
    "diff_cost",
    "diff_findings",
    "diff_plans",
    "diff_resources",
    "load_baseline",
    "short_reason",
    "show",
    "show_change",
]

"""What AKS and GKE GPU node pools share: one vocabulary for purpose, driver, scaling, labels and alert thresholds.

- ``purpose``: ``serving`` (default), ``training`` or ``batch``, the ``aiscale.io/purpose`` node label.
- ``driver``: who installs the NVIDIA driver, ``platform`` (default: AKS or GKE, from the node image) or
  ``operator`` (the NVIDIA GPU operator, ``GpuStack``). Both clouds and the GPU stack use these two words.
- ``min_nodes``/``max_nodes``: autoscaling bounds of the whole pool; ``min_nodes`` 0 scales to zero.
- Node labels every pool carries, which workloads, the cost estimate and the policy pack select on.
- ``team``: the team owning a pool (unset: shared). Its nodes carry the ``aiscale.io/team`` node label and the
  ``team`` tag (Azure) or resource label (Google Cloud), so billing splits the pool's cost by team.
"""

from collections.abc import Mapping
from typing import NotRequired, TypedDict

from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.tags import TEAM_LABEL, TEAM_TAG
from aiscale.core import rules
from aiscale.core.config.common import MonitoringConfig
from aiscale.core.cost import EXPECTED_LABEL
from aiscale.core.errors import InvalidArgumentError

PURPOSES = ("serving", "training", "batch")
DRIVERS = ("platform", "operator")


class GpuPoolAlertsArgs(TypedDict):
    """When a GPU pool alerts (with ``alert_routing``)."""

    at_max_minutes: NotRequired[int]
    """Alert when the pool stays at ``max_nodes`` this long: demand exceeds its cost ceiling."""
    idle_hours: NotRequired[int]
    """Alert when the pool's GPUs stay idle this long; no idle alert when unset."""


ALERT_DEFAULTS = declare(GpuPoolAlertsArgs, at_max_minutes=stack_default(MonitoringConfig, "pool_at_max_minutes"))
"""Defaults of the optional args of ``GpuPoolAlertsArgs``."""


def check_pool(
    component: str,
    *,
    min_nodes: int,
    max_nodes: int,
    purpose: str,
    driver: str,
    expected_utilization_percent: int | None,
    alerts: GpuPoolAlertsArgs | None,
    team: str | None = None,
) -> None:
    """Refuse bounds, purpose, driver and alert thresholds that make no sense on either cloud."""

    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(component, argument, problem)

    if not 0 <= min_nodes <= max_nodes or max_nodes < 1:
        fail("min_nodes", f"need 0 <= min_nodes ({min_nodes}) <= max_nodes ({max_nodes}), max_nodes >= 1")
    if expected_utilization_percent is not None and not 0 <= expected_utilization_percent <= 100:
        fail("expected_utilization_percent", f"must be 0-100 (got {expected_utilization_percent})")
    if purpose not in PURPOSES:
        fail("purpose", f"{purpose!r} is not one of {', '.join(PURPOSES)}")
    if driver not in DRIVERS:
        fail("driver", f"{driver!r} is not one of {', '.join(DRIVERS)}")
    problem = rules.team_name_problem(team) if team is not None else None
    if problem:
        fail("team", problem)
    if alerts is not None:
        if alerts.get("at_max_minutes", ALERT_DEFAULTS["at_max_minutes"]) < 5:
            fail("alerts.at_max_minutes", "must be at least 5")
        if "idle_hours" in alerts and alerts["idle_hours"] < 1:
            fail("alerts.idle_hours", "must be at least 1")


def pool_labels(
    pool_name: str,
    *,
    purpose: str,
    gpu_model: str,
    gpu_count: int,
    extra: Mapping[str, str],
    expected_utilization_percent: int | None,
    team: str | None = None,
) -> dict[str, str]:
    """The pool's node labels: the caller's, then aiscale's (which win)."""
    labels = {
        **dict(extra),
        "aiscale.io/gpu-pool": pool_name,
        "aiscale.io/purpose": purpose,
        "aiscale.io/gpu-model": gpu_model,
        "aiscale.io/gpu-count": str(gpu_count),
    }
    if expected_utilization_percent is not None:
        # The offline estimate and CrossGuard read it from the pool's inputs, like any other record.
        labels[EXPECTED_LABEL] = str(expected_utilization_percent)
    if team is not None:
        labels[TEAM_LABEL] = team
    return labels


def team_cost_labels(labels: Mapping[str, str] | None, team: str | None) -> dict[str, str] | None:
    """The pool's cloud tags (Azure) or resource labels (Google Cloud) with its owning team's: cost records of
    its nodes carry ``team`` on both clouds."""
    if team is None:
        return dict(labels) if labels is not None else None
    return {**dict(labels or {}), TEAM_TAG: team}

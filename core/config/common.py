"""Configuration vocabulary shared by both clouds: GPU pool scaling, endpoint SLOs, budgets, alert routing.

The same names mean the same thing on Azure and Google Cloud, so a team moves between clouds by changing the
provider section, not by relearning the words.
"""

from __future__ import annotations

import datetime
from ipaddress import IPv4Network
from typing import Annotated, Literal

from pydantic import Field, SecretStr, StringConstraints, field_validator, model_validator

from aiscale.core import rules
from aiscale.core.config.base import StrictModel, preset

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[^\s]+$", max_length=2048)]
Percent = Annotated[int, Field(ge=1, le=1000)]
KubernetesQuantity = Annotated[
    str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$", max_length=20)
]
"""A Kubernetes resource quantity: ``64``, ``500m``, ``256Gi``."""
NamespaceName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
RequestRate = Annotated[float, Field(gt=0, le=1_000_000)]
"""Requests per second a model deployment is expected to serve on average."""


#: Who installs the NVIDIA driver on a GPU pool, on both clouds: the platform (AKS or GKE) or the GPU operator.
GpuDriver = Literal["platform", "operator"]
#: The words the driver had before 0.2, per cloud, and what they are now.
RENAMED_DRIVERS = {"install": "platform", "none": "operator", "INSTALLATION_DISABLED": "operator"}


def renamed_driver_problem(value: object) -> str | None:
    """A hint for a stack file that still uses a pre-0.2 driver word (``install``, ``none``, ``DEFAULT`` ...)."""
    if value in RENAMED_DRIVERS:
        return f"{value!r} is now {RENAMED_DRIVERS[str(value)]!r} (driver: platform or operator, on both clouds)"
    if value in ("DEFAULT", "LATEST"):
        return f"{value!r} is now driver: platform with driver_version: {value}"
    return None


class GpuPoolScaling(StrictModel):
    """Autoscaling bounds, capacity type and driver of a GPU node pool (both clouds)."""

    min_nodes: int = preset(dev=0, staging=0, prod=1, ge=0, le=1000)
    """Lowest node count; 0 scales the pool to zero when idle (the default outside prod)."""
    max_nodes: int = Field(ge=1, le=1000)
    """Highest node count the autoscaler may reach (also the cost ceiling)."""
    spot: bool = False
    """Spot / preemptible capacity: much cheaper, can be evicted; for interruptible work only."""
    expected_utilization_percent: int | None = Field(default=None, ge=0, le=100)
    """Expected average use of the autoscaling range: the cost estimate expects min_nodes + (max_nodes - min_nodes)
    x this / 100 nodes. Unset: the estimate gives only the floor (min_nodes) and the ceiling (max_nodes)."""

    driver: GpuDriver = "platform"
    """Who installs the NVIDIA driver: ``platform`` (AKS or GKE, from the node image) or ``operator`` (the NVIDIA
    GPU operator, installed by the stack). One cluster uses one of the two for all its pools."""

    @field_validator("driver", mode="before")
    @classmethod
    def _renamed_driver(cls, value: object) -> object:
        problem = renamed_driver_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _bounds(self) -> GpuPoolScaling:
        if self.min_nodes > self.max_nodes:
            raise ValueError(f"min_nodes ({self.min_nodes}) must not exceed max_nodes ({self.max_nodes})")
        return self


class EndpointSlo(StrictModel):
    """Service level objectives of a model endpoint; alerts fire when they are missed."""

    latency_p95_ms: int = Field(ge=1, le=600_000)
    latency_p99_ms: int = Field(ge=1, le=600_000)
    error_rate_percent: float = Field(default=1.0, gt=0, le=100)
    """Share of requests answered with a server error (5xx) that is still acceptable."""

    @model_validator(mode="after")
    def _ordered(self) -> EndpointSlo:
        problems = rules.slo_problems(self.latency_p95_ms, self.latency_p99_ms, self.error_rate_percent)
        if problems:
            field, problem = problems[0]
            raise ValueError(f"{field} {problem}")
        return self


class BudgetConfig(StrictModel):
    """A monthly cost budget with notifications (both clouds)."""

    amount: float = Field(gt=0, le=100_000_000)
    """Monthly amount in the billing currency."""
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "EUR"
    """ISO 4217 code; Google Cloud budgets need it, Azure uses the billing account's currency."""
    start_date: str
    """First day of the first budgeted month, ``YYYY-MM-01``. Fixed in config: Azure rejects later changes."""
    end_date: str | None = None
    """Optional last day (``YYYY-MM-DD``); open-ended when unset."""
    actual_thresholds: list[Percent] = Field(default_factory=lambda: [50, 80, 100])
    """Notify when actual spend reaches these percentages of the amount."""
    forecast_thresholds: list[Percent] = Field(default_factory=lambda: [100])
    """Notify when forecast spend reaches these percentages."""
    contact_emails: list[Email] = Field(min_length=1, max_length=50)
    tag_filter: dict[Annotated[str, StringConstraints(min_length=1, max_length=63)], list[str]] = Field(
        default_factory=dict
    )
    """Count only resources carrying one of these tag (Azure) / label (GCP) values."""

    @field_validator("start_date")
    @classmethod
    def _first_of_month(cls, value: str) -> str:
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-01)") from None
        if day.day != 1:
            raise ValueError(f"{value!r} must be the first day of a month")
        return value

    @field_validator("end_date")
    @classmethod
    def _a_date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> BudgetConfig:
        if self.end_date is not None and self.end_date <= self.start_date:
            raise ValueError(f"end_date ({self.end_date}) must be after start_date ({self.start_date})")
        if not self.actual_thresholds and not self.forecast_thresholds:
            raise ValueError("a budget needs at least one actual or forecast threshold")
        for name in ("actual_thresholds", "forecast_thresholds"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} has duplicates: {values}")
        return self


class AlertRouting(StrictModel):
    """Where alerts go (both clouds)."""

    emails: list[Email] = Field(min_length=1, max_length=20)
    webhook_url: SecretStr | None = None
    """Incoming webhook (chat, paging). A secret: ``pulumi config set --secret --path``."""
    runbook_base_url: HttpsUrl
    """Each alert links to ``<runbook_base_url>/<alert-name>``."""


class TeamConfig(StrictModel):
    """A team's tenancy on the platform's GPU cluster: its namespace, quotas and network reach (both clouds)."""

    gpu_quota: int = Field(ge=0, le=10_000)
    """GPUs the team's pods may request in total."""
    cpu_quota: KubernetesQuantity
    """CPU requests and limits in total (``"64"``)."""
    memory_quota: KubernetesQuantity
    """Memory requests and limits in total (``"256Gi"``)."""
    pod_security: Literal["restricted", "baseline"] = "restricted"
    """Pod Security Admission level; ``baseline`` only for GPU images that cannot run under ``restricted``."""
    gateway_namespaces: list[NamespaceName] = Field(default_factory=list)
    """Namespaces (ingress controllers, gateways) allowed to reach the team's pods."""
    egress_cidrs: list[IPv4Network] = Field(default_factory=list)
    """Private ranges the team's pods may reach (private endpoints of storage, registries, databases)."""
    https_egress: bool = True
    """HTTPS to public addresses (token exchange, model downloads); off behind an egress firewall."""


class MaintenanceWindowConfig(StrictModel):
    """Weekly window (UTC) for Kubernetes and node upgrades (both clouds)."""

    day_of_week: Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] = "Sunday"
    start_hour: int = Field(default=2, ge=0, le=23)
    duration_hours: int = Field(default=4, ge=4, le=24)
    """AKS requires at least four hours; GKE at least four hours of maintenance per week."""


class MonitoringConfig(StrictModel):
    """Log retention, alert routing and alert thresholds (both clouds)."""

    log_retention_days: int = preset(dev=30, staging=60, prod=90, ge=30, le=730)
    """Retention of the platform's logs (Log Analytics workspace; Cloud Logging ``_Default`` bucket)."""
    alerts: AlertRouting
    gpu_idle_hours: int | None = preset(dev=2, staging=4, prod=None, ge=1, le=72)
    """Alert when a GPU pool has nodes but no GPU use for this long (unset: no idle alert)."""
    pool_at_max_minutes: int = Field(default=30, ge=5, le=1440)
    """Alert when a GPU pool stays at max_nodes this long."""
    utilization_percent: int = Field(default=90, ge=1, le=100)
    """CPU/GPU utilisation of endpoint instances that raises an alert."""


TeamName = Annotated[str, StringConstraints(pattern=rules.TEAM_NAME_PATTERN)]
"""A team's name: also its namespace name on the cluster."""

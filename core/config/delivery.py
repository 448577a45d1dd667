"""Model delivery configuration: registry references pinned to versions, promotion gates, canary rollouts.

A deployment names its model by MLflow registry reference (an alias: ``models:/fraud-detector@champion``; stages
are deprecated) **and** the version it resolved to. Programs never resolve aliases at deploy time: the deployed
version is always visible in the stack file and in a pull request's diff. ``aiscale promote`` resolves the alias,
checks the gates and writes the new version; ``aiscale rollout`` moves traffic step by step on measured metrics.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from string import Formatter
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from aiscale.core import rules
from aiscale.core.config.base import StrictModel, preset

REGISTRY_REF = re.compile(
    r"^models:/(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]{0,254})@(?P<alias>[A-Za-z0-9][A-Za-z0-9_-]{0,63})$"
)
RegistryRef = Annotated[str, StringConstraints(pattern=REGISTRY_REF.pattern)]
"""``models:/<registered model>@<alias>``."""
DeploymentName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$")]
ANALYSIS_METRICS = ("latency_p95_ms", "latency_p99_ms", "error_rate_percent")


def registry_parts(reference: str) -> tuple[str, str]:
    """(model name, alias) of a registry reference."""
    match = REGISTRY_REF.fullmatch(reference)
    if match is None:
        raise ValueError(f"{reference!r} is not a registry reference models:/<name>@<alias>")
    return match["name"], match["alias"]


class RegisteredModelConfig(StrictModel):
    """A model version from the MLflow registry, pinned: written by ``aiscale promote``, reviewed in a PR."""

    registry: RegistryRef
    """The alias the version was resolved from (``models:/fraud-detector@champion``)."""
    version: int = Field(ge=1)
    """The pinned registry version: the only version the program deploys."""
    artifact_uri: Annotated[str, StringConstraints(min_length=6, max_length=2048, pattern=r"^\S+://\S+$")]
    """Where the platform reads the model's files (an Azure ML datastore or blob URI; a ``gs://`` URI on Google)."""

    @property
    def name(self) -> str:
        return registry_parts(self.registry)[0]


class MetricGate(StrictModel):
    """A threshold on a metric logged on the model version's run (evaluation, load test)."""

    metric: Annotated[str, StringConstraints(min_length=1, max_length=250), AfterValidator(rules.not_blank)]
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounded(self) -> MetricGate:
        if self.min is None and self.max is None:
            raise ValueError(f"gate on {self.metric} needs min or max")
        return self


class PromotionGates(StrictModel):
    """What a model version must show before it is pinned in this environment."""

    metrics: list[MetricGate] = Field(default_factory=list)
    required_tags: dict[Annotated[str, StringConstraints(min_length=1), AfterValidator(rules.not_blank)], str] = Field(
        default_factory=dict
    )
    """Tags the registry version must carry, e.g. ``validation_status: approved``."""
    primary_metric: str | None = None
    """The candidate must be at least as good as the version the stable deployment serves on this metric."""
    higher_is_better: bool = True
    serving_in_staging: bool = preset(dev=False, staging=False, prod=True)
    """The version must already serve live traffic on the same endpoint of the staging stack."""


class AnalysisMetricConfig(StrictModel):
    """One metric of the analysis: a measurement succeeds at or below ``success_max`` and fails above
    ``failure_max``; between the two, or without data, it is inconclusive."""

    metric: Literal["latency_p95_ms", "latency_p99_ms", "error_rate_percent"]
    success_max: float = Field(ge=0)
    failure_max: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> AnalysisMetricConfig:
        if self.failure_max < self.success_max:
            raise ValueError(
                f"{self.metric}: failure_max ({self.failure_max}) is below success_max ({self.success_max})"
            )
        return self


class AnalysisConfig(StrictModel):
    """Measurements of the candidate, modelled on Argo Rollouts' AnalysisRun."""

    interval_minutes: int = Field(default=5, ge=1, le=60)
    count: int = Field(default=6, ge=1, le=100)
    """Measurements taken (the analysis window is ``count * interval_minutes``)."""
    failure_limit: int = Field(default=1, ge=0)
    """Failed measurements tolerated; one more rolls back."""
    inconclusive_limit: int = Field(default=2, ge=0)
    """Inconclusive measurements tolerated; one more holds the rollout."""
    min_requests: int = Field(default=50, ge=1)
    """A measurement with fewer candidate requests than this has no data (inconclusive, never success)."""
    metrics: list[AnalysisMetricConfig] = Field(min_length=1)


class RolloutConfig(StrictModel):
    """How traffic moves to the candidate."""

    strategy: Literal["canary", "blue_green", "shadow"] = "canary"
    """``canary``: live traffic steps; ``blue_green``: mirror the first step's share, then switch all at once;
    ``shadow``: mirror only, never live (a candidate that passes stays for a human to switch)."""
    steps: list[Annotated[int, Field(ge=1, le=100)]] = Field(default_factory=lambda: [10, 50, 100], min_length=1)
    """Candidate share after each promotion (canary); blue_green and shadow use the first step as mirror share."""
    analysis: AnalysisConfig

    @model_validator(mode="after")
    def _steps(self) -> RolloutConfig:
        if any(later <= earlier for earlier, later in zip(self.steps, self.steps[1:], strict=False)):
            raise ValueError(f"steps must increase: {self.steps}")
        if self.strategy == "canary" and self.steps[-1] != 100:
            raise ValueError(f"a canary's last step is 100, not {self.steps[-1]}")
        if self.strategy != "canary" and self.steps[0] > 50:
            raise ValueError(f"{self.strategy} mirrors {self.steps[0]}%: at most 50 may be mirrored")
        return self


PLACEHOLDERS = ("name", "version")


def _known_placeholders(template: str) -> str:
    try:
        fields = [
            (name, spec, conversion) for _, name, spec, conversion in Formatter().parse(template) if name is not None
        ]
    except ValueError as error:
        raise ValueError(
            f"not a valid template ({error}); write {{name}} and {{version}}, and {{{{ }}}} for braces"
        ) from None
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or spec or conversion:
            raise ValueError(
                f"unknown placeholder {{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}: "
                f"only {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
            )
    return template


def _inside_project(path: str) -> str:
    if "\\" in path or ".." in PurePosixPath(path).parts:
        raise ValueError("must stay inside the project: a relative path without '..' (and with / between folders)")
    return path


class PromotionConfig(StrictModel):
    """Promotion and progressive delivery of one endpoint: which deployment serves, which one is the candidate."""

    model: RegistryRef
    """The registry alias candidates come from (``models:/fraud-detector@champion``)."""
    stable: DeploymentName
    candidate: DeploymentName
    artifact_uri_template: Annotated[
        str, StringConstraints(pattern=r"^\S+://\S*\{version\}\S*$"), AfterValidator(_known_placeholders)
    ]
    """Where the platform reads a version's files, e.g. ``azureml://datastores/models/paths/{name}/{version}``:
    ``{version}`` (required) and ``{name}`` (the registered model's name) are the only placeholders."""
    gates: PromotionGates = Field(default_factory=PromotionGates)
    rollout: RolloutConfig
    audit_log: Annotated[str, StringConstraints(pattern=r"^[^\s/][^\s]*$"), AfterValidator(_inside_project)] = (
        "audit/rollouts.jsonl"
    )
    """Append-only log of every decision, relative to the project (it may not lead out of it)."""

    @model_validator(mode="after")
    def _roles(self) -> PromotionConfig:
        if self.stable == self.candidate:
            raise ValueError("stable and candidate must be different deployments")
        return self

    def artifact_uri(self, version: int) -> str:
        return self.artifact_uri_template.format(name=registry_parts(self.model)[0], version=version)

"""The whole configuration of one stack: the ``aiscale:*`` keys of ``Pulumi.<stack>.yaml``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from aiscale.core import rules
from aiscale.core.config.azure import AzureConfig
from aiscale.core.config.base import Environment, StrictModel, TagValue, preset
from aiscale.core.config.gcp import GcpConfig

TagKey = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z][a-zA-Z0-9_.-]{0,127}$")]
Location = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9 -]{1,39}$")]
"""An Azure region (``westeurope``), a Google Cloud region (``europe-west4``) or multi-region (``EU``)."""


class StackConfig(StrictModel):
    """Configuration of one aiscale stack. Each field is the config key ``aiscale:<field>``."""

    environment: Environment
    """``dev``, ``staging`` or ``prod``; defaults to what the stack name says (see Environment above). A stack
    whose name gives an environment cannot declare another one."""
    owner: TagValue
    """Team or person accountable for the stack; becomes the ``owner`` tag/label."""
    cost_center: TagValue
    """Cost centre charged for the stack; becomes the ``cost-center`` tag/label."""
    tags: dict[TagKey, TagValue] = Field(default_factory=dict)
    """Extra tags (Azure) and labels (GCP, normalised) on every resource."""
    protect_stateful: bool = preset(dev=False, staging=False, prod=True)
    """Mark every stateful resource ``protect`` (keys, vaults, workspaces, registries, storage, clusters, resource
    groups: ``aiscale.core.stateful``) so Pulumi refuses to delete it. Turning it off in prod is a mandatory
    finding (``ml-protect-01``) that only a central waiver covers."""
    allowed_locations: list[Location] = Field(default_factory=list)
    """Data residency: the regions (and multi-regions such as ``EU``) the stack's resources may be in. The stack's
    own locations must be among them, and policy ``ml-residency-01`` checks every resource the program registers
    (mandatory in prod). ``global`` (alerts, DNS zones, IAM) is always allowed. Empty: anywhere."""
    azure: AzureConfig | None = None
    """Deploy on Azure."""
    gcp: GcpConfig | None = None
    """Deploy on Google Cloud."""

    @field_validator("azure", "gcp")
    @classmethod
    def _governed(cls, cloud: AzureConfig | GcpConfig | None, info: ValidationInfo) -> AzureConfig | GcpConfig | None:
        if cloud is None:
            return cloud
        problems = rules.residency_problems(_locations(cloud), list(info.data.get("allowed_locations", [])))
        audit = cloud.audit
        problem = rules.irreversible_lock_problem(
            audit is not None and audit.locked, bool(info.data.get("protect_stateful"))
        )
        if problem:
            problems.append(("audit.locked", problem))
        if problems:
            raise ValueError("; ".join(f"{field}: {text}" for field, text in problems))
        return cloud

    @model_validator(mode="after")
    def _consistent(self) -> StackConfig:
        if self.azure is None and self.gcp is None:
            raise ValueError("configure at least one cloud: aiscale:azure or aiscale:gcp")
        reserved = sorted(set(self.tags) & {"owner", "cost-center", "environment", "managed-by"})
        if reserved:
            raise ValueError(f"tags {reserved} are set from owner, cost_center and environment; remove them from tags")
        if self.gcp is not None:
            rules.gcp_labels(self.resource_tags())  # raises ValueError naming the tag that cannot be a label
        return self

    def resource_tags(self) -> dict[str, str]:
        """Tags every resource of the stack carries (Azure tags; GCP labels are derived from them)."""
        return {
            **self.tags,
            "owner": self.owner,
            "cost-center": self.cost_center,
            "environment": self.environment.value,
            "managed-by": "aiscale",
        }

    def resource_labels(self) -> dict[str, str]:
        """The same tags as GCP labels."""
        return rules.gcp_labels(self.resource_tags())


def _locations(cloud: AzureConfig | GcpConfig) -> dict[str, str]:
    """The locations a cloud section places resources in, by their config field."""
    if isinstance(cloud, AzureConfig):
        return {"location": cloud.location}
    placed = {"region": cloud.region}
    if cloud.kms.location is not None:
        placed["kms.location"] = cloud.kms.location
    zones = [*(cloud.gke.zones if cloud.gke else []), *(z for p in cloud.gpu_pools.values() for z in p.zones)]
    placed.update({f"zones[{zone}]": zone for zone in zones})
    return placed

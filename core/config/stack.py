"""The whole configuration of one stack: the ``aiscale:*`` keys of ``Pulumi.<stack>.yaml``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from aiscale.core import rules
from aiscale.core.config.azure import AzureConfig
from aiscale.core.config.base import Environment, StrictModel, TagValue, preset
from aiscale.core.config.gcp import GcpConfig

TagKey = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z][a-zA-Z0-9_.-]{0,127}$")]


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
    azure: AzureConfig | None = None
    """Deploy on Azure."""
    gcp: GcpConfig | None = None
    """Deploy on Google Cloud."""

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

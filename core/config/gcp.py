"""Google Cloud section of the stack configuration (``aiscale:gcp``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from aiscale.core import rules
from aiscale.core.config.base import StrictModel, preset

GcpRegion = Annotated[str, StringConstraints(pattern=r"^[a-z]+-[a-z]+[0-9]+$")]
KmsName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_-]{1,63}$")]


class ProtectionLevel(StrEnum):
    SOFTWARE = "SOFTWARE"
    HSM = "HSM"


class ServiceAgent(StrEnum):
    """Google services whose service agent encrypts with a key (CMEK consumers)."""

    aiplatform = "aiplatform"
    """Vertex AI endpoints, models and datasets."""
    container = "container"
    """GKE application-layer secrets encryption."""
    compute = "compute"
    """Persistent disks, including GKE node boot disks."""
    storage = "storage"
    """Cloud Storage buckets."""


class GcpKeyConfig(StrictModel):
    """A symmetric Cloud KMS key."""

    rotation_days: int = Field(default=90, ge=1, le=rules.MAX_KEY_ROTATION_DAYS)
    """Automatic rotation period in days (CIS: at most 90)."""
    protection_level: ProtectionLevel = preset(
        dev=ProtectionLevel.SOFTWARE, staging=ProtectionLevel.SOFTWARE, prod=ProtectionLevel.HSM
    )
    destroy_scheduled_days: int = preset(dev=1, staging=30, prod=30, ge=1, le=120)
    """Days a destroyed key version stays recoverable."""
    consumers: list[ServiceAgent] = Field(default_factory=list)
    """Services whose service agents get ``roles/cloudkms.cryptoKeyEncrypterDecrypter`` on this key."""


class GcpKmsConfig(StrictModel):
    """The stack's key ring and its keys."""

    key_ring: KmsName
    """Key ring name; key rings can never be deleted, so pick it once."""
    location: GcpRegion | None = None
    """Key ring location; defaults to the stack's region (CMEK keys must be in the consumer's region)."""
    keys: dict[KmsName, GcpKeyConfig] = Field(default_factory=dict)


class GcpConfig(StrictModel):
    """Where and how aiscale deploys on Google Cloud."""

    project: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    """Project id."""
    project_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,20}$")]
    """Project number; service agent e-mail addresses are derived from it (no lookup at deploy time)."""
    region: GcpRegion
    """Region, e.g. ``europe-west4``."""
    kms: GcpKmsConfig

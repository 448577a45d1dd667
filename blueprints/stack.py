"""One aiscale stack: a blueprint per configured cloud, plus the stack outputs."""

from dataclasses import dataclass

import pulumi

from aiscale.blueprints.azure_platform import AzureGpuInferencePlatform
from aiscale.blueprints.gcp_platform import GcpGpuInferencePlatform
from aiscale.core.config import StackConfig


@dataclass
class Deployment:
    azure: AzureGpuInferencePlatform | None
    gcp: GcpGpuInferencePlatform | None


def deploy_stack(config: StackConfig, *, export: bool = True) -> Deployment:
    """Build the platform for every cloud section in ``config``; export its outputs when ``export``."""
    azure = AzureGpuInferencePlatform.from_config("azure", config) if config.azure else None
    gcp = GcpGpuInferencePlatform.from_config("gcp", config) if config.gcp else None
    if export:
        pulumi.export("environment", config.environment.value)
        if azure is not None:
            pulumi.export("azureResourceGroup", azure.resource_group.name)
            pulumi.export("azureKeyVaultUri", azure.keys.vault_uri)
        if gcp is not None:
            pulumi.export("gcpKeyRingId", gcp.kms.key_ring_id)
            if gcp.gke is not None:
                pulumi.export("gkeClusterName", gcp.gke.cluster_name)
    return Deployment(azure, gcp)

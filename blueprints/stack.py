"""One aiscale stack: a blueprint per configured cloud, plus the stack outputs team stacks build on."""

from dataclasses import dataclass

import pulumi

from aiscale.blueprints.azure_platform import AzureGpuInferencePlatform
from aiscale.blueprints.gcp_platform import GcpGpuInferencePlatform
from aiscale.blueprints.platform_contract import export_platform
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
        # What team stacks read through a StackReference (TeamPlatform): the platform → team contract.
        if azure is not None:
            export_platform(azure, "azure")
        if gcp is not None:
            export_platform(gcp, "gcp")
    return Deployment(azure, gcp)

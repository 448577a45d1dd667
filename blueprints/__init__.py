"""Blueprints: whole platforms composed from aiscale components, driven by a validated StackConfig.

Another team imports them into its own Pulumi program::

    from aiscale.blueprints import deploy_stack
    from aiscale.core.config import load_stack_config

    deploy_stack(load_stack_config())
"""

from aiscale.blueprints.azure_platform import AzureGpuInferencePlatform
from aiscale.blueprints.gcp_platform import GcpGpuInferencePlatform
from aiscale.blueprints.stack import deploy_stack
from aiscale.blueprints.team_platform import TeamPlatform

__all__ = ["AzureGpuInferencePlatform", "GcpGpuInferencePlatform", "TeamPlatform", "deploy_stack"]

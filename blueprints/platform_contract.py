"""The platform → team contract: what a platform stack exports for team stacks, under one list of names.

A platform stack (``stacks/``, :func:`aiscale.blueprints.deploy_stack`) exports each typed output of its blueprint
under the name below; a team stack (:class:`aiscale.blueprints.TeamPlatform`) reads them back through a
``StackReference`` by the same names. One output per value, so that one value a preview cannot know yet (a
cluster id) does not hide the ones it knows (the cluster's name). Secrets (the kubeconfigs) stay secrets.
"""

from typing import Any

import pulumi

from aiscale.core.engine.stack_references import unknown_if_redacted

#: Stack output name → attribute of ``AzureGpuInferencePlatform``.
AZURE_OUTPUTS = {
    "azureResourceGroup": "resource_group_name",
    "azureLocation": "location",
    "azureSubscriptionId": "subscription_id",
    "azureKeyVaultId": "key_vault_id",
    "azureKeyVaultUri": "key_vault_uri",
    "azureKeyIds": "key_ids",
    "azureKeyUris": "key_uris",
    "azureVnetId": "vnet_id",
    "azureSubnetIds": "subnet_ids",
    "azureClusterId": "cluster_id",
    "azureClusterName": "cluster_name",
    "azureOidcIssuerUrl": "oidc_issuer_url",
    "azureKubeconfig": "kubeconfig",
    "azureGpuPools": "gpu_pool_names",
    "azureKedaServerAddress": "keda_server_address",
    "azureKedaIdentityId": "keda_identity_id",
    "azureLogAnalyticsWorkspaceId": "log_analytics_workspace_id",
    "azureMonitorWorkspaceId": "monitor_workspace_id",
    "azureActionGroupId": "action_group_id",
    "azureMlWorkspaceName": "ml_workspace_name",
    "azureEndpointIds": "endpoint_ids",
}
#: Stack output name → attribute of ``GcpGpuInferencePlatform``.
GCP_OUTPUTS = {
    "gcpProject": "project",
    "gcpRegion": "region",
    "gcpKeyRingId": "key_ring_id",
    "gcpKeyIds": "key_ids",
    "gcpNetworkId": "network_id",
    "gcpNetworkName": "network_name",
    "gcpSubnetId": "subnet_id",
    "gkeClusterId": "cluster_id",
    "gkeClusterName": "cluster_name",
    "gkeWorkloadPool": "workload_pool",
    "gkeKubeconfig": "kubeconfig",
    "gcpGpuPools": "gpu_pool_names",
    "gkeKedaServerAddress": "keda_server_address",
    "gcpNotificationChannelIds": "notification_channel_ids",
    "gcpEndpointIds": "endpoint_ids",
}
OUTPUTS = {"azure": AZURE_OUTPUTS, "gcp": GCP_OUTPUTS}


def export_platform(platform: pulumi.ComponentResource, cloud: str) -> None:
    """Export the contract's outputs of ``platform`` (those it has: a platform without a cluster has no kubeconfig)."""
    for name, attribute in OUTPUTS[cloud].items():
        value = getattr(platform, attribute)
        if value is not None:
            pulumi.export(name, value)


def platform_output(reference: pulumi.StackReference, cloud: str, attribute: str) -> pulumi.Output[Any]:
    """The platform's ``attribute`` (``cluster_name``), read from the referenced platform stack's outputs."""
    name = next(key for key, value in OUTPUTS[cloud].items() if value == attribute)

    def present(value: Any, stack: str) -> Any:
        if value is None:
            raise pulumi.RunError(
                f"platform stack {stack} exports no {name}: is it an aiscale {cloud} platform stack, deployed with "
                f"the part that provides it ({attribute})?"
            )
        return unknown_if_redacted(value)

    return pulumi.Output.all(reference.get_output(name), reference.name).apply(lambda pair: present(*pair))

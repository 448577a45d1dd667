"""The private endpoint interface every Azure component with a data plane accepts.

A component that supports private endpoints takes ``private_endpoint: PrivateEndpointArgs`` and calls
:func:`private_endpoint` once per sub-resource (``vault``, ``blob``, ``registry``, ``amlworkspace`` ...). DNS
records come from a DNS zone group on the endpoint, or from an Azure Policy (DeployIfNotExists) that owns
``privatelink.*`` records centrally: then leave ``dns_zone_ids`` out. A private endpoint is about reaching a
service's data plane; a Kubernetes control plane on private addresses is a different thing with its own
interface (:mod:`aiscale.components.common.control_plane`).
"""

from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import network

from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Tags
from aiscale.core.errors import InvalidArgumentError

#: Private DNS zones (Azure public cloud) of each private link sub-resource aiscale uses.
PRIVATE_DNS_ZONES: dict[str, tuple[str, ...]] = {
    "vault": ("privatelink.vaultcore.azure.net",),
    "registry": ("privatelink.azurecr.io",),
    "blob": ("privatelink.blob.core.windows.net",),
    "file": ("privatelink.file.core.windows.net",),
    "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
}


class PrivateEndpointArgs(TypedDict):
    """Where a component's private endpoints go."""

    subnet_id: pulumi.Input[str]
    """Subnet of the private endpoints (``network.endpoints_subnet``)."""
    dns_zone_ids: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Private DNS zone ids by zone name. Leave out when an Azure Policy creates the DNS records."""


def private_endpoint(
    name: str,
    *,
    component: str,
    target_id: pulumi.Input[str],
    group_id: str,
    args: PrivateEndpointArgs,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str] | None,
    tags: Tags | None,
    parent: pulumi.Resource,
) -> network.PrivateEndpoint:
    """``<name>-pe-<group>`` on ``target_id``, plus its DNS zone group ``<name>-pe-<group>-dns``."""
    zones = PRIVATE_DNS_ZONES[group_id]
    endpoint_name = f"{name}-pe-{group_id}"
    endpoint = network.PrivateEndpoint(
        endpoint_name,
        private_endpoint_name=endpoint_name,
        resource_group_name=resource_group_name,
        location=location,
        subnet=network.SubnetArgs(id=args["subnet_id"]),
        custom_network_interface_name=f"{endpoint_name}-nic",
        private_link_service_connections=[
            network.PrivateLinkServiceConnectionArgs(
                name=endpoint_name, group_ids=[group_id], private_link_service_id=target_id
            )
        ],
        tags=tags,
        opts=child_options(parent),
    )
    zone_ids = args.get("dns_zone_ids")
    if zone_ids:
        missing = [zone for zone in zones if zone not in zone_ids]
        if missing:
            raise InvalidArgumentError(
                component, "private_endpoint.dns_zone_ids", f"needs zones {missing} for {group_id}"
            )
        network.PrivateDnsZoneGroup(
            f"{endpoint_name}-dns",
            private_dns_zone_group_name="default",
            private_endpoint_name=endpoint.name,
            resource_group_name=resource_group_name,
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(name=zone.replace(".", "-"), private_dns_zone_id=zone_ids[zone])
                for zone in zones
            ],
            opts=child_options(parent),
        )
    return endpoint

"""Private network for the platform: VNet, one subnet per role with its own NSG, private DNS zones.

Subnets are separate ``Subnet`` resources, created one after another (Azure rejects concurrent changes to one
VNet), and the VNet ignores its ``subnets`` property so the two never fight. Every subnet gets an NSG that also
denies SSH and RDP from the internet explicitly, and no default outbound access.
"""

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Network
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import network, privatedns

from aiscale.components.common.options import after, child_options
from aiscale.components.common.private_endpoint import PrivateEndpointArgs
from aiscale.components.common.tags import Tags, azure_tags
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("AzureNetwork")
PREVIOUS_TYPE = "aiscale:azure:PrivateNetwork"


class SubnetSpecArgs(TypedDict):
    """A subnet of the network, by role."""

    prefix: str
    """CIDR of the subnet inside the address space."""
    delegation: NotRequired[str]
    """Service the subnet is delegated to (``Microsoft.ContainerService/managedClusters``)."""
    private_endpoints: NotRequired[bool]
    """The subnet holds private endpoints (their NSG rules then apply to them)."""


class AzureNetworkArgs(TypedDict):
    """Arguments of :class:`AzureNetwork`."""

    resource_group_name: pulumi.Input[str]
    """Resource group of the component's resources."""
    location: pulumi.Input[str]
    """Azure region of the resources (``westeurope``)."""
    vnet_name: str
    """Name of the VNet; NSG and link names are derived from it."""
    address_space: str
    """Address space of the VNet (``10.20.0.0/16``)."""
    subnets: Mapping[str, SubnetSpecArgs]
    """Subnets by role (``system``, ``gpu``, ``endpoints`` ...)."""
    private_dns_zones: NotRequired[Sequence[str]]
    """``privatelink.*`` zones to create and link to the VNet (none when an Azure Policy owns DNS)."""
    tags: NotRequired[Tags]
    """Azure tags of the VNet, NSGs and DNS zones."""


def _deny_remote_admin_from_internet() -> list[network.SecurityRuleArgs]:
    return [
        network.SecurityRuleArgs(
            name="deny-ssh-rdp-from-internet",
            description="aiscale: no remote administration from the internet",
            priority=4000,
            direction="Inbound",
            access="Deny",
            protocol="Tcp",
            source_address_prefix="Internet",
            source_port_range="*",
            destination_address_prefix="*",
            destination_port_ranges=["22", "3389"],
        )
    ]


def _slug(zone: str) -> str:
    return zone.removeprefix("privatelink.").replace(".", "-")


def _validate(args: AzureNetworkArgs) -> None:
    try:
        space = IPv4Network(args["address_space"])
    except ValueError as error:
        raise InvalidArgumentError(COMPONENT, "address_space", str(error)) from None
    for role, spec in args["subnets"].items():
        try:
            prefix = IPv4Network(spec["prefix"])
        except ValueError as error:
            raise InvalidArgumentError(COMPONENT, f"subnets.{role}.prefix", str(error)) from None
        if not prefix.subnet_of(space):
            raise InvalidArgumentError(COMPONENT, f"subnets.{role}.prefix", f"{prefix} is outside {space}")
    azure_tags(COMPONENT, args.get("tags"))


class AzureNetwork(pulumi.ComponentResource):
    """The platform's private network on Azure: a VNet, one subnet with its own NSG per role, private DNS zones.

    Children: ``<name>-vnet``, ``<name>-<role>-nsg`` and ``<name>-<role>-subnet`` per role, ``<name>-zone-<zone>``
    and its link.
    """

    vnet: network.VirtualNetwork
    subnets: dict[str, network.Subnet]
    vnet_id: pulumi.Output[str]
    subnet_ids: dict[str, pulumi.Output[str]]
    dns_zone_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: AzureNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        self.vnet = network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=args["vnet_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            address_space=network.AddressSpaceArgs(address_prefixes=[args["address_space"]]),
            tags=args.get("tags"),
            # Subnets are managed as their own resources below.
            opts=child_options(self, ignore_changes=["subnets"]),
        )
        self.subnets = self._subnets(name, args)
        self.dns_zone_ids = self._private_dns_zones(name, args)

        self.vnet_id = self.vnet.id
        self.subnet_ids = {role: subnet.id for role, subnet in self.subnets.items()}
        self.register_outputs({"vnetId": self.vnet_id, "subnetIds": self.subnet_ids, "dnsZoneIds": self.dns_zone_ids})

    def _subnets(self, name: str, args: AzureNetworkArgs) -> dict[str, network.Subnet]:
        """``<name>-<role>-nsg`` and ``<name>-<role>-subnet`` per role, one subnet after the other."""
        subnets: dict[str, network.Subnet] = {}
        previous: pulumi.Resource | None = None
        for role, spec in args["subnets"].items():
            nsg = network.NetworkSecurityGroup(
                f"{name}-{role}-nsg",
                network_security_group_name=f"{args['vnet_name']}-{role}-nsg",
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                security_rules=_deny_remote_admin_from_internet(),
                tags=args.get("tags"),
                opts=child_options(self),
            )
            delegation = spec.get("delegation")
            subnet = network.Subnet(
                f"{name}-{role}-subnet",
                subnet_name=role,
                resource_group_name=args["resource_group_name"],
                virtual_network_name=after(self.vnet, args["vnet_name"]),
                address_prefix=spec["prefix"],
                network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
                default_outbound_access=False,
                private_endpoint_network_policies="Enabled" if spec.get("private_endpoints") else None,
                delegations=[network.DelegationArgs(name=delegation.replace("/", "-"), service_name=delegation)]
                if delegation
                else None,
                opts=child_options(self, depends_on=[previous] if previous else None),
            )
            subnets[role] = subnet
            previous = subnet
        return subnets

    def _private_dns_zones(self, name: str, args: AzureNetworkArgs) -> dict[str, pulumi.Output[str]]:
        """``<name>-zone-<zone>`` and its VNet link per ``privatelink.*`` zone."""
        zone_ids: dict[str, pulumi.Output[str]] = {}
        for zone in args.get("private_dns_zones", []):
            record = privatedns.PrivateZone(
                f"{name}-zone-{_slug(zone)}",
                private_zone_name=zone,
                resource_group_name=args["resource_group_name"],
                location="global",
                tags=args.get("tags"),
                opts=child_options(self),
            )
            privatedns.VirtualNetworkLink(
                f"{name}-zone-{_slug(zone)}-link",
                virtual_network_link_name=f"{args['vnet_name']}-link",
                private_zone_name=after(record, zone),
                resource_group_name=args["resource_group_name"],
                location="global",
                registration_enabled=False,
                virtual_network=privatedns.SubResourceArgs(id=self.vnet.id),
                tags=args.get("tags"),
                opts=child_options(self),
            )
            zone_ids[zone] = record.id
        return zone_ids

    def private_endpoint(self, role: str = "endpoints") -> PrivateEndpointArgs:
        """The private endpoint interface for components placing endpoints in subnet ``role``."""
        endpoint_args: PrivateEndpointArgs = {"subnet_id": self.subnet_ids[role]}
        if self.dns_zone_ids:
            endpoint_args["dns_zone_ids"] = dict(self.dns_zone_ids)
        return endpoint_args

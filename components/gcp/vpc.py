"""Private VPC for the platform: custom-mode network, the cluster subnet, NAT egress, firewall, private access.

- Custom mode: no auto-created subnets in every region. The cluster subnet has secondary ranges for pods and
  services (VPC-native GKE), Private Google Access (private nodes reach Google APIs) and flow logs.
- Cloud Router + Cloud NAT give private nodes egress (image pulls, model downloads) without external IPs; NAT
  logs errors.
- Firewall: deny all ingress at the lowest priority, explicitly, with logging, so the rule shows up in audits and
  nothing depends on the implied rule; allow Google's health-check ranges to the nodes (load balancers).
- Private service access (``vpc_peering``): a reserved range peered with Google's service producer network, for
  Vertex AI endpoints that serve inside the VPC. Private Service Connect endpoints are created by Vertex AI itself
  (PSC automation) in this network.
"""

from ipaddress import IPv4Network
from typing import NotRequired, TypedDict

import pulumi
from pulumi_gcp import compute, servicenetworking

from aiscale.components.common.defaults import declare
from aiscale.components.common.options import after, child_options
from aiscale.components.common.tags import Labels, gcp_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("GcpNetwork")
PREVIOUS_TYPE = "aiscale:gcp:Vpc"
#: Source ranges of Google Cloud load balancer health checks.
HEALTH_CHECK_RANGES = ("35.191.0.0/16", "130.211.0.0/22")
PODS_RANGE_NAME = "pods"
SERVICES_RANGE_NAME = "services"


class GcpNetworkArgs(TypedDict):
    """Arguments of :class:`GcpNetwork`."""

    project: pulumi.Input[str]
    """Google Cloud project id."""
    region: str
    """Google Cloud region (``europe-west4``)."""
    network_name: str
    """Name of the network; subnet, router, NAT and firewall names are derived from it."""
    subnet: str
    """Primary range of the cluster subnet."""
    pods_range: str
    """Secondary range for pods (VPC-native GKE)."""
    services_range: str
    """Secondary range for services."""
    private_service_access_range: NotRequired[str]
    """Reserve this range for private service access (Vertex AI on VPC peering)."""
    flow_log_sampling: NotRequired[float]
    """Share of flows logged."""
    labels: NotRequired[Labels]
    """Labels of the resources that take them (the private service access range)."""


DEFAULTS = declare(
    GcpNetworkArgs,
    flow_log_sampling=0.5,
)
"""Defaults of the optional args of ``GcpNetworkArgs``."""


def _validate(args: GcpNetworkArgs) -> None:
    for argument in ("subnet", "pods_range", "services_range", "private_service_access_range"):
        value = args.get(argument)
        if value is None:
            continue
        try:
            IPv4Network(value)
        except ValueError as error:
            raise InvalidArgumentError(COMPONENT, argument, str(error)) from None
    sampling = args.get("flow_log_sampling", DEFAULTS["flow_log_sampling"])
    if not 0 < sampling <= 1:
        raise InvalidArgumentError(COMPONENT, "flow_log_sampling", f"{sampling} is outside (0, 1]")
    gcp_labels(COMPONENT, args.get("labels"))


class GcpNetwork(pulumi.ComponentResource):
    """The platform's private network on Google Cloud: a custom-mode VPC, the cluster subnet, NAT, firewall.

    Children: ``<name>-network``, ``<name>-subnet``, ``<name>-router``, ``<name>-nat``, ``<name>-deny-ingress``,
    ``<name>-allow-health-checks``; with private service access ``<name>-psa-range`` and ``<name>-psa``.
    """

    network: compute.Network
    subnet: compute.Subnetwork
    network_id: pulumi.Output[str]
    network_name: pulumi.Output[str]
    subnet_id: pulumi.Output[str]
    # An id, not the resource: a class annotation of its type would import pulumi_gcp.servicenetworking everywhere.
    private_service_access_id: pulumi.Output[str] | None
    """Id of the private service access connection (with ``private_service_access_range``)."""

    def __init__(self, name: str, args: GcpNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        project, region, network_name = args["project"], args["region"], args["network_name"]
        self.network = compute.Network(
            f"{name}-network",
            name=network_name,
            project=project,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            opts=child_options(self),
        )
        self.subnet = compute.Subnetwork(
            f"{name}-subnet",
            name=f"{network_name}-{region}",
            project=project,
            region=region,
            network=self.network.id,
            ip_cidr_range=args["subnet"],
            secondary_ip_ranges=[
                compute.SubnetworkSecondaryIpRangeArgs(range_name=PODS_RANGE_NAME, ip_cidr_range=args["pods_range"]),
                compute.SubnetworkSecondaryIpRangeArgs(
                    range_name=SERVICES_RANGE_NAME, ip_cidr_range=args["services_range"]
                ),
            ],
            private_ip_google_access=True,
            log_config=compute.SubnetworkLogConfigArgs(
                aggregation_interval="INTERVAL_5_SEC",
                flow_sampling=args.get("flow_log_sampling", DEFAULTS["flow_log_sampling"]),
                metadata="INCLUDE_ALL_METADATA",
            ),
            opts=child_options(self),
        )
        self._nat(name, args)
        self._firewall(name, args)
        psa_range = args.get("private_service_access_range")
        # Annotated here, not on the class: class annotations are evaluated, which would import
        # pulumi_gcp.servicenetworking for networks without private service access.
        self.private_service_access: servicenetworking.Connection | None = (
            self._private_service_access(name, args, psa_range) if psa_range is not None else None
        )
        self.private_service_access_id = self.private_service_access.id if self.private_service_access else None

        self.network_id = self.network.id
        self.network_name = after(self.network, network_name)
        self.subnet_id = self.subnet.id
        self.register_outputs({"networkId": self.network_id, "subnetId": self.subnet_id})

    def _nat(self, name: str, args: GcpNetworkArgs) -> None:
        """``<name>-router`` and ``<name>-nat``: egress for private nodes, errors logged."""
        project, region, network_name = args["project"], args["region"], args["network_name"]
        router = compute.Router(
            f"{name}-router",
            name=f"{network_name}-{region}-router",
            project=project,
            region=region,
            network=self.network.id,
            opts=child_options(self),
        )
        compute.RouterNat(
            f"{name}-nat",
            name=f"{network_name}-{region}-nat",
            project=project,
            region=region,
            router=after(router, f"{network_name}-{region}-router"),
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetworks=[
                compute.RouterNatSubnetworkArgs(name=self.subnet.id, source_ip_ranges_to_nats=["ALL_IP_RANGES"])
            ],
            enable_endpoint_independent_mapping=False,
            log_config=compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
            opts=child_options(self),
        )

    def _firewall(self, name: str, args: GcpNetworkArgs) -> None:
        """``<name>-deny-ingress`` (explicit, logged) and ``<name>-allow-health-checks``."""
        network_name = args["network_name"]
        compute.Firewall(
            f"{name}-deny-ingress",
            name=f"{network_name}-deny-all-ingress",
            project=args["project"],
            network=self.network.id,
            direction="INGRESS",
            priority=65534,
            source_ranges=["0.0.0.0/0"],
            denies=[compute.FirewallDenyArgs(protocol="all")],
            log_config=compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA"),
            description="aiscale: deny all ingress unless a higher-priority rule allows it",
            opts=child_options(self),
        )
        compute.Firewall(
            f"{name}-allow-health-checks",
            name=f"{network_name}-allow-health-checks",
            project=args["project"],
            network=self.network.id,
            direction="INGRESS",
            priority=1000,
            source_ranges=list(HEALTH_CHECK_RANGES),
            allows=[compute.FirewallAllowArgs(protocol="tcp")],
            log_config=compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA"),
            description="aiscale: Google Cloud load balancer health checks",
            opts=child_options(self),
        )

    def _private_service_access(
        self, name: str, args: GcpNetworkArgs, psa_range: str
    ) -> "servicenetworking.Connection":  # quoted: evaluating it imports pulumi_gcp.servicenetworking
        """``<name>-psa-range`` reserved and ``<name>-psa`` peered with Google's service producer network."""
        network_name = args["network_name"]
        network = IPv4Network(psa_range)
        reserved = compute.GlobalAddress(
            f"{name}-psa-range",
            name=f"{network_name}-psa",
            project=args["project"],
            network=self.network.id,
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            address=str(network.network_address),
            prefix_length=network.prefixlen,
            labels=args.get("labels"),
            opts=child_options(self),
        )
        return servicenetworking.Connection(
            f"{name}-psa",
            network=self.network.id,
            service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[after(reserved, f"{network_name}-psa")],
            opts=child_options(self),
        )

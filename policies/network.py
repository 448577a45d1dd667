"""Network exposure and segmentation on both clouds (catalogue rows 61-63 and the SSH/RDP exposure rows)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from aiscale.policies._support import (
    Field,
    Rule,
    azure_type,
    classic_type,
    has,
    items,
    known,
    path,
    resource_policy,
    stack_policy,
)
from aiscale.policies.stack import covered, of_type

NSG = azure_type("network", "NetworkSecurityGroup")
SECURITY_RULE = azure_type("network", "SecurityRule")
CLASSIC_NSG = classic_type("network", "NetworkSecurityGroup")
CLASSIC_RULE = classic_type("network", "NetworkSecurityRule")
CLASSIC_SUBNET = classic_type("network", "Subnet")
CLASSIC_VNET = classic_type("network", "VirtualNetwork")
#: The classic provider associates a network security group with a subnet in a resource of its own.
CLASSIC_ASSOCIATION = classic_type("network", "SubnetNetworkSecurityGroupAssociation")
SUBNET = azure_type("network", "Subnet")
VNET = azure_type("network", "VirtualNetwork")
FIREWALL = "gcp:compute/firewall:Firewall"
GCP_SUBNET = "gcp:compute/subnetwork:Subnetwork"
#: Ports of remote administration.
ADMIN_PORTS = (22, 3389)
#: Azure sources that mean every address: the wildcard, service tags and the whole IPv4 and IPv6 space.
INTERNET = ("*", "internet", "any", "0.0.0.0/0", "0.0.0.0", "::/0")
#: Google Cloud source ranges that mean every address.
EVERYWHERE = ("0.0.0.0/0", "::/0")
GCP_DIRECTION = Field(("direction",), "INGRESS", "pulumi_gcp.compute:FirewallArgs.direction", "default is INGRESS.")
#: Azure subnets that take no NSG (or where Azure forbids one).
NSG_EXEMPT_SUBNETS = ("GatewaySubnet", "AzureFirewallSubnet", "AzureFirewallManagementSubnet", "RouteServerSubnet")


def port_ranges_cover(ranges: list[str], ports: tuple[int, ...] = ADMIN_PORTS) -> list[int]:
    """The ports of ``ports`` that a list of port specs (``22``, ``20-30``, ``*``) opens."""
    opened = []
    for port in ports:
        for raw in ranges:
            spec = raw.strip()
            if spec in ("*", "all"):
                opened.append(port)
                break
            low, _, high = spec.partition("-")
            if low.isdigit() and int(low) <= port <= int(high or low):
                opened.append(port)
                break
    return opened


def _azure_rule_problem(rule: Mapping[str, Any], label: str) -> str | None:
    properties = rule.get("properties") or rule  # inline rules are flat; SecurityRule resources too
    if str(path(properties, "direction") or "").lower() != "inbound":
        return None
    if str(path(properties, "access") or "").lower() != "allow":
        return None
    sources = [str(path(properties, "sourceAddressPrefix") or "")] + [
        str(p) for p in items(path(properties, "sourceAddressPrefixes"))
    ]
    if not any(source.lower() in INTERNET for source in sources):
        return None
    ports = [str(path(properties, "destinationPortRange") or "")] + [
        str(p) for p in items(path(properties, "destinationPortRanges"))
    ]
    opened = port_ranges_cover([p for p in ports if p])
    if not opened:
        return None
    return f"rule {path(properties, 'name') or rule.get('name') or label} allows ports {opened} from the internet"


def _azure_admin_exposure(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    groups = NSG.fullmatch(args.resource_type) or args.resource_type == CLASSIC_NSG
    rules = items(args.props.get("securityRules")) if groups else [args.props]
    for rule in rules:
        problem = _azure_rule_problem(rule, str(args.props.get("securityRuleName") or args.name))
        if problem:
            yield problem


def firewall_sources(props: Mapping[str, Any]) -> str | None:
    """Which source makes an ingress rule open to every address: ``0.0.0.0/0`` (or ``::/0``) among its ranges,
    or no source at all (Google Cloud then uses 0.0.0.0/0, though the SDK's note calls a source required);
    None when its sources are restricted."""
    ranges = [str(r) for r in items(props.get("sourceRanges"))]
    if not ranges and not items(props.get("sourceTags")) and not items(props.get("sourceServiceAccounts")):
        return "any address (no source ranges, tags or service accounts)"
    return next((r for r in ranges if r in EVERYWHERE), None)


def _gcp_admin_exposure(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    props = args.props
    if str(GCP_DIRECTION.read(props)) != "INGRESS" or props.get("disabled") is True:
        return
    source = firewall_sources(props)
    if source is None:
        return
    for allow in items(props.get("allows")):
        protocol = str(path(allow, "protocol") or "")
        if protocol not in ("tcp", "all", "6"):
            continue
        # Absent ports mean every port of the protocol.
        ports = [str(p) for p in items(path(allow, "ports"))] or ["*"]
        opened = port_ranges_cover(ports)
        if opened:
            yield f"firewall {props.get('name') or args.name} allows ports {opened} from {source}"


def _subnet_nsg(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    resources = list(args.resources)
    associated = covered(of_type(resources, CLASSIC_ASSOCIATION), {"azure": "subnetId"})
    for resource in resources:
        props = resource.props
        if SUBNET.fullmatch(resource.resource_type):
            subnets = [(known(props, "subnetName") or resource.name, has(props, "networkSecurityGroup"))]
        elif resource.resource_type == CLASSIC_SUBNET:
            subnets = [(known(props, "name") or resource.name, resource.urn in associated)]
        elif VNET.fullmatch(resource.resource_type):
            # Inline subnets: flat or under properties, the NSG a reference ({id}) either way.
            subnets = [
                (path(s, "name"), has(path(s, "properties") or s, "networkSecurityGroup"))
                for s in items(known(props, "subnets"))
            ]
        elif resource.resource_type == CLASSIC_VNET:
            subnets = [(path(s, "name"), has(s, "securityGroup")) for s in items(known(props, "subnets"))]
        else:
            continue
        for name, protected in subnets:
            if name not in NSG_EXEMPT_SUBNETS and not protected:
                yield f"subnet {name} has no network security group", resource


def _gcp_subnet(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    purpose = str(args.props.get("purpose") or "PRIVATE")
    if purpose not in ("PRIVATE", "PRIVATE_RFC_1918"):
        args.not_applicable(f"a {purpose} subnet (proxy or PSC) hosts no VMs")
    if args.props.get("privateIpGoogleAccess") is not True:
        yield "Private Google Access is off (absent means off): private nodes cannot reach Google APIs"
    if not has(args.props, "logConfig"):
        yield "VPC flow logs are off (logConfig absent)"


POLICIES = [
    resource_policy(
        Rule(
            "ml-net-01",
            "No SSH/RDP from the internet (Azure)",
            "No network security group rule allows SSH (22) or RDP (3389) from the internet.",
            Severity.CRITICAL,
            ("CKV_AZURE_9", "CKV_AZURE_10", "AZU-0047"),
            "A rule without a direction, access or port does not open anything; a source of *, Internet, Any, "
            "0.0.0.0/0 or ::/0 means the internet.",
            "Remove the rule, restrict its source to a bastion or VPN range, or use Azure Bastion.",
            "Network",
        ),
        (NSG, SECURITY_RULE, CLASSIC_NSG, CLASSIC_RULE),
        _azure_admin_exposure,
    ),
    resource_policy(
        Rule(
            "ml-net-02",
            "No SSH/RDP from the internet (Google Cloud)",
            "No firewall rule allows SSH (22) or RDP (3389) ingress from 0.0.0.0/0 (or from no source at all).",
            Severity.CRITICAL,
            ("CKV_GCP_2", "CKV_GCP_3", "GCP-0027"),
            "direction absent means INGRESS; ports absent mean every port of the protocol; an ingress rule without "
            "source ranges, tags or service accounts applies to 0.0.0.0/0.",
            "Restrict sourceRanges to IAP (35.235.240.0/20) or a VPN range.",
            "Network",
        ),
        (FIREWALL,),
        _gcp_admin_exposure,
    ),
    stack_policy(
        Rule(
            "ml-net-03",
            "Azure subnets have a network security group",
            "Every Azure subnet (but gateway, firewall and route server subnets) has a network security group.",
            Severity.HIGH,
            ("CKV2_AZURE_31",),
            "networkSecurityGroup (classic inline securityGroup) absent means an unfiltered subnet; a classic Subnet "
            "resource is filtered when a SubnetNetworkSecurityGroupAssociation's subnetId depends on it.",
            "Associate a network security group with the subnet.",
            "Network",
        ),
        (SUBNET, VNET, CLASSIC_SUBNET, CLASSIC_VNET, CLASSIC_ASSOCIATION),
        _subnet_nsg,
    ),
    resource_policy(
        Rule(
            "ml-net-04",
            "Google Cloud subnets: Private Google Access and flow logs",
            "Google Cloud subnets turn on Private Google Access and VPC flow logs.",
            Severity.MEDIUM,
            ("CKV_GCP_74", "CKV_GCP_26", "GCP-0075", "GCP-0076", "GCP-0029"),
            "privateIpGoogleAccess absent means off; logConfig absent means no flow logs.",
            "Set privateIpGoogleAccess: true and a logConfig.",
            "Network",
        ),
        (GCP_SUBNET,),
        _gcp_subnet,
    ),
]

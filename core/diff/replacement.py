"""Which input changes make a provider replace a resource, where a rule can be cited.

Offline there is no provider to ask: ``pulumi preview`` learns replacements from the provider's own diff. A change
is called a replacement here only when a rule below says so, each with the source it was read from; any other
change is an update whose replacement is not known offline. Never a guess.

Sources, as read:

- ``AZURE_NATIVE``: pulumi/pulumi-azure-native ``provider/pkg/gen/replacement.go`` (``forceNewMap``, commit
  1b7112af), the properties the provider marks as forcing a new resource.
- ``ARM_LOCATION``: Azure's OpenAPI rule LocationMustHaveXmsMutability (ARM guideline RPC-Put-V1-14): a tracked
  resource's ``location`` "is set once and non-updatable", and pulumi-azure-native replaces on create-only
  (``x-ms-mutability`` read/create) properties (the same file: "covered by x-ms-mutability").
- ``GKE_NODE_POOL``: hashicorp/terraform-provider-google ``google/services/container/resource_container_node_pool.go``
  (commit 069a33d4), which pulumi-gcp bridges: the ``ForceNew`` fields of ``google_container_node_pool``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AZURE_NATIVE = "pulumi-azure-native provider/pkg/gen/replacement.go (forceNewMap)"
ARM_LOCATION = "ARM: a tracked resource's location is create-only (RPC-Put-V1-14); azure-native replaces on it"
GKE_NODE_POOL = "terraform-provider-google resource_container_node_pool.go (ForceNew), bridged by pulumi-gcp"


@dataclass(frozen=True)
class Rule:
    types: re.Pattern[str]
    paths: tuple[str, ...]
    """Input paths (``networkProfile.podCidr``); a change at or below one of them replaces the resource."""
    source: str


def _azure(module: str, resource: str) -> re.Pattern[str]:
    return re.compile(rf"^azure-native:{module}(/v\w+)?:{resource}$")


RULES: tuple[Rule, ...] = (
    Rule(
        _azure("containerservice", "AgentPool"),
        ("vmSize", "gpuInstanceProfile", "networkProfile.nodePublicIPTags"),
        AZURE_NATIVE,
    ),
    Rule(
        _azure("containerservice", "ManagedCluster"),
        (
            "diskEncryptionSetID",
            "dnsPrefix",
            "fqdnSubdomain",
            "linuxProfile",
            "location",
            "nodeResourceGroup",
            "windowsProfile",
            "networkProfile.serviceCidr",
            "networkProfile.serviceCidrs",
            "networkProfile.dnsServiceIP",
            "networkProfile.networkMode",
            "networkProfile.networkPlugin",
            "networkProfile.networkPluginMode",
            "networkProfile.podCidr",
            "networkProfile.networkDataplane",
            "networkProfile.networkPolicy",
            "networkProfile.outboundType",
        ),
        AZURE_NATIVE,
    ),
    Rule(_azure("authorization", "RoleAssignment"), ("principalId", "scope"), AZURE_NATIVE),
    Rule(_azure("network", "PrivateEndpoint"), ("subnet",), AZURE_NATIVE),
    Rule(
        _azure("network", "PublicIPAddress"),
        ("location", "publicIPAddressVersion", "publicIPPrefix", "sku"),
        AZURE_NATIVE,
    ),
    Rule(_azure("network", "VirtualNetwork"), ("location",), AZURE_NATIVE),
    Rule(_azure("resources", "ResourceGroup"), ("location",), AZURE_NATIVE),
    Rule(_azure("storage", "StorageAccount"), ("isHnsEnabled", "location"), AZURE_NATIVE),
    Rule(re.compile(r"^azure-native:[^:]+:[^:]+$"), ("location",), ARM_LOCATION),
    Rule(
        re.compile(r"^gcp:container/nodePool:NodePool$"),
        (
            "name",
            "namePrefix",
            "project",
            "cluster",
            "location",
            "initialNodeCount",
            "maxPodsPerNode",
            "placementPolicy",
            "queuedProvisioning",
            "networkConfig.createPodRange",
            "networkConfig.podRange",
            "networkConfig.podIpv4CidrBlock",
            "networkConfig.subnetwork",
        ),
        GKE_NODE_POOL,
    ),
)


def replacing_rule(resource_type: str, path: str) -> str | None:
    """The source of the rule that makes a change at ``path`` replace a ``resource_type``, or None when offline
    nothing says it does."""
    bare = re.sub(r"\[[^]]*\]", "", path)
    for rule in RULES:
        if rule.types.match(resource_type) and any(bare == p or bare.startswith(p + ".") for p in rule.paths):
            return rule.source
    return None

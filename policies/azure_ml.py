"""Azure ML workspaces, compute and online endpoints (catalogue rows 49-56): azure-native machinelearningservices
resources and the classic ``pulumi-azure`` machinelearning Workspace, ComputeCluster and ComputeInstance."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.policies._support import (
    Field,
    Rule,
    Shape,
    azure_type,
    classic_type,
    inverted,
    is_set,
    path,
    resource_policy,
    switched_on,
    types_of,
    view_of,
)

WORKSPACE = azure_type("machinelearningservices", "Workspace")
COMPUTE = azure_type("machinelearningservices", "Compute")
ONLINE_ENDPOINT = azure_type("machinelearningservices", "OnlineEndpoint")
CLASSIC_WORKSPACE = classic_type("machinelearning", "Workspace")
CLASSIC_CLUSTER = classic_type("machinelearning", "ComputeCluster")
CLASSIC_INSTANCE = classic_type("machinelearning", "ComputeInstance")
TOKEN_AUTH_MODES = ("AADToken", "AMLToken")
CLASSIC_SDK = "pulumi_azure.machinelearning"

WORKSPACES = (
    Shape(
        "azure-native",
        (WORKSPACE,),
        {
            "public_network_access": Field(("publicNetworkAccess",), "Enabled"),
            "public_behind_vnet": Field(("allowPublicAccessWhenBehindVnet",), False),
            "encryption": Field(("encryption", "status"), False, means=lambda status: status == "Enabled"),
            "key": Field(("encryption", "keyVaultProperties", "keyIdentifier")),
            "key_vault": Field(("encryption", "keyVaultProperties", "keyVaultArmId")),
            "isolation": Field(("managedNetwork", "isolationMode"), "Disabled"),
            "identity": Field(("identity", "type"), "None"),
        },
    ),
    Shape(
        "azure",
        (CLASSIC_WORKSPACE,),
        {
            "public_network_access": Field(
                ("publicNetworkAccessEnabled",),
                True,
                f"{CLASSIC_SDK}:WorkspaceArgs.public_network_access_enabled",
                "Defaults to `true`.",
            ),
            "public_behind_vnet": Field(("publicAccessBehindVirtualNetworkEnabled",), False),
            "encryption": Field(("encryption",), False, means=is_set),
            "key": Field(("encryption", "keyId")),
            "key_vault": Field(("encryption", "keyVaultId")),
            "isolation": Field(("managedNetwork", "isolationMode"), "Disabled"),
            "identity": Field(("identity", "type"), "None"),
        },
    ),
)
COMPUTES = (
    Shape(
        "azure-native",
        (COMPUTE,),
        {
            "local_auth": Field(("properties", "disableLocalAuth"), True, means=inverted),
            "subnet": Field(("properties", "properties", "subnet")),
            "public_ip": Field(("properties", "properties", "enableNodePublicIp"), True),
        },
    ),
    Shape(
        "azure",
        (CLASSIC_CLUSTER, CLASSIC_INSTANCE),
        {
            "local_auth": Field(
                ("localAuthEnabled",),
                True,
                f"{CLASSIC_SDK}:ComputeClusterArgs.local_auth_enabled",
                "Defaults to `true`.",
            ),
            "subnet": Field(("subnetResourceId",)),
            "public_ip": Field(
                ("nodePublicIpEnabled",),
                True,
                f"{CLASSIC_SDK}:ComputeInstanceArgs.node_public_ip_enabled",
                "Defaults to `true`.",
            ),
        },
    ),
)
WORKSPACE_TYPES = types_of(*WORKSPACES)
COMPUTE_TYPES = types_of(*COMPUTES)


def _workspace_private(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    workspace = view_of(WORKSPACES, args)
    # Absent fails: the workspace would be reachable from the internet (Azure Policy treats it so too).
    if switched_on(workspace["public_network_access"]):
        yield f"public network access is enabled ({workspace.path('public_network_access')} absent or enabled)"
    if workspace["public_behind_vnet"] is True:
        yield f"{workspace.path('public_behind_vnet')} re-opens the workspace to the internet"


def _workspace_cmk(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    workspace = view_of(WORKSPACES, args)
    if workspace["encryption"] is not True or not workspace.has("key") or not workspace.has("key_vault"):
        yield "the workspace is not encrypted with a customer-managed key (encryption is absent or incomplete)"


def _isolation(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    mode = view_of(WORKSPACES, args)["isolation"]
    if mode != "AllowOnlyApprovedOutbound":
        yield f"managed network isolation is {mode}: jobs may send data anywhere"


def _local_auth_allowed(args: ResourceValidationArgs) -> bool:
    compute = view_of(COMPUTES, args)
    # azure-native says disableLocalAuth, the classic provider localAuthEnabled: absent allows it on both.
    value = compute["local_auth"]
    return (
        value is not False
        if compute.shape.provider == "azure"
        else path(args.props, "properties", "disableLocalAuth") is not True
    )


def _compute_local_auth(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if _local_auth_allowed(args):
        yield "compute allows local authentication (SSH keys, passwords); absent means allowed"


def _compute_private(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    compute = view_of(COMPUTES, args)
    if not compute.has("subnet"):
        yield "compute is not placed in a virtual network subnet"
    # Absent means public IPs on the nodes.
    if compute["public_ip"] is not False:
        yield f"compute nodes get public IP addresses ({compute.path('public_ip')} absent or true)"


def _online_endpoint(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    properties = args.props.get("properties")
    if path(properties, "publicNetworkAccess") != "Disabled":
        yield "the online endpoint is reachable from the internet (publicNetworkAccess absent or Enabled)"
    mode = path(properties, "authMode")
    if mode not in TOKEN_AUTH_MODES:
        yield f"auth mode {mode or 'absent (Key)'} uses long-lived keys, kept in state; use AADToken or AMLToken"


def _identity(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    identity_type = str(view_of(WORKSPACES, args)["identity"])
    if "userassigned" not in identity_type.lower().replace(" ", ""):
        yield "the workspace has no user-assigned identity: its permissions cannot exist before it does"


POLICIES = [
    resource_policy(
        Rule(
            "ml-aml-01",
            "Azure ML workspace private",
            "Azure ML workspaces disable public network access.",
            Severity.HIGH,
            ("CKV_AZURE_144", "CKV2_AZURE_49", "AzP:438c38d2-3772-465a-a9cc-7a6666a275ce"),
            "publicNetworkAccess absent fails (the service default is public).",
            "Set publicNetworkAccess to Disabled and reach the workspace through private endpoints.",
            "Azure ML",
        ),
        WORKSPACE_TYPES,
        _workspace_private,
    ),
    resource_policy(
        Rule(
            "ml-aml-02",
            "Azure ML workspace customer-managed key",
            "Azure ML workspaces encrypt with a customer-managed key.",
            Severity.HIGH,
            ("AzP:ba769a63-b8cc-4b2d-abf6-ac33c7204be8",),
            "encryption absent means Microsoft-managed keys (and it can only be set at creation).",
            "Set encryption.status Enabled with keyVaultProperties.keyIdentifier and keyVaultArmId.",
            "Azure ML",
        ),
        WORKSPACE_TYPES,
        _workspace_cmk,
    ),
    resource_policy(
        Rule(
            "ml-aml-03",
            "Azure ML managed network isolation",
            "Azure ML workspaces allow only approved outbound traffic from managed compute.",
            Severity.MEDIUM,
            ("AzP:6ddb1705-c8cf-450e-aa4b-19ad6703c440",),
            "managedNetwork absent means no isolation.",
            "Set managedNetwork.isolationMode to AllowOnlyApprovedOutbound.",
            "Azure ML",
        ),
        WORKSPACE_TYPES,
        _isolation,
    ),
    resource_policy(
        Rule(
            "ml-aml-04",
            "Azure ML compute local auth disabled",
            "Azure ML compute disables local authentication.",
            Severity.HIGH,
            ("CKV_AZURE_142", "AzP:e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f"),
            "properties.disableLocalAuth absent means local auth allowed.",
            "Set properties.disableLocalAuth to true.",
            "Azure ML",
        ),
        COMPUTE_TYPES,
        _compute_local_auth,
    ),
    resource_policy(
        Rule(
            "ml-aml-05",
            "Azure ML compute in a virtual network",
            "Azure ML compute runs in a virtual network subnet without node public IPs.",
            Severity.HIGH,
            ("AzP:7804b5c7-01dc-4723-969b-ae300cc07ff1",),
            "subnet absent means no VNet; enableNodePublicIp absent means public IPs.",
            "Set properties.properties.subnet and enableNodePublicIp: false.",
            "Azure ML",
        ),
        COMPUTE_TYPES,
        _compute_private,
    ),
    resource_policy(
        Rule(
            "ml-aml-06",
            "Azure ML online endpoint private with token auth",
            "Online endpoints disable public network access and authenticate with Entra ID or Azure ML tokens.",
            Severity.HIGH,
            ("AzP:45e05259-1eb5-4f70-9574-baf73e9d219b", "custom:serving-surface"),
            "publicNetworkAccess absent means public; authMode absent means key authentication.",
            "Set properties.publicNetworkAccess Disabled and properties.authMode AADToken.",
            "Azure ML",
        ),
        (ONLINE_ENDPOINT,),
        _online_endpoint,
    ),
    resource_policy(
        Rule(
            "ml-aml-07",
            "Azure ML workspace user-assigned identity",
            "Azure ML workspaces use a user-assigned identity, created and granted before the workspace.",
            Severity.LOW,
            ("AzP:5f0c7d88-c7de-45b8-ac49-db49e72eaa78",),
            "identity absent means none.",
            "Give the workspace a user-assigned identity and set primaryUserAssignedIdentity.",
            "Azure ML",
        ),
        WORKSPACE_TYPES,
        _identity,
    ),
]

"""Azure ML workspaces, compute and online endpoints (catalogue rows 49-56)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.policies._support import Rule, azure_type, has, path, resource_policy

WORKSPACE = azure_type("machinelearningservices", "Workspace")
COMPUTE = azure_type("machinelearningservices", "Compute")
ONLINE_ENDPOINT = azure_type("machinelearningservices", "OnlineEndpoint")
TOKEN_AUTH_MODES = ("AADToken", "AMLToken")


def _workspace_private(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    # Absent fails: the workspace would be reachable from the internet (Azure Policy treats it so too).
    if args.props.get("publicNetworkAccess") != "Disabled":
        yield f"public network access is {args.props.get('publicNetworkAccess') or 'absent (enabled)'}"
    if args.props.get("allowPublicAccessWhenBehindVnet") is True:
        yield "allowPublicAccessWhenBehindVnet re-opens the workspace to the internet"


def _workspace_cmk(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    encryption = args.props.get("encryption")
    key = path(encryption, "keyVaultProperties")
    if path(encryption, "status") != "Enabled" or not has(key, "keyIdentifier") or not has(key, "keyVaultArmId"):
        yield "the workspace is not encrypted with a customer-managed key (encryption is absent or incomplete)"


def _isolation(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    mode = path(args.props, "managedNetwork", "isolationMode")
    if mode != "AllowOnlyApprovedOutbound":
        yield f"managed network isolation is {mode or 'absent (disabled)'}: jobs may send data anywhere"


def _compute_local_auth(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if path(args.props, "properties", "disableLocalAuth") is not True:
        yield "compute allows local authentication (SSH keys, passwords); absent means allowed"


def _compute_private(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    inner = path(args.props, "properties", "properties")
    if not has(inner, "subnet"):
        yield "compute is not placed in a virtual network subnet"
    # Absent means public IPs on the nodes.
    if path(inner, "enableNodePublicIp") is not False:
        yield "compute nodes get public IP addresses (enableNodePublicIp absent or true)"


def _online_endpoint(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    properties = args.props.get("properties")
    if path(properties, "publicNetworkAccess") != "Disabled":
        yield "the online endpoint is reachable from the internet (publicNetworkAccess absent or Enabled)"
    mode = path(properties, "authMode")
    if mode not in TOKEN_AUTH_MODES:
        yield f"auth mode {mode or 'absent (Key)'} uses long-lived keys, kept in state; use AADToken or AMLToken"


def _identity(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    identity_type = str(path(args.props, "identity", "type") or "")
    if "UserAssigned" not in identity_type:
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
        (WORKSPACE,),
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
        (WORKSPACE,),
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
        (WORKSPACE,),
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
        (COMPUTE,),
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
        (COMPUTE,),
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
        (WORKSPACE,),
        _identity,
    ),
]

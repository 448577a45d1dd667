"""Key Vaults and keys (catalogue rows 37-43). Any ``azure-native`` vault or key, not only aiscale's."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.core import rules
from aiscale.policies._support import Rule, azure_type, config_number, items, path, resource_policy

VAULT = azure_type("keyvault", "Vault")
KEY = azure_type("keyvault", "Key")

_ISO_DAYS = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


def iso_duration_days(value: str) -> float | None:
    """Days in an ISO 8601 date duration (``P90D``, ``P1Y``, ``P3M``); None when not such a duration."""
    match = _ISO_DAYS.fullmatch(value.strip().upper())
    if not match or not any(match.groups()):
        return None
    years, months, days = (int(part or 0) for part in match.groups())
    return years * 365 + months * 30 + days


def _purge_protection(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if path(args.props, "properties", "enablePurgeProtection") is not True:
        yield "purge protection is off (absent means off): a deleted vault and its keys could be purged for good"


def _soft_delete(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    # Absent passes: soft delete is the platform default and cannot be turned off on new vaults.
    if path(args.props, "properties", "enableSoftDelete") is False:
        yield "soft delete is disabled"


def _network(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    access = str(path(args.props, "properties", "publicNetworkAccess") or "Enabled")
    default_action = str(path(args.props, "properties", "networkAcls", "defaultAction") or "Allow")
    # Absent means public access enabled and a firewall that allows everything.
    if access.lower() != "disabled" and default_action.lower() != "deny":
        yield "the vault is reachable from any network: disable public network access or deny by default"


def _rbac(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if path(args.props, "properties", "enableRbacAuthorization") is not True:
        yield "the vault uses access policies; enable RBAC authorization"


def _key_rotation(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    max_days = config_number(config, "maxRotationDays", KEY_ROTATION)
    actions = items(path(args.props, "properties", "rotationPolicy", "lifetimeActions"))
    rotate_days = [
        iso_duration_days(str(path(action, "trigger", "timeAfterCreate") or ""))
        for action in actions
        if str(path(action, "action", "type") or "").lower() == "rotate"
    ]
    known = [days for days in rotate_days if days is not None]
    # Absent rotation policy: the key is never rotated.
    problem = rules.key_rotation_problem(min(known) if known else None, max_days)
    if problem:
        yield f"key {args.name}: {problem}"


def _hsm(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    kty = str(path(args.props, "properties", "kty") or "")
    if kty not in ("RSA-HSM", "EC-HSM"):
        yield f"key type {kty or 'absent'} is software-protected; use RSA-HSM or EC-HSM (premium vault)"


KEY_ROTATION = Rule(
    "ml-keyvault-05",
    "Key Vault key rotation",
    "Key Vault keys have a rotation policy that rotates at least every maxRotationDays days.",
    Severity.HIGH,
    (
        "CKV_AZURE_40",
        "AzP:d8cf8476-a2ec-4916-896e-992351803c44",
        "AzP:152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0",
        "AZU-0014",
    ),
    "No rotation policy means the key is never rotated.",
    "Add a rotationPolicy lifetime action of type rotate with timeAfterCreate P90D or less.",
    "Key Vault",
    {"maxRotationDays": {"type": "number", "minimum": 1, "default": rules.MAX_KEY_ROTATION_DAYS}},
)

POLICIES = [
    resource_policy(
        Rule(
            "ml-keyvault-01",
            "Key Vault purge protection",
            "Key Vaults have purge protection on (required for customer-managed keys).",
            Severity.HIGH,
            ("CKV_AZURE_110", "CKV_AZURE_42", "AzP:0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", "AZU-0016"),
            "properties.enablePurgeProtection absent means off.",
            "Set properties.enablePurgeProtection to true (it cannot be turned off again).",
            "Key Vault",
        ),
        (VAULT,),
        _purge_protection,
    ),
    resource_policy(
        Rule(
            "ml-keyvault-02",
            "Key Vault soft delete",
            "Key Vaults keep soft delete on.",
            Severity.MEDIUM,
            ("CKV_AZURE_111", "AzP:1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d"),
            "properties.enableSoftDelete absent passes (the platform default); only false fails.",
            "Remove enableSoftDelete: false.",
            "Key Vault",
        ),
        (VAULT,),
        _soft_delete,
    ),
    resource_policy(
        Rule(
            "ml-keyvault-03",
            "Key Vault network access restricted",
            "Key Vaults disable public network access or deny network traffic by default.",
            Severity.CRITICAL,
            ("CKV_AZURE_189", "CKV_AZURE_109", "AzP:405c5871-3e91-4644-8a63-58e19d68ff5b", "AZU-0013"),
            "Both absent mean public access with an allow-all firewall.",
            "Set properties.publicNetworkAccess to Disabled and reach the vault by private endpoint.",
            "Key Vault",
        ),
        (VAULT,),
        _network,
    ),
    resource_policy(
        Rule(
            "ml-keyvault-04",
            "Key Vault RBAC authorization",
            "Key Vaults use Azure RBAC instead of access policies.",
            Severity.MEDIUM,
            ("AzP:12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",),
            "properties.enableRbacAuthorization absent means access policies.",
            "Set properties.enableRbacAuthorization to true and grant key roles by role assignment.",
            "Key Vault",
        ),
        (VAULT,),
        _rbac,
    ),
    resource_policy(KEY_ROTATION, (KEY,), _key_rotation),
    resource_policy(
        Rule(
            "ml-keyvault-06",
            "Key Vault HSM-backed keys",
            "Key Vault keys are HSM-protected (RSA-HSM or EC-HSM).",
            Severity.MEDIUM,
            ("CKV_AZURE_112", "AzP:587c79fe-dd04-4a5e-9d0b-f89598c7261b"),
            "properties.kty absent fails (the key type is required).",
            "Use key type RSA-HSM or EC-HSM in a premium vault.",
            "Key Vault",
        ),
        (KEY,),
        _hsm,
    ),
]

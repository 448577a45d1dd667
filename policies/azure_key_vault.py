"""Key Vaults and keys (catalogue rows 37-43): any ``azure-native`` Vault or Key and the classic ``pulumi-azure``
KeyVault or Key, each read through its provider's :class:`~aiscale.policies._support.Shape`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.core import rules
from aiscale.policies._support import (
    Field,
    Rule,
    Shape,
    azure_type,
    classic_type,
    config_number,
    is_set,
    items,
    path,
    resource_policy,
    switched_on,
    types_of,
    view_of,
)

VAULT = azure_type("keyvault", "Vault")
KEY = azure_type("keyvault", "Key")
CLASSIC_VAULT = classic_type("keyvault", "KeyVault")
CLASSIC_KEY = classic_type("keyvault", "Key")
NATIVE_SDK = "pulumi_azure_native.keyvault"
CLASSIC_SDK = "pulumi_azure.keyvault"

VAULTS = (
    Shape(
        "azure-native",
        (VAULT,),
        {
            "purge_protection": Field(("properties", "enablePurgeProtection"), False),
            "soft_delete": Field(
                ("properties", "enableSoftDelete"),
                True,
                f"{NATIVE_SDK}:VaultPropertiesArgs.enable_soft_delete",
                "it will be set to true by default",
            ),
            "public_network_access": Field(("properties", "publicNetworkAccess"), "Enabled"),
            "default_action": Field(("properties", "networkAcls", "defaultAction"), "Allow"),
            "rbac": Field(
                ("properties", "enableRbacAuthorization"),
                False,
                f"{NATIVE_SDK}:VaultPropertiesArgs.enable_rbac_authorization",
                "the vault is created with the default value of false",
            ),
        },
    ),
    Shape(
        "azure",
        (CLASSIC_VAULT,),
        {
            "purge_protection": Field(("purgeProtectionEnabled",), False),
            # The v6 provider has no switch: soft delete is always on.
            "soft_delete": Field(("softDeleteRetentionDays",), True, means=is_set),
            "public_network_access": Field(
                ("publicNetworkAccessEnabled",),
                True,
                f"{CLASSIC_SDK}:KeyVaultArgs.public_network_access_enabled",
                "Defaults to `true`.",
            ),
            "default_action": Field(("networkAcls", "defaultAction"), "Allow"),
            "rbac": Field(
                ("rbacAuthorizationEnabled",),
                False,
                f"{CLASSIC_SDK}:KeyVaultArgs.rbac_authorization_enabled",
                "Defaults to `false`.",
            ),
            # The deprecated spelling of the same switch.
            "rbac_deprecated": Field(("enableRbacAuthorization",), False),
        },
    ),
)
KEYS = (
    Shape(
        "azure-native",
        (KEY,),
        {
            "key_type": Field(("properties", "kty")),
            "lifetime_actions": Field(("properties", "rotationPolicy", "lifetimeActions")),
            "expiry": Field(("properties", "rotationPolicy", "attributes", "expiryTime")),
        },
    ),
    Shape(
        "azure",
        (CLASSIC_KEY,),
        {
            "key_type": Field(("keyType",)),
            "rotate_after_create": Field(("rotationPolicy", "automatic", "timeAfterCreation")),
            "rotate_before_expiry": Field(("rotationPolicy", "automatic", "timeBeforeExpiry")),
            "expiry": Field(("rotationPolicy", "expireAfter")),
        },
    ),
)
VAULT_TYPES = types_of(*VAULTS)
KEY_TYPES = types_of(*KEYS)

_ISO_DAYS = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


def iso_duration_days(value: str) -> float | None:
    """Days in an ISO 8601 date duration (``P90D``, ``P1Y``, ``P3M``); None when not such a duration."""
    match = _ISO_DAYS.fullmatch(value.strip().upper())
    if not match or not any(match.groups()):
        return None
    years, months, days = (int(part or 0) for part in match.groups())
    return years * 365 + months * 30 + days


def _days(value: Any) -> float | None:
    return iso_duration_days(str(value)) if value is not None else None


def rotation_days(args: ResourceValidationArgs) -> float | None:
    """How often a key rotates, in days: after creation, or its lifetime less the rotation before expiry."""
    key = view_of(KEYS, args)
    expiry = _days(key["expiry"])
    if key.shape.provider == "azure":
        after = [_days(key["rotate_after_create"])]
        before = [_days(key["rotate_before_expiry"])]
    else:
        rotate = [a for a in items(key["lifetime_actions"]) if str(path(a, "action", "type") or "").lower() == "rotate"]
        after = [_days(path(a, "trigger", "timeAfterCreate")) for a in rotate]
        before = [_days(path(a, "trigger", "timeBeforeExpiry")) for a in rotate]
    periods = [d for d in after if d is not None]
    if expiry is not None:
        periods += [expiry - d for d in before if d is not None]
    return min(periods) if periods else None


def _purge_protection(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if view_of(VAULTS, args)["purge_protection"] is not True:
        yield "purge protection is off (absent means off): a deleted vault and its keys could be purged for good"


def _soft_delete(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    # Absent passes: soft delete is the platform default and cannot be turned off on new vaults.
    if view_of(VAULTS, args)["soft_delete"] is False:
        yield "soft delete is disabled"


def _network(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    vault = view_of(VAULTS, args)
    # Absent means public access enabled and a firewall that allows everything.
    if switched_on(vault["public_network_access"]) and str(vault["default_action"]).lower() != "deny":
        yield "the vault is reachable from any network: disable public network access or deny by default"


def _rbac(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    vault = view_of(VAULTS, args)
    if vault["rbac"] is not True and not (vault.has("rbac_deprecated") and vault["rbac_deprecated"] is True):
        yield "the vault uses access policies; enable RBAC authorization"


def _key_rotation(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    max_days = config_number(config, "maxRotationDays", KEY_ROTATION)
    # No rotation policy: the key is never rotated.
    problem = rules.key_rotation_problem(rotation_days(args), max_days)
    if problem:
        yield f"key {args.name}: {problem}"


def _hsm(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    kty = str(view_of(KEYS, args)["key_type"] or "")
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
    "No rotation policy means the key is never rotated; the period is the rotation after creation, or the key's "
    "lifetime less the rotation before expiry (classic rotationPolicy.automatic).",
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
            "properties.enablePurgeProtection (classic purgeProtectionEnabled) absent means off.",
            "Set properties.enablePurgeProtection to true (it cannot be turned off again).",
            "Key Vault",
        ),
        VAULT_TYPES,
        _purge_protection,
    ),
    resource_policy(
        Rule(
            "ml-keyvault-02",
            "Key Vault soft delete",
            "Key Vaults keep soft delete on.",
            Severity.MEDIUM,
            ("CKV_AZURE_111", "AzP:1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d"),
            "properties.enableSoftDelete absent passes (set to true by default); only false fails. Classic vaults "
            "always soft-delete.",
            "Remove enableSoftDelete: false.",
            "Key Vault",
        ),
        VAULT_TYPES,
        _soft_delete,
    ),
    resource_policy(
        Rule(
            "ml-keyvault-03",
            "Key Vault network access restricted",
            "Key Vaults disable public network access or deny network traffic by default.",
            Severity.CRITICAL,
            ("CKV_AZURE_189", "CKV_AZURE_109", "AzP:405c5871-3e91-4644-8a63-58e19d68ff5b", "AZU-0013"),
            "Public network access absent means enabled (classic publicNetworkAccessEnabled defaults to true) and "
            "networkAcls absent means a firewall that allows everything.",
            "Set properties.publicNetworkAccess to Disabled and reach the vault by private endpoint.",
            "Key Vault",
        ),
        VAULT_TYPES,
        _network,
    ),
    resource_policy(
        Rule(
            "ml-keyvault-04",
            "Key Vault RBAC authorization",
            "Key Vaults use Azure RBAC instead of access policies.",
            Severity.MEDIUM,
            ("AzP:12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",),
            "properties.enableRbacAuthorization (classic rbacAuthorizationEnabled) absent means access policies.",
            "Set properties.enableRbacAuthorization to true and grant key roles by role assignment.",
            "Key Vault",
        ),
        VAULT_TYPES,
        _rbac,
    ),
    resource_policy(KEY_ROTATION, KEY_TYPES, _key_rotation),
    resource_policy(
        Rule(
            "ml-keyvault-06",
            "Key Vault HSM-backed keys",
            "Key Vault keys are HSM-protected (RSA-HSM or EC-HSM).",
            Severity.MEDIUM,
            ("CKV_AZURE_112", "AzP:587c79fe-dd04-4a5e-9d0b-f89598c7261b"),
            "properties.kty (classic keyType) absent fails (the key type is required).",
            "Use key type RSA-HSM or EC-HSM in a premium vault.",
            "Key Vault",
        ),
        KEY_TYPES,
        _hsm,
    ),
]

"""Key Vault policies (catalogue rows 37-42). They apply to any ``azure-native`` vault or key, not only ours."""

from __future__ import annotations

import re

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from aiscale.core import rules
from aiscale.policies._support import CATALOGUE_URL, azure_type, config_number, matches, path

VAULT = azure_type("keyvault", "Vault")
KEY = azure_type("keyvault", "Key")


def _purge_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if matches(args, VAULT) and path(args.props, "properties", "enablePurgeProtection") is not True:
        # Absent means the ARM default: purge protection off.
        report("purge protection is off: a deleted vault and its keys could be purged for good", None)


def _soft_delete(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if matches(args, VAULT) and path(args.props, "properties", "enableSoftDelete") is False:
        # Absent passes: soft delete is the platform default and cannot be turned off on new vaults.
        report("soft delete is disabled", None)


def _network(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not matches(args, VAULT):
        return
    access = str(path(args.props, "properties", "publicNetworkAccess") or "Enabled")
    default_action = str(path(args.props, "properties", "networkAcls", "defaultAction") or "Allow")
    # Absent means public access enabled and a firewall that allows everything.
    if access.lower() != "disabled" and default_action.lower() != "deny":
        report("the vault is reachable from any network: disable public network access or deny by default", None)


def _rbac(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if matches(args, VAULT) and path(args.props, "properties", "enableRbacAuthorization") is not True:
        report("the vault uses access policies; enable RBAC authorization", None)


_ISO_DAYS = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


def iso_duration_days(value: str) -> float | None:
    """Days in an ISO 8601 date duration (``P90D``, ``P1Y``, ``P3M``); None when not such a duration."""
    match = _ISO_DAYS.fullmatch(value.strip().upper())
    if not match or not any(match.groups()):
        return None
    years, months, days = (int(part or 0) for part in match.groups())
    return years * 365 + months * 30 + days


def _key_rotation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not matches(args, KEY):
        return
    max_days = config_number(args, "maxRotationDays", rules.MAX_KEY_ROTATION_DAYS)
    actions = path(args.props, "properties", "rotationPolicy", "lifetimeActions") or []
    rotate_days = [
        iso_duration_days(str(path(action, "trigger", "timeAfterCreate") or ""))
        for action in actions
        if str(path(action, "action", "type") or "").lower() == "rotate"
    ]
    known = [days for days in rotate_days if days is not None]
    # Absent rotation policy: the key is never rotated.
    problem = rules.key_rotation_problem(min(known) if known else None, max_days)
    if problem:
        report(f"key {args.name}: {problem}", None)


POLICIES = [
    ResourceValidationPolicy(
        name="ml-keyvault-01",
        display_name="Key Vault purge protection",
        description="Key Vaults have purge protection on (required for customer-managed keys).",
        validate=_purge_protection,
        severity=Severity.HIGH,
        tags=["azure", "keyvault", "CKV_AZURE_110", "AzP:0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", "AZU-0016"],
        remediation_steps="Set properties.enablePurgeProtection to true (it cannot be turned off again).",
        url=CATALOGUE_URL.format(policy="ml-keyvault-01"),
    ),
    ResourceValidationPolicy(
        name="ml-keyvault-02",
        display_name="Key Vault soft delete",
        description="Key Vaults keep soft delete on.",
        validate=_soft_delete,
        severity=Severity.MEDIUM,
        tags=["azure", "keyvault", "CKV_AZURE_111", "AzP:1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d"],
        remediation_steps="Remove enableSoftDelete: false.",
        url=CATALOGUE_URL.format(policy="ml-keyvault-02"),
    ),
    ResourceValidationPolicy(
        name="ml-keyvault-03",
        display_name="Key Vault network access restricted",
        description="Key Vaults disable public network access or deny network traffic by default.",
        validate=_network,
        severity=Severity.CRITICAL,
        tags=[
            "azure",
            "keyvault",
            "CKV_AZURE_189",
            "CKV_AZURE_109",
            "AzP:405c5871-3e91-4644-8a63-58e19d68ff5b",
            "AZU-0013",
        ],
        remediation_steps="Set properties.publicNetworkAccess to Disabled and reach the vault by private endpoint.",
        url=CATALOGUE_URL.format(policy="ml-keyvault-03"),
    ),
    ResourceValidationPolicy(
        name="ml-keyvault-04",
        display_name="Key Vault RBAC authorization",
        description="Key Vaults use Azure RBAC instead of access policies.",
        validate=_rbac,
        severity=Severity.MEDIUM,
        tags=["azure", "keyvault", "AzP:12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5"],
        remediation_steps="Set properties.enableRbacAuthorization to true and grant key roles by role assignment.",
        url=CATALOGUE_URL.format(policy="ml-keyvault-04"),
    ),
    ResourceValidationPolicy(
        name="ml-keyvault-05",
        display_name="Key Vault key rotation",
        description="Key Vault keys have a rotation policy that rotates at least every maxRotationDays days.",
        validate=_key_rotation,
        severity=Severity.HIGH,
        config_schema=PolicyConfigSchema(
            properties={"maxRotationDays": {"type": "number", "minimum": 1, "default": rules.MAX_KEY_ROTATION_DAYS}}
        ),
        tags=["azure", "keyvault", "CKV_AZURE_40", "AzP:d8cf8476-a2ec-4916-896e-992351803c44", "AZU-0014"],
        remediation_steps="Add a rotationPolicy lifetime action of type rotate with timeAfterCreate P90D or less.",
        url=CATALOGUE_URL.format(policy="ml-keyvault-05"),
    ),
]

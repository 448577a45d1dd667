"""Storage accounts, container registries and Cloud Storage buckets (catalogue rows 65-67)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.policies._support import Rule, azure_type, resource_policy

STORAGE_ACCOUNT = azure_type("storage", "StorageAccount")
REGISTRY = azure_type("containerregistry", "Registry")
BUCKET = "gcp:storage/bucket:Bucket"


def _registry(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    props = args.props
    if props.get("adminUserEnabled") is True:
        yield "the admin user is enabled (a shared password)"
    if props.get("anonymousPullEnabled") is True:
        yield "anonymous pull is enabled"
    # Absent means public network access enabled.
    if props.get("publicNetworkAccess") != "Disabled":
        yield f"public network access is {props.get('publicNetworkAccess') or 'absent (enabled)'}"


def _storage_account(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    props = args.props
    # allowBlobPublicAccess absent: allowed on accounts created by older API versions; treat as allowed.
    if props.get("allowBlobPublicAccess") is not False:
        yield "blob public access is not disabled"
    if props.get("minimumTlsVersion") not in ("TLS1_2", "TLS1_3"):
        yield f"minimum TLS version {props.get('minimumTlsVersion') or 'absent (TLS1_0)'}"
    if props.get("allowSharedKeyAccess") is not False:
        yield "shared key access is allowed (absent means allowed): account keys bypass Entra ID"
    if (
        props.get("publicNetworkAccess") != "Disabled"
        and str((props.get("networkRuleSet") or {}).get("defaultAction") or "Allow") != "Deny"
    ):
        yield "the account is reachable from any network"


def _bucket(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    props = args.props
    if props.get("publicAccessPrevention") != "enforced":
        yield f"public access prevention is {props.get('publicAccessPrevention') or 'absent (inherited)'}"
    if props.get("uniformBucketLevelAccess") is not True:
        yield "uniform bucket-level access is off (object ACLs can make objects public)"


POLICIES = [
    resource_policy(
        Rule(
            "ml-storage-01",
            "Container registry locked down",
            "Container registries have no admin user, no anonymous pull and no public network access.",
            Severity.HIGH,
            (
                "CKV_AZURE_137",
                "CKV_AZURE_138",
                "CKV_AZURE_139",
                "AzP:dc921057-6b28-4fbe-9b83-f7bec05db6c2",
                "AzP:0fdf0491-d080-4575-b627-ad0e843cba0f",
            ),
            "adminUserEnabled and anonymousPullEnabled absent mean off; publicNetworkAccess absent means enabled.",
            "Set adminUserEnabled and anonymousPullEnabled to false and publicNetworkAccess to Disabled (Premium).",
            "Storage",
        ),
        (REGISTRY,),
        _registry,
    ),
    resource_policy(
        Rule(
            "ml-storage-02",
            "Storage account hardened",
            "Storage accounts forbid public blobs and shared keys, require TLS 1.2 and are not open to every network.",
            Severity.HIGH,
            ("CKV_AZURE_59", "CKV_AZURE_190", "CKV_AZURE_44", "CKV2_AZURE_40", "CKV_AZURE_35", "AZU-0011", "AZU-0012"),
            "allowBlobPublicAccess and allowSharedKeyAccess absent mean allowed; minimumTlsVersion absent means TLS 1.0.",
            "Set allowBlobPublicAccess and allowSharedKeyAccess to false, minimumTlsVersion TLS1_2, no public access.",
            "Storage",
        ),
        (STORAGE_ACCOUNT,),
        _storage_account,
    ),
    resource_policy(
        Rule(
            "ml-storage-03",
            "Cloud Storage bucket hardened",
            "Cloud Storage buckets enforce public access prevention and uniform bucket-level access.",
            Severity.HIGH,
            (
                "CKV_GCP_114",
                "CKV_GCP_29",
                "OrgP:storage.publicAccessPrevention",
                "OrgP:storage.uniformBucketLevelAccess",
            ),
            "publicAccessPrevention absent means inherited (possibly public); uniformBucketLevelAccess absent means off.",
            "Set publicAccessPrevention: enforced and uniformBucketLevelAccess: true.",
            "Storage",
        ),
        (BUCKET,),
        _bucket,
    ),
]

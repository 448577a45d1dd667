"""Storage accounts and blob containers (both Azure providers), container registries and Cloud Storage buckets
(catalogue rows 65-67)."""

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
    resource_policy,
    switched_on,
    types_of,
    view_of,
)

STORAGE_ACCOUNT = azure_type("storage", "StorageAccount")
BLOB_CONTAINER = azure_type("storage", "BlobContainer")
CLASSIC_ACCOUNT = classic_type("storage", "Account")
CLASSIC_CONTAINER = classic_type("storage", "Container")
REGISTRY = azure_type("containerregistry", "Registry")
BUCKET = "gcp:storage/bucket:Bucket"
NATIVE_SDK = "pulumi_azure_native.storage"
CLASSIC_SDK = "pulumi_azure.storage"

ACCOUNTS = (
    Shape(
        "azure-native",
        (STORAGE_ACCOUNT,),
        {
            # Accounts created with the SDK's API version (2024-01-01) default to no public blobs.
            "public_blobs": Field(
                ("allowBlobPublicAccess",),
                False,
                f"{NATIVE_SDK}:StorageAccountArgs.allow_blob_public_access",
                "The default interpretation is false for this property.",
            ),
            "minimum_tls": Field(
                ("minimumTlsVersion",),
                "TLS1_0",
                f"{NATIVE_SDK}:StorageAccountArgs.minimum_tls_version",
                "The default interpretation is TLS 1.0 for this property.",
            ),
            "shared_key": Field(
                ("allowSharedKeyAccess",),
                True,
                f"{NATIVE_SDK}:StorageAccountArgs.allow_shared_key_access",
                "The default value is null, which is equivalent to true.",
            ),
            "public_network_access": Field(("publicNetworkAccess",), "Enabled"),
            "default_action": Field(("networkRuleSet", "defaultAction"), "Allow"),
        },
    ),
    Shape(
        "azure",
        (CLASSIC_ACCOUNT,),
        {
            "public_blobs": Field(
                ("allowNestedItemsToBePublic",),
                True,
                f"{CLASSIC_SDK}:AccountArgs.allow_nested_items_to_be_public",
                "Defaults to `true`.",
            ),
            "minimum_tls": Field(
                ("minTlsVersion",),
                "TLS1_2",
                f"{CLASSIC_SDK}:AccountArgs.min_tls_version",
                "Defaults to `TLS1_2` for new storage accounts.",
            ),
            "shared_key": Field(
                ("sharedAccessKeyEnabled",),
                True,
                f"{CLASSIC_SDK}:AccountArgs.shared_access_key_enabled",
                "Defaults to `true`.",
            ),
            "public_network_access": Field(
                ("publicNetworkAccessEnabled",),
                True,
                f"{CLASSIC_SDK}:AccountArgs.public_network_access_enabled",
                "Defaults to `true`.",
            ),
            "default_action": Field(("networkRules", "defaultAction"), "Allow"),
        },
    ),
)
CONTAINERS = (
    Shape("azure-native", (BLOB_CONTAINER,), {"public_access": Field(("publicAccess",), "None")}),
    Shape(
        "azure",
        (CLASSIC_CONTAINER,),
        {
            "public_access": Field(
                ("containerAccessType",),
                "private",
                f"{CLASSIC_SDK}:ContainerArgs.container_access_type",
                "Defaults to `private`.",
            )
        },
    ),
)


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
    account = view_of(ACCOUNTS, args)
    if account["public_blobs"] is not False:
        yield f"blob public access is allowed ({account.path('public_blobs')} absent or true)"
    tls = account["minimum_tls"]
    if tls not in ("TLS1_2", "TLS1_3"):
        yield f"minimum TLS version {tls}" + ("" if account.has("minimum_tls") else " (absent)")
    if account["shared_key"] is not False:
        yield "shared key access is allowed (absent means allowed): account keys bypass Entra ID"
    if switched_on(account["public_network_access"]) and str(account["default_action"]) != "Deny":
        yield "the account is reachable from any network"


def _container(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    level = str(view_of(CONTAINERS, args)["public_access"])
    if level.lower() in ("blob", "container"):
        yield f"anonymous {level.lower()} read access: anyone who knows the URL reads the data"


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
            "azure-native: allowBlobPublicAccess absent means no public blobs (API 2024-01-01 default), "
            "allowSharedKeyAccess absent means allowed, minimumTlsVersion absent means TLS 1.0. Classic: "
            "allowNestedItemsToBePublic and sharedAccessKeyEnabled absent mean allowed, minTlsVersion absent means "
            "TLS 1.2; publicNetworkAccessEnabled absent means enabled.",
            "Set allowBlobPublicAccess and allowSharedKeyAccess to false, minimumTlsVersion TLS1_2, no public access.",
            "Storage",
        ),
        types_of(*ACCOUNTS),
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
    resource_policy(
        Rule(
            "ml-storage-04",
            "Blob containers not public",
            "Blob containers allow no anonymous read access.",
            Severity.HIGH,
            ("CKV_AZURE_34", "AZU-0007"),
            "azure-native publicAccess absent means None; classic containerAccessType absent means private.",
            "Set publicAccess None (classic containerAccessType private) and share data by identity or SAS.",
            "Storage",
        ),
        types_of(*CONTAINERS),
        _container,
    ),
]

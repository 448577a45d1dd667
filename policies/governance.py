"""Governance: an audit trail nobody can rewrite, cost that splits by team, data that stays where it may be.

- ``ml-audit-01``: in prod, every audit store is locked and protected. An audit store is what the audit logs are
  routed into: a Cloud Logging bucket a sink of Cloud Audit Logs writes to (``locked``, retention of at least
  ``minRetentionDays``), a storage account a subscription diagnostic setting exports the activity log to (a
  ``CanNotDelete``/``ReadOnly`` management lock covering it, and a time-based retention policy of at least
  ``minRetentionDays`` with protected append writes on one of its containers); both carry Pulumi's ``protect``.
- ``ml-audit-02``: a stack that uses Vertex AI or Cloud KMS turns their Data Access audit logs on
  (``IAMAuditConfig`` of ``aiplatform.googleapis.com`` / ``cloudkms.googleapis.com`` or ``allServices``, with
  ``requiredLogTypes``).
- ``ml-audit-03``: in prod, a stack with Azure resources exports the subscription's activity log
  (``requiredCategories``) to a Log Analytics workspace or storage account.
- ``ml-cost-03``: in prod, AKS clusters run cost analysis, GKE clusters cost allocation, so a shared cluster's spend
  splits by namespace (team).
- ``ml-residency-01``: every resource's location is among ``allowedLocations`` (``aiscale:allowed_locations`` of
  the stack, or the stack's policy config); ``global`` counts as allowed unless ``allowGlobal`` is off.

Relations follow the engine's dependencies, as in :mod:`aiscale.policies.stack`: a sink covers the bucket its
``destination`` depends on, an export the storage account its ``storageAccountId`` depends on, a lock the resource
its ``scope`` depends on, a retention policy the account its ``accountName`` depends on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from aiscale.core import rules
from aiscale.policies._support import (
    NotEvaluated,
    Rule,
    TypeMatcher,
    azure_type,
    classic_type,
    config_number,
    each,
    has,
    items,
    known,
    path,
    placement,
    resource_policy,
    sdk_inputs,
    stack_policy,
    type_matches,
    view_of,
)
from aiscale.policies.azure_aks import CLASSIC_CLUSTER as CLASSIC_AKS_CLUSTER
from aiscale.policies.azure_aks import CLUSTER as AKS_CLUSTER
from aiscale.policies.azure_aks import CLUSTERS as AKS_CLUSTERS
from aiscale.policies.gcp_gke import CLUSTER as GKE_CLUSTER
from aiscale.policies.stack import covered, of_type
from aiscale.policies.storage import STORAGE_ACCOUNT

LOG_BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
LOG_SINK = "gcp:logging/projectSink:ProjectSink"
AUDIT_CONFIGS = (
    "gcp:projects/iAMAuditConfig:IAMAuditConfig",
    "gcp:folder/iAMAuditConfig:IAMAuditConfig",
    "gcp:organizations/iAMAuditConfig:IAMAuditConfig",
)
CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
SUBSCRIPTION_EXPORT = azure_type("monitor", "SubscriptionDiagnosticSetting")
CLASSIC_DIAGNOSTIC_SETTING = classic_type("monitoring", "DiagnosticSetting")
IMMUTABILITY_POLICY = azure_type("storage", "BlobContainerImmutabilityPolicy")
SCOPE_LOCKS = (azure_type("authorization", "ManagementLockByScope"), classic_type("management", "Lock"))
RESOURCE_GROUP = azure_type("resources", "ResourceGroup")
GROUP_LOCK = azure_type("authorization", "ManagementLockAtResourceGroupLevel")
BLOCKING_LOCKS = ("CanNotDelete", "ReadOnly")
AUDIT_LOGS = "cloudaudit.googleapis.com"
ALL_SERVICES = "allServices"
#: Data Access audit logs the rule asks for, by what a stack uses: Vertex AI resources, Cloud KMS keys.
DATA_ACCESS_SERVICES = (
    ("Vertex AI", "aiplatform.googleapis.com", lambda t: t.startswith("gcp:vertex/")),
    ("Cloud KMS", "cloudkms.googleapis.com", lambda t: t == CRYPTO_KEY),
)


def _azure(resource_type: str) -> bool:
    return resource_type.startswith(("azure-native:", "azure:"))


def _vertex_or_kms(resource_type: str) -> bool:
    return any(uses(resource_type) for _label, _service, uses in DATA_ACCESS_SERVICES)


# --- ml-audit-01 -------------------------------------------------------------------------------------------


def _audit_stores(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    if config.get("environment") != "prod":
        return  # outside prod the same shape stays unlocked with short retention, on purpose
    resources = list(args.resources)
    minimum = config_number(config, "minRetentionDays", AUDIT_STORES)
    yield from _gcp_audit_buckets(resources, minimum)
    yield from _azure_audit_accounts(resources, minimum)


def _routes_audit_logs(sink: PolicyResource) -> bool:
    text = known(sink.props, "filter")
    return text in (None, "") or (isinstance(text, str) and AUDIT_LOGS in text)


def _gcp_audit_buckets(resources: list[PolicyResource], minimum: float) -> Iterator[tuple[str, PolicyResource]]:
    sinks = [s for s in of_type(resources, LOG_SINK) if _routes_audit_logs(s)]
    targets = covered(sinks, {"gcp": "destination"})
    destinations = [str(known(s.props, "destination")) for s in sinks]
    for bucket in of_type(resources, LOG_BUCKET):
        bucket_id = known(bucket.props, "bucketId")
        if bucket.urn not in targets and not any(d.endswith(f"/buckets/{bucket_id}") for d in destinations):
            continue
        if known(bucket.props, "locked") is not True:
            yield f"audit log bucket {bucket_id} is not locked: its retention can be shortened or it deleted", bucket
        days = known(bucket.props, "retentionDays")
        if isinstance(days, int | float) and days < minimum:
            yield f"audit log bucket {bucket_id} keeps entries {days:g} days, less than {minimum:g}", bucket
        if not bucket.opts.protect:
            yield f"audit log bucket {bucket_id} is not protected (Pulumi's protect option)", bucket


def _azure_audit_accounts(resources: list[PolicyResource], minimum: float) -> Iterator[tuple[str, PolicyResource]]:
    stores = covered(of_type(resources, SUBSCRIPTION_EXPORT), {"azure-native": "storageAccountId"})
    locked = covered(
        [lock for lock in of_type(resources, *SCOPE_LOCKS) if known(lock.props, "level") in BLOCKING_LOCKS],
        {"azure-native": "scope", "azure": "scope"},
    )
    locked_groups = {
        known(lock.props, "resourceGroupName")
        for lock in of_type(resources, GROUP_LOCK)
        if known(lock.props, "level") in BLOCKING_LOCKS
    }
    worm: set[str] = set()
    for policy in of_type(resources, IMMUTABILITY_POLICY):
        days = known(policy.props, "immutabilityPeriodSinceCreationInDays")
        appends = known(policy.props, "allowProtectedAppendWrites") or known(
            policy.props, "allowProtectedAppendWritesAll"
        )
        if isinstance(days, int | float) and days >= minimum and appends is True:
            worm.update(d.urn for d in policy.property_dependencies.get("accountName", []))
    for account in of_type(resources, STORAGE_ACCOUNT):
        if account.urn not in stores:
            continue
        name = known(account.props, "accountName") or account.name
        if account.urn not in locked and known(account.props, "resourceGroupName") not in locked_groups:
            yield f"audit storage account {name} has no CanNotDelete management lock", account
        if account.urn not in worm:
            yield (
                f"audit storage account {name} has no container under a time-based retention (WORM) policy of "
                f"at least {minimum:g} days with protected append writes",
                account,
            )
        if not account.opts.protect:
            yield f"audit storage account {name} is not protected (Pulumi's protect option)", account


# --- ml-audit-02 -------------------------------------------------------------------------------------------


def _data_access_logs(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    resources = list(args.resources)
    required = [str(t) for t in config.get("requiredLogTypes", ["DATA_READ", "DATA_WRITE"])]
    configs = of_type(resources, *AUDIT_CONFIGS)
    for label, service, uses in DATA_ACCESS_SERVICES:
        users = [r for r in resources if uses(r.resource_type)]
        if not users:
            continue
        project = placement(users[0], "project")
        logged: set[str] = set()
        for audit in configs:
            audit_project = placement(audit, "project")
            if known(audit.props, "service") not in (service, ALL_SERVICES):
                continue
            if isinstance(project, str) and isinstance(audit_project, str) and audit_project != project:
                continue
            logged.update(str(known(entry, "logType")) for entry in each(known(audit.props, "auditLogConfigs")))
        missing = [log_type for log_type in required if log_type not in logged]
        if missing:
            yield (
                f"the stack uses {label} ({users[0].name}) but {service} Data Access audit logs lack "
                f"{', '.join(missing)}: who read or used its data is not recorded",
                users[0],
            )


# --- ml-audit-03 -------------------------------------------------------------------------------------------


def _activity_log(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    if config.get("environment") != "prod":
        return  # a dev or test subscription's activity log is its landing zone's business, not each program's
    resources = list(args.resources)
    azure = [r for r in resources if _azure(r.resource_type) and not type_matches(r.resource_type, _EXPORTS)]
    if not azure:
        return
    required = [str(c) for c in config.get("requiredCategories", ["Administrative", "Security", "Policy"])]
    exported: set[str] = set()
    for export in of_type(resources, *_EXPORTS):
        classic = export.resource_type == CLASSIC_DIAGNOSTIC_SETTING
        if classic and not _subscription_id(known(export.props, "targetResourceId")):
            continue
        destinations = (
            ("logAnalyticsWorkspaceId", "storageAccountId") if classic else ("workspaceId", "storageAccountId")
        )
        if not any(has(export.props, key) for key in destinations):
            continue
        for entry in each(known(export.props, "enabledLogs" if classic else "logs")):
            if not classic and known(entry, "enabled") is False:
                continue
            if known(entry, "categoryGroup") == "allLogs":
                exported.update(required)
            exported.add(str(known(entry, "category")))
    missing = [category for category in required if category not in exported]
    if missing:
        groups = [r for r in azure if type_matches(r.resource_type, (RESOURCE_GROUP,))]
        target = (groups or azure)[0]
        yield (
            f"the subscription's activity log ({', '.join(missing)}) is not exported to a Log Analytics workspace or "
            "storage account by this stack: who changed what is kept 90 days, then lost",
            target,
        )


_EXPORTS: tuple[TypeMatcher, ...] = (SUBSCRIPTION_EXPORT, CLASSIC_DIAGNOSTIC_SETTING)


def _subscription_id(target: Any) -> bool:
    """A diagnostic setting's target is the subscription itself (``/subscriptions/<id>``)."""
    return isinstance(target, str) and target.strip("/").count("/") == 1 and target.startswith("/subscriptions/")


# --- ml-cost-03 --------------------------------------------------------------------------------------------


def _cost_attribution(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    if config.get("environment") != "prod":
        return  # charge-back is about the clusters teams share in production
    if args.resource_type == GKE_CLUSTER:
        if path(args.props, "costManagementConfig", "enabled") is not True:
            yield "GKE cost allocation is off (costManagementConfig.enabled absent or false): spend cannot split by team"
        return
    cluster = view_of(AKS_CLUSTERS, args)
    if cluster["cost_analysis"] is True:
        return
    if rules.cost_analysis_problem(True, str(cluster["tier"])):
        args.not_applicable(
            f"tier {cluster['tier']}: AKS cost analysis needs Standard or Premium (ml-aks-13 judges it)"
        )
        return
    yield f"AKS cost analysis is off ({cluster.path('cost_analysis')} absent or false): spend cannot split by team"


# --- ml-residency-01 ---------------------------------------------------------------------------------------


def _placed(resource: PolicyResource) -> list[str]:
    """Where a resource is: its location or region (else its provider's, for types that take one), its zones,
    and the regions its messages may be stored in; empty for resources without a place of their own."""
    inputs = sdk_inputs(resource.resource_type)
    places: list[str] = []
    for key in ("location", "region"):
        own = known(resource.props, key)
        if isinstance(own, str) and own:
            places.append(own)
    if not places and inputs is not None and ({"location", "region"} & inputs):
        found = placement(resource, "location")
        if isinstance(found, str) and found:
            places.append(found)
    places += [z for z in items(known(resource.props, "nodeLocations")) if isinstance(z, str)]
    regions = known(resource.props, "messageStoragePolicy", "allowedPersistenceRegions")
    places += [r for r in items(regions) if isinstance(r, str)]
    return places


def _residency(
    args: StackValidationArgs, config: Mapping[str, Any]
) -> Iterator[tuple[str, PolicyResource] | NotEvaluated]:
    allowed = [str(place) for place in config.get("allowedLocations", [])]
    if not allowed:
        return
    allow_global = bool(config.get("allowGlobal", True))
    for resource in args.resources:
        if not _may_be_placed(resource.resource_type):
            continue
        outside = sorted(
            {
                place
                for place in _placed(resource)
                if not rules.location_allowed(place, allowed, allow_global=allow_global)
            }
        )
        if outside:
            yield f"{resource.name} is in {', '.join(outside)}, outside the allowed locations {allowed}", resource


def _may_be_placed(resource_type: str) -> bool:
    """A cloud resource's type: neither Pulumi's own (stack, providers, components' ``pulumi:`` types) nor a
    Kubernetes object (placed by its cluster); the offline engine hands the policy only these."""
    return ":" in resource_type and not resource_type.startswith(("pulumi:", "kubernetes:"))


AUDIT_STORES = Rule(
    "ml-audit-01",
    "Prod audit store locked and protected",
    "In prod, the Cloud Logging bucket Cloud Audit Logs are routed into is locked with at least minRetentionDays "
    "of retention, the storage account the activity log is exported to has a CanNotDelete lock and a WORM "
    "container of at least minRetentionDays, and both are protected.",
    Severity.HIGH,
    ("CKV_AZURE_37", "custom:audit-trail"),
    "locked absent means unlocked; no lock whose scope depends on the account (or a resource-group lock) means "
    "none; no immutability policy whose accountName depends on it means no WORM; protect absent means unprotected.",
    "Keep aiscale's audit.locked preset in prod (with protect_stateful), or lock the bucket / add a CanNotDelete "
    "lock and a time-based retention policy with allowProtectedAppendWrites.",
    "Governance",
    {"minRetentionDays": {"type": "number", "minimum": 1, "default": 365}},
)

POLICIES = [
    stack_policy(
        AUDIT_STORES,
        (LOG_BUCKET, LOG_SINK, SUBSCRIPTION_EXPORT, STORAGE_ACCOUNT, IMMUTABILITY_POLICY, *SCOPE_LOCKS, GROUP_LOCK),
        _audit_stores,
    ),
    stack_policy(
        Rule(
            "ml-audit-02",
            "Data Access audit logs on for Vertex AI and Cloud KMS",
            "A stack that uses Vertex AI or Cloud KMS turns on their Data Access audit logs (requiredLogTypes).",
            Severity.HIGH,
            ("CKV2_GCP_5",),
            "No IAMAuditConfig (project, folder or organization) of the service or allServices in the stack means "
            "Data Access logs off, Google Cloud's default (BigQuery excepted).",
            "Add the audit section of aiscale:gcp, or an IAMAuditConfig with DATA_READ and DATA_WRITE for the service.",
            "Governance",
            {
                "requiredLogTypes": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["DATA_READ", "DATA_WRITE", "ADMIN_READ"]},
                    "default": ["DATA_READ", "DATA_WRITE"],
                }
            },
        ),
        (*AUDIT_CONFIGS, _vertex_or_kms),
        _data_access_logs,
    ),
    stack_policy(
        Rule(
            "ml-audit-03",
            "Subscription activity log exported",
            "In prod, a stack with Azure resources exports the subscription's activity log (requiredCategories) to "
            "a Log Analytics workspace or a storage account.",
            Severity.HIGH,
            ("CKV_AZURE_38", "AzP:7796937f-307b-4598-941c-67d3a05ebfe7"),
            "No SubscriptionDiagnosticSetting (classic: a DiagnosticSetting whose targetResourceId is the "
            "subscription) with a workspace or storage account means the activity log is kept 90 days by Azure only.",
            "Add the audit section of aiscale:azure, or a SubscriptionDiagnosticSetting with the categories.",
            "Governance",
            {
                "requiredCategories": {
                    "type": "array",
                    "items": {"type": "string"},
                    "default": ["Administrative", "Security", "Policy"],
                }
            },
        ),
        (*_EXPORTS, RESOURCE_GROUP),
        _activity_log,
        first_of=(_azure,),  # whether the stack has Azure resources, and the first to name when no group
    ),
    resource_policy(
        Rule(
            "ml-cost-03",
            "Cluster cost split by team",
            "In prod, AKS clusters run cost analysis and GKE clusters cost allocation, so a shared cluster's spend "
            "splits by namespace and label (one namespace per team).",
            Severity.MEDIUM,
            ("custom:finops", "AKS:cost-analysis", "GKE:cost-allocation"),
            "metricsProfile.costAnalysis.enabled (classic costAnalysisEnabled) absent means off; AKS on the Free "
            "tier cannot run it (not applicable). costManagementConfig absent means off.",
            "Set aks.cost_analysis (Standard tier) and gke.cost_allocation, or metricsProfile.costAnalysis / "
            "costManagementConfig on the cluster.",
            "Cost",
        ),
        (AKS_CLUSTER, CLASSIC_AKS_CLUSTER, GKE_CLUSTER),
        _cost_attribution,
    ),
    stack_policy(
        Rule(
            "ml-residency-01",
            "Resources in allowed locations",
            "Every resource's location, region, zones and message storage regions are among allowedLocations (the "
            "stack's aiscale:allowed_locations); global resources count as allowed unless allowGlobal is false.",
            Severity.HIGH,
            ("AzP:e56962a6-4747-49cd-b67b-bf8b01975c4c", "OrgP:gcp.resourceLocations"),
            "A resource without a location of its own is placed where its provider is (azure-native:location, "
            "gcp:region) when its type takes one; allowedLocations empty means anywhere.",
            "Create the resource in an allowed location, or add the location to aiscale:allowed_locations.",
            "Governance",
            {
                "allowedLocations": {"type": "array", "items": {"type": "string"}, "default": []},
                "allowGlobal": {"type": "boolean", "default": True},
            },
        ),
        (_may_be_placed,),
        _residency,
    ),
]

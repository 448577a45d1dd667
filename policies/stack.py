"""Stack policies: rules about how resources relate — budgets, alerts, private endpoints, tenancy, diagnostics.

Relations are read from what the engine records: an alert *covers* a resource when it depends on it (its scope,
or an explicit dependency); a private endpoint covers the PaaS resource its ``privateLinkServiceConnections``
(classic: ``privateServiceConnection``) depend on; a diagnostic setting covers the resource its ``resourceUri``
(classic: ``targetResourceId``) depends on. That holds for raw provider resources in any program, not only
aiscale's components, and for both Azure providers.

Each policy indexes the resources by the key it joins on — the URNs covering resources depend on, the namespace
of tenancy objects — and looks each target up there, so a stack policy is linear in the number of resources.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from aiscale.policies._support import (
    Rule,
    TypeMatcher,
    azure_type,
    classic_type,
    config_number,
    has,
    items,
    known,
    stack_policy,
    type_matches,
)
from aiscale.policies.azure_aks import CLASSIC_CLUSTER as CLASSIC_AKS_CLUSTER
from aiscale.policies.azure_aks import CLASSIC_POOL as CLASSIC_AKS_POOL
from aiscale.policies.azure_aks import CLUSTER as AKS_CLUSTER
from aiscale.policies.azure_aks import POOL as AKS_POOL
from aiscale.policies.azure_aks import is_gpu_size
from aiscale.policies.azure_key_vault import CLASSIC_VAULT
from aiscale.policies.azure_ml import CLASSIC_WORKSPACE
from aiscale.policies.gcp_gke import NODE_POOL as GKE_NODE_POOL
from aiscale.policies.gcp_gke import is_gpu_pool
from aiscale.policies.storage import CLASSIC_ACCOUNT

ONLINE_ENDPOINT = azure_type("machinelearningservices", "OnlineEndpoint")
ONLINE_DEPLOYMENT = azure_type("machinelearningservices", "OnlineDeployment")
VERTEX_ENDPOINT = "gcp:vertex/aiEndpoint:AiEndpoint"
VERTEX_DEPLOYMENT = "pulumi-python:dynamic/vertex:ModelDeployment"
AZURE_BUDGETS: tuple[TypeMatcher, ...] = (
    azure_type("consumption", "Budget"),
    azure_type("costmanagement", "Budget"),
    classic_type("consumption", "BudgetSubscription"),
    classic_type("consumption", "BudgetResourceGroup"),
    classic_type("consumption", "BudgetManagementGroup"),
)
GCP_BUDGET = "gcp:billing/budget:Budget"
#: Metric alerts of both providers keep their action groups in ``actions[].actionGroupId``.
METRIC_ALERTS = (azure_type("monitor", "MetricAlert"), classic_type("monitoring", "MetricAlert"))
LOG_ALERT = azure_type("monitor", "ScheduledQueryRule")
PROMETHEUS_RULES = azure_type("alertsmanagement", "PrometheusRuleGroup")
GCP_ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
PRIVATE_ENDPOINT = azure_type("network", "PrivateEndpoint")
CLASSIC_PRIVATE_ENDPOINT = classic_type("privatelink", "Endpoint")
#: Where each provider's private endpoint names the resource it connects to.
PRIVATE_LINK_PROPERTIES = {"azure-native": "privateLinkServiceConnections", "azure": "privateServiceConnection"}
PRIVATE_PAAS = (
    azure_type("keyvault", "Vault"),
    azure_type("storage", "StorageAccount"),
    azure_type("containerregistry", "Registry"),
    azure_type("machinelearningservices", "Workspace"),
    CLASSIC_VAULT,
    CLASSIC_ACCOUNT,
    classic_type("containerservice", "Registry"),
    CLASSIC_WORKSPACE,
)
LOG_WORKSPACES = (
    azure_type("operationalinsights", "Workspace"),
    classic_type("operationalinsights", "AnalyticsWorkspace"),
)
DIAGNOSTIC_SETTING = azure_type("monitor", "DiagnosticSetting")
CLASSIC_DIAGNOSTIC_SETTING = classic_type("monitoring", "DiagnosticSetting")
#: Where each provider's diagnostic setting names the resource whose logs it sends.
DIAGNOSED_PROPERTIES = {"azure-native": "resourceUri", "azure": "targetResourceId"}
DIAGNOSED = (
    AKS_CLUSTER,
    azure_type("keyvault", "Vault"),
    azure_type("machinelearningservices", "Workspace"),
    ONLINE_ENDPOINT,
    CLASSIC_AKS_CLUSTER,
    CLASSIC_VAULT,
    CLASSIC_WORKSPACE,
)
NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
SYSTEM_LABEL = "aiscale.io/system"


def of_type(resources: Iterable[PolicyResource], *types: TypeMatcher) -> list[PolicyResource]:
    return [r for r in resources if type_matches(r.resource_type, types)]


def provider_of(resource: PolicyResource) -> str:
    return resource.resource_type.split(":", 1)[0]


def covered(resources: Iterable[PolicyResource], through: Mapping[str, str] | None = None) -> set[str]:
    """The URNs the given resources depend on: through the property their provider names in ``through``
    (``{"azure-native": "resourceUri"}``), or through any dependency when ``through`` is None."""
    urns: set[str] = set()
    for resource in resources:
        if through is None:
            urns.update(d.urn for d in resource.dependencies)
            urns.update(d.urn for found in resource.property_dependencies.values() for d in found)
        else:
            urns.update(d.urn for d in resource.property_dependencies.get(through[provider_of(resource)], []))
    return urns


# --- What counts as GPU capacity, serving endpoints, budgets and routed alerts ----------------------------------


def azure_gpu_pool(resource: PolicyResource) -> bool:
    """An AKS node pool resource (either provider) of GPU nodes."""
    return type_matches(resource.resource_type, (AKS_POOL, CLASSIC_AKS_POOL)) and is_gpu_size(
        known(resource.props, "vmSize")
    )


def azure_gpu_or_serving(resource: PolicyResource) -> bool:
    if azure_gpu_pool(resource):
        return True
    if type_matches(resource.resource_type, (AKS_CLUSTER,)):
        return any(is_gpu_size(known(p, "vmSize")) for p in items(known(resource.props, "agentPoolProfiles")))
    if resource.resource_type == CLASSIC_AKS_CLUSTER:
        return is_gpu_size(known(resource.props, "defaultNodePool", "vmSize"))
    return type_matches(resource.resource_type, (ONLINE_ENDPOINT, ONLINE_DEPLOYMENT))


def gcp_gpu_or_serving(resource: PolicyResource) -> bool:
    if resource.resource_type == GKE_NODE_POOL:
        return is_gpu_pool(known(resource.props, "nodeConfig") or {})
    return resource.resource_type in (VERTEX_ENDPOINT, VERTEX_DEPLOYMENT)


def azure_budget_notifies(budget: PolicyResource) -> bool:
    # azure-native keys notifications by name; the classic provider lists them.
    notifications = known(budget.props, "notifications") or {}
    entries = [notifications[key] for key in notifications] if hasattr(notifications, "keys") else items(notifications)
    for notification in entries:
        threshold = known(notification, "threshold")
        contacted = any(has(notification, field) for field in ("contactEmails", "contactGroups", "contactRoles"))
        if known(notification, "enabled") is not False and contacted and (threshold is None or float(threshold) <= 100):
            return True
    return False


def gcp_budget_notifies(budget: PolicyResource) -> bool:
    if not items(known(budget.props, "thresholdRules")):
        return False
    rule = known(budget.props, "allUpdatesRule")
    # Without an all-updates rule, billing administrators are mailed at each threshold.
    return (
        rule is None
        or has(rule, "monitoringNotificationChannels")
        or has(rule, "pubsubTopic")
        or known(rule, "disableDefaultIamRecipients") is not True
    )


def routed(alert: PolicyResource) -> bool:
    """Whether an alert notifies anyone."""
    if type_matches(alert.resource_type, METRIC_ALERTS):
        return any(has(action, "actionGroupId") for action in items(known(alert.props, "actions")))
    if type_matches(alert.resource_type, (LOG_ALERT,)):
        return has(alert.props, "actions", "actionGroups")
    if type_matches(alert.resource_type, (PROMETHEUS_RULES,)):
        return any(
            has(action, "actionGroupId")
            for rule in items(known(alert.props, "rules"))
            for action in items(known(rule, "actions"))
        )
    return has(alert.props, "notificationChannels")


# --- Checks ---------------------------------------------------------------------------------------------------


def _budgets(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    resources = list(args.resources)
    clouds = (
        ("Azure", azure_gpu_or_serving, of_type(resources, *AZURE_BUDGETS), azure_budget_notifies),
        ("Google Cloud", gcp_gpu_or_serving, of_type(resources, GCP_BUDGET), gcp_budget_notifies),
    )
    for cloud, spends, budgets, notifies in clouds:
        spenders = [r for r in resources if spends(r)]
        if spenders and not any(notifies(b) for b in budgets):
            names = ", ".join(r.name for r in spenders[:3]) + (" ..." if len(spenders) > 3 else "")
            yield (
                f"the stack creates GPU capacity or endpoints on {cloud} ({names}) but no budget that notifies anyone",
                spenders[0],
            )


def _alerts(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    resources = list(args.resources)
    watched = covered(
        a for a in of_type(resources, *METRIC_ALERTS, LOG_ALERT, PROMETHEUS_RULES, GCP_ALERT) if routed(a)
    )
    for target in resources:
        if type_matches(target.resource_type, (ONLINE_ENDPOINT, VERTEX_ENDPOINT)):
            kind = "serving endpoint"
        elif azure_gpu_pool(target) or (
            target.resource_type == GKE_NODE_POOL and is_gpu_pool(known(target.props, "nodeConfig") or {})
        ):
            kind = "GPU pool"
        else:
            continue
        if target.urn not in watched:
            yield f"{kind} {target.name} has no alert routed to anyone", target


def _private_endpoints(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    resources = list(args.resources)
    connected = covered(of_type(resources, PRIVATE_ENDPOINT, CLASSIC_PRIVATE_ENDPOINT), PRIVATE_LINK_PROPERTIES)
    for target in of_type(resources, *PRIVATE_PAAS):
        if target.urn not in connected:
            yield f"{target.name} has no private endpoint", target


def _tenancy(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    resources = list(args.resources)
    denies: set[Any] = set()
    quotas: dict[Any, list[PolicyResource]] = defaultdict(list)
    for resource in resources:
        namespace = known(resource.props, "metadata", "namespace")
        if resource.resource_type == NETWORK_POLICY and is_default_deny(resource):
            denies.add(namespace)
        elif resource.resource_type == RESOURCE_QUOTA:
            quotas[namespace].append(resource)
    require_gpu = config.get("requireGpuQuota", True)
    for namespace in of_type(resources, NAMESPACE):
        name = known(namespace.props, "metadata", "name")
        labels = known(namespace.props, "metadata", "labels") or {}
        if not isinstance(name, str) or name in SYSTEM_NAMESPACES or known(labels, SYSTEM_LABEL) == "true":
            continue
        if name not in denies:
            yield f"tenant namespace {name} has no default-deny NetworkPolicy (empty podSelector, no rules)", namespace
        own = quotas.get(name, [])
        if not own:
            yield f"tenant namespace {name} has no ResourceQuota", namespace
        elif require_gpu and not any("requests.nvidia.com/gpu" in (known(q.props, "spec", "hard") or {}) for q in own):
            yield f"tenant namespace {name} has no GPU quota (requests.nvidia.com/gpu)", namespace


def is_default_deny(policy: PolicyResource) -> bool:
    spec = known(policy.props, "spec") or {}
    selector = known(spec, "podSelector")
    selects_all = (
        selector is not None and not known(selector, "matchLabels") and not known(selector, "matchExpressions")
    )
    types = [str(t) for t in items(known(spec, "policyTypes"))]
    return (
        selects_all
        and {"Ingress", "Egress"} <= set(types)
        and not items(known(spec, "ingress"))
        and not items(known(spec, "egress"))
    )


def _diagnostics(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    resources = list(args.resources)
    minimum = config_number(config, "minRetentionDays", DIAGNOSTICS)
    for workspace in of_type(resources, *LOG_WORKSPACES):
        days = known(workspace.props, "retentionInDays")
        if days is None or (isinstance(days, int | float) and days < minimum):
            yield f"Log Analytics workspace keeps logs {days or 30:g} days, less than {minimum:g}", workspace
    diagnosed = covered(of_type(resources, DIAGNOSTIC_SETTING, CLASSIC_DIAGNOSTIC_SETTING), DIAGNOSED_PROPERTIES)
    for target in of_type(resources, *DIAGNOSED):
        if target.urn not in diagnosed:
            yield f"{target.name} sends no diagnostic logs (no diagnostic setting)", target


DIAGNOSTICS = Rule(
    "ml-stack-05",
    "Logs kept and diagnostics sent",
    "Log Analytics keeps logs at least minRetentionDays; AKS, Key Vault, Azure ML workspaces and endpoints "
    "send diagnostic logs.",
    Severity.MEDIUM,
    ("CKV_AZURE_4", "AzP:afe0c3be-ba3b-4544-ba52-0c99672a8ad6", "AzP:cf820ca0-f99e-4f3e-84fb-66e913812d21"),
    "retentionInDays absent means the 30-day default; no diagnostic setting (its resourceUri, classic "
    "targetResourceId, depending on the resource) means no resource logs.",
    "Set retentionInDays and add a diagnostic setting to a Log Analytics workspace for each resource.",
    "Stack",
    {"minRetentionDays": {"type": "number", "minimum": 1, "default": 30}},
)

POLICIES = [
    stack_policy(
        Rule(
            "ml-stack-01",
            "A budget watches GPU and endpoint spend",
            "A stack that creates GPU capacity or serving endpoints on a cloud has a budget there that notifies someone.",
            Severity.HIGH,
            ("custom:finops",),
            "No budget resource in the stack means no budget (one created elsewhere is invisible to the stack).",
            "Add the budget section of the cloud (consumption Budget or Cloud Billing budget) with notifications.",
            "Stack",
        ),
        (
            AKS_POOL,
            AKS_CLUSTER,
            CLASSIC_AKS_POOL,
            CLASSIC_AKS_CLUSTER,
            ONLINE_ENDPOINT,
            ONLINE_DEPLOYMENT,
            GKE_NODE_POOL,
            VERTEX_ENDPOINT,
            VERTEX_DEPLOYMENT,
            *AZURE_BUDGETS,
            GCP_BUDGET,
        ),
        _budgets,
    ),
    stack_policy(
        Rule(
            "ml-stack-02",
            "Every endpoint and GPU pool has a routed alert",
            "Every serving endpoint and GPU pool is covered by at least one alert that notifies someone.",
            Severity.HIGH,
            ("custom:monitoring",),
            "An alert covers a resource when it depends on it (scope or explicit dependency); no actions or "
            "notification channels means routed nowhere.",
            "Add the monitoring section (aiscale alerts cover endpoints and pools), or an alert depending on it.",
            "Stack",
        ),
        (
            ONLINE_ENDPOINT,
            VERTEX_ENDPOINT,
            AKS_POOL,
            CLASSIC_AKS_POOL,
            GKE_NODE_POOL,
            *METRIC_ALERTS,
            LOG_ALERT,
            PROMETHEUS_RULES,
            GCP_ALERT,
        ),
        _alerts,
    ),
    stack_policy(
        Rule(
            "ml-stack-03",
            "Private PaaS behind private endpoints",
            "Key Vaults, storage accounts, container registries and Azure ML workspaces each have a private endpoint.",
            Severity.HIGH,
            (
                "CKV2_AZURE_32",
                "CKV2_AZURE_33",
                "AzP:a6abeaec-4d90-4a02-805f-6b26c4d3fbe9",
                "AzP:e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
            ),
            "No private endpoint whose privateLinkServiceConnections (classic privateServiceConnection) depend on "
            "the resource means none.",
            "Give the component a private_endpoint argument (aiscale: network section), or add a PrivateEndpoint.",
            "Stack",
        ),
        (PRIVATE_ENDPOINT, CLASSIC_PRIVATE_ENDPOINT, *PRIVATE_PAAS),
        _private_endpoints,
    ),
    stack_policy(
        Rule(
            "ml-stack-04",
            "Tenant namespaces isolated and quota-bound",
            "Every tenant namespace has a default-deny NetworkPolicy and a ResourceQuota that caps GPUs.",
            Severity.HIGH,
            ("Kyv:add-network-policy", "Kyv:add-ns-quota"),
            'A tenant namespace is any namespace but default, kube-* and those labelled aiscale.io/system: "true".',
            "Create tenants with TeamNamespace, or add a default-deny NetworkPolicy and a GPU ResourceQuota.",
            "Stack",
            {"requireGpuQuota": {"type": "boolean", "default": True}},
        ),
        (NAMESPACE, NETWORK_POLICY, RESOURCE_QUOTA),
        _tenancy,
    ),
    stack_policy(
        DIAGNOSTICS, (*LOG_WORKSPACES, DIAGNOSTIC_SETTING, CLASSIC_DIAGNOSTIC_SETTING, *DIAGNOSED), _diagnostics
    ),
]

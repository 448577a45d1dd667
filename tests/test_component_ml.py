"""aiscale:index:MlWorkspace, aiscale:index:OnlineEndpoint and the traffic resource."""

import io
from typing import Any

import pytest
import yaml
from azure.ai.ml import load_model, load_online_deployment, load_online_endpoint
from pulumi.dynamic import CheckFailure

from aiscale.components.azure.endpoint_traffic import EndpointRef, TrafficProvider
from aiscale.components.azure.ml_workspace import MlWorkspace, MlWorkspaceArgs
from aiscale.components.azure.online_endpoint import (
    OnlineEndpoint,
    OnlineEndpointArgs,
    ProbeArgs,
    RegisteredModelArgs,
    deployment_spec,
    endpoint_spec,
    model_spec,
)
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find

SUB = "6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a01"
WORKSPACE_ROLES = {
    "ml-storage-contributor": ("b24988ac-6180-42a0-ab88-20f7382dd24c", "ml-storage"),
    "ml-storage-blob": ("ba92f5b4-2d11-453d-a403-e96b0029c9fe", "ml-storage"),
    "ml-storage-file": ("69566ab7-960f-475b-8e7c-b3118f30c6bd", "ml-storage"),
    "ml-registry-contributor": ("b24988ac-6180-42a0-ab88-20f7382dd24c", "ml-registry"),
    "ml-insights-contributor": ("b24988ac-6180-42a0-ab88-20f7382dd24c", "ml-insights"),
    "ml-vault-administrator": ("00482a5a-887f-4fb3-b363-3b7fe8e74483", "ml-vault-vault"),
}


def workspace_args(**changes: Any) -> MlWorkspaceArgs:
    base: MlWorkspaceArgs = {
        "workspace_name": "mlw-unit",
        "resource_group_name": "rg",
        "location": "westeurope",
        "subscription_id": SUB,
        "tenant_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "storage_account_name": "stunitml",
        "container_registry_name": "crunitml",
        "key_vault_name": "kv-unit-ml",
        "log_analytics_workspace_id": "/logs",
        "customer_managed_key": {
            "key_vault_id": "/vault",
            "key_vault_uri": "https://kv-unit.vault.azure.net/",
            "key_name": "data",
            "key_id": "/vault/keys/data",
            "key_uri": "https://kv-unit.vault.azure.net/keys/data",
            "key_versioned_uri": "https://kv-unit.vault.azure.net/keys/data/1",
        },
        "private_endpoint": {"subnet_id": "/subnets/endpoints"},
        "protect": True,
    }
    return changed(base, changes)


def test_workspace_children() -> None:
    run = record_program(lambda: MlWorkspace("ml", workspace_args()))
    assert children(run, find(run, "aiscale:index:MlWorkspace", "ml")) == [
        ("azure-native:managedidentity:UserAssignedIdentity", "ml-identity"),
        ("aiscale:index:KeyVault", "ml-vault"),
        ("azure-native:storage:StorageAccount", "ml-storage"),
        ("azure-native:containerregistry:Registry", "ml-registry"),
        ("azure-native:applicationinsights:Component", "ml-insights"),
        *[("azure-native:authorization:RoleAssignment", name) for name in WORKSPACE_ROLES],
        ("azure-native:authorization:RoleAssignment", "ml-cmk-key-user"),
        ("azure-native:machinelearningservices:Workspace", "ml-workspace"),
        ("azure-native:network:PrivateEndpoint", "ml-pe-blob"),
        ("azure-native:network:PrivateEndpoint", "ml-pe-file"),
        ("azure-native:network:PrivateEndpoint", "ml-pe-registry"),
        ("azure-native:network:PrivateEndpoint", "ml-pe-amlworkspace"),
    ]


def test_workspace_is_private_isolated_and_cmk_encrypted() -> None:
    run = record_program(lambda: MlWorkspace("ml", workspace_args(isolation_mode="AllowOnlyApprovedOutbound")))
    workspace = find(run, "azure-native:machinelearningservices:Workspace", "ml-workspace")
    assert workspace.protect
    assert {k: v for k, v in workspace.inputs.items() if k not in ("tags",)} == {
        "allowPublicAccessWhenBehindVnet": False,
        "applicationInsights": "[unknown]",
        "containerRegistry": "[unknown]",
        "encryption": {
            "identity": {"userAssignedIdentity": "[unknown]"},
            "keyVaultProperties": {
                "keyIdentifier": "https://kv-unit.vault.azure.net/keys/data",
                "keyVaultArmId": "/vault",
            },
            "status": "Enabled",
        },
        "hbiWorkspace": False,
        "identity": {"type": "UserAssigned", "userAssignedIdentities": ["[unknown]"]},
        "keyVault": "[unknown]",
        "kind": "Default",
        "location": "westeurope",
        "managedNetwork": {"enableNetworkMonitor": False, "isolationMode": "AllowOnlyApprovedOutbound"},
        "primaryUserAssignedIdentity": "[unknown]",
        "publicNetworkAccess": "Disabled",
        "resourceGroupName": "rg",
        "sku": {"name": "Basic", "tier": "Basic"},
        "storageAccount": "[unknown]",
        "systemDatastoresAuthMode": "Identity",
        "v1LegacyMode": False,
        "workspaceName": "mlw-unit",
    }
    # The identity holds its roles before the workspace is created.
    grants = [r.urn for r in run.registrations if r.type == "azure-native:authorization:RoleAssignment"]
    assert set(grants) <= set(workspace.dependencies)


def test_dependencies_are_private_and_keyless() -> None:
    run = record_program(lambda: MlWorkspace("ml", workspace_args()))
    account = find(run, "azure-native:storage:StorageAccount", "ml-storage")
    registry = find(run, "azure-native:containerregistry:Registry", "ml-registry")
    vault = find(run, "azure-native:keyvault:Vault", "ml-vault-vault")
    assert account.protect and registry.protect and vault.protect
    assert account.inputs["allowSharedKeyAccess"] is False
    assert account.inputs["allowBlobPublicAccess"] is False
    assert account.inputs["publicNetworkAccess"] == "Disabled"
    assert account.inputs["minimumTlsVersion"] == "TLS1_2"
    assert account.inputs["encryption"]["keySource"] == "Microsoft.Keyvault"
    assert account.inputs["encryption"]["keyVaultProperties"] == {
        "keyName": "data",
        "keyVaultUri": "https://kv-unit.vault.azure.net/",
    }
    assert account.inputs["sku"] == {"name": "Standard_ZRS"}
    assert registry.inputs["sku"] == {"name": "Premium"}
    assert registry.inputs["adminUserEnabled"] is False
    assert registry.inputs["publicNetworkAccess"] == "Disabled"
    assert registry.inputs["encryption"]["status"] == "enabled"
    assert vault.inputs["properties"]["publicNetworkAccess"] == "Disabled"
    assert find(run, "azure-native:network:PrivateEndpoint", "ml-vault-pe-vault")


def test_role_assignments_scoped_to_each_dependency() -> None:
    run = record_program(lambda: MlWorkspace("ml", workspace_args()))
    identity = find(run, "azure-native:managedidentity:UserAssignedIdentity", "ml-identity")
    for name, (role, target) in WORKSPACE_ROLES.items():
        grant = find(run, "azure-native:authorization:RoleAssignment", name)
        assert (
            grant.inputs["roleDefinitionId"]
            == f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}"
        )
        assert grant.property_dependencies["principalId"] == [identity.urn]
        assert grant.property_dependencies["scope"] == [next(r.urn for r in run.registrations if r.name == target)]
    key = find(run, "azure-native:authorization:RoleAssignment", "ml-cmk-key-user")
    assert key.inputs["scope"] == "/vault/keys/data"


def test_workspace_without_cmk_uses_microsoft_keys() -> None:
    args = workspace_args()
    del args["customer_managed_key"], args["private_endpoint"]
    run = record_program(lambda: MlWorkspace("ml", args))
    assert "encryption" not in find(run, "azure-native:machinelearningservices:Workspace", "ml-workspace").inputs
    assert (
        find(run, "azure-native:storage:StorageAccount", "ml-storage").inputs["encryption"]["keySource"]
        == "Microsoft.Storage"
    )
    assert not [r for r in run.registrations if r.type == "azure-native:network:PrivateEndpoint"]


def test_workspace_diagnostics_and_locks_cover_every_stateful_resource() -> None:
    diagnostics = {"workspace_id": "/logs"}
    run = record_program(lambda: MlWorkspace("ml", workspace_args(diagnostics=diagnostics, lock={})))
    settings = {r.name: r for r in run.registrations if r.type == "azure-native:monitor:DiagnosticSetting"}
    assert sorted(settings) == [
        "ml-diagnostics",
        "ml-registry-diagnostics",
        "ml-storage-diagnostics",
        "ml-vault-diagnostics",
    ]
    # Blob logs live on the blob service, whose metrics have no AllMetrics category.
    assert settings["ml-storage-diagnostics"].inputs == {
        "logAnalyticsDestinationType": "Dedicated",
        "logs": [{"categoryGroup": "allLogs", "enabled": True}],
        "name": "ml-storage-diagnostics",
        "resourceUri": "[unknown]",
        "workspaceId": "/logs",
    }
    storage = find(run, "azure-native:storage:StorageAccount", "ml-storage")
    assert settings["ml-storage-diagnostics"].property_dependencies["resourceUri"] == [storage.urn]
    assert settings["ml-registry-diagnostics"].inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}]
    locks = sorted(r.name for r in run.registrations if r.type == "azure-native:authorization:ManagementLockByScope")
    assert locks == ["ml-registry-lock", "ml-storage-lock", "ml-vault-vault-lock", "ml-workspace-lock"]


def test_invalid_isolation_mode() -> None:
    with pytest.raises(InvalidArgumentError, match=r"isolation_mode: .Disabled. is not one of"):
        record_program(lambda: MlWorkspace("ml", workspace_args(isolation_mode="Disabled")))


# --- Online endpoint -----------------------------------------------------------------------------------------

PROBE: ProbeArgs = {"initial_delay": 20, "period": 10, "timeout": 3, "failure_threshold": 5, "success_threshold": 1}


def endpoint_args(**changes: Any) -> OnlineEndpointArgs:
    base: OnlineEndpointArgs = {
        "endpoint_name": "fraud",
        "workspace_name": "mlw-unit",
        "resource_group_name": "rg",
        "location": "westeurope",
        "subscription_id": SUB,
        "deployments": {
            "blue": {
                "model": "azureml:fraud:3",
                "instance_type": "Standard_NC4as_T4_v3",
                "min_instances": 2,
                "max_instances": 4,
            },
            "green": {
                "model": "azureml:fraud:4",
                "instance_type": "Standard_NC4as_T4_v3",
                "min_instances": 1,
                "max_instances": 4,
                "request_timeout_ms": 2500,
                "liveness_probe": PROBE,
            },
        },
        "traffic": {"blue": 100},
        "mirror_traffic": {"green": 20},
    }
    return changed(base, changes)


def test_endpoint_children() -> None:
    run = record_program(lambda: OnlineEndpoint("ep", endpoint_args()))
    assert children(run, find(run, "aiscale:index:OnlineEndpoint", "ep")) == [
        ("azure-native:machinelearningservices:OnlineEndpoint", "ep-endpoint"),
        ("azure-native:machinelearningservices:OnlineDeployment", "ep-blue"),
        ("azure-native:monitor:AutoscaleSetting", "ep-blue-autoscale"),
        ("azure-native:machinelearningservices:OnlineDeployment", "ep-green"),
        ("azure-native:monitor:AutoscaleSetting", "ep-green-autoscale"),
        ("pulumi-python:dynamic/azureml:OnlineEndpointTraffic", "ep-traffic"),
    ]


def test_endpoint_uses_tokens_and_no_public_access() -> None:
    run = record_program(lambda: OnlineEndpoint("ep", endpoint_args()))
    endpoint = find(run, "azure-native:machinelearningservices:OnlineEndpoint", "ep-endpoint")
    assert endpoint.inputs == {
        "endpointName": "fraud",
        "identity": {"type": "SystemAssigned"},
        "location": "westeurope",
        "properties": {
            "authMode": "AADToken",
            "description": "aiscale endpoint fraud",
            "publicNetworkAccess": "Disabled",
        },
        "resourceGroupName": "rg",
        "workspaceName": "mlw-unit",
    }
    assert endpoint.ignore_changes == ["properties.traffic", "properties.mirrorTraffic"]


def test_deployment_and_autoscale() -> None:
    run = record_program(lambda: OnlineEndpoint("ep", endpoint_args()))
    green = find(run, "azure-native:machinelearningservices:OnlineDeployment", "ep-green")
    assert green.ignore_changes == ["sku.capacity"]
    assert green.inputs == {
        "deploymentName": "green",
        "endpointName": "fraud",
        "location": "westeurope",
        "properties": {
            "appInsightsEnabled": True,
            "egressPublicNetworkAccess": "Disabled",
            "endpointComputeType": "Managed",
            "instanceType": "Standard_NC4as_T4_v3",
            "livenessProbe": {
                "failureThreshold": 5,
                "initialDelay": "PT20S",
                "period": "PT10S",
                "successThreshold": 1,
                "timeout": "PT3S",
            },
            "model": "azureml:fraud:4",
            "readinessProbe": {
                "failureThreshold": 30,
                "initialDelay": "PT10S",
                "period": "PT10S",
                "successThreshold": 1,
                "timeout": "PT2S",
            },
            "requestSettings": {
                "maxConcurrentRequestsPerInstance": 1,
                "maxQueueWait": "PT0.5S",
                "requestTimeout": "PT2.5S",
            },
            "scaleSettings": {"scaleType": "Default"},
        },
        "resourceGroupName": "rg",
        "sku": {"capacity": 1, "name": "Default"},
        "workspaceName": "mlw-unit",
    }
    autoscale = find(run, "azure-native:monitor:AutoscaleSetting", "ep-green-autoscale")
    profile = autoscale.inputs["profiles"][0]
    assert profile["capacity"] == {"default": "1", "maximum": "4", "minimum": "1"}
    assert [
        (r["metricTrigger"]["operator"], r["metricTrigger"]["threshold"], r["scaleAction"]["direction"])
        for r in profile["rules"]
    ] == [
        ("GreaterThan", 70, "Increase"),
        ("LessThan", 40, "Decrease"),
    ]
    assert autoscale.property_dependencies["targetResourceUri"] == [green.urn]


def test_traffic_is_set_after_deployments() -> None:
    run = record_program(lambda: OnlineEndpoint("ep", endpoint_args()))
    traffic = find(run, "pulumi-python:dynamic/azureml:OnlineEndpointTraffic", "ep-traffic")
    assert {k: v for k, v in traffic.inputs.items() if k != "__provider"} == {
        "deployments": ["blue", "green"],
        "endpoint_name": "fraud",
        "mirror_traffic": {"green": 20},
        "resource_group_name": "rg",
        "subscription_id": SUB,
        "traffic": {"blue": 100},
        "workspace_name": "mlw-unit",
    }
    assert traffic.inputs["__provider"] == "[secret]"
    deployments = {r.urn for r in run.registrations if r.type.endswith(":OnlineDeployment")}
    assert deployments <= set(traffic.dependencies)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"traffic": {"blue": 60, "green": 30}, "mirror_traffic": {}},
            "traffic: traffic sums to 90; live traffic must sum to 100",
        ),
        ({"traffic": {"blue": 100, "red": 0}}, "traffic names deployments ['red'] that are not in deployments"),
        ({"mirror_traffic": {"green": 60}}, "mirror_traffic sums to 60; at most 50 may be mirrored"),
        (
            {"traffic": {"blue": 50, "green": 50}, "mirror_traffic": {"green": 10}},
            "deployments ['green'] take live traffic and cannot also receive mirror traffic",
        ),
        (
            {"auth_mode": "key"},
            "auth_mode: 'key' is not one of aad_token, aml_token (key auth would store keys in state)",
        ),
    ],
)
def test_endpoint_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: OnlineEndpoint("ep", endpoint_args(**changes)))
    assert message in str(caught.value)


ROUTING: dict[str, Any] = {
    "action_group_id": "/ag/platform",
    "runbook_base_url": "https://runbooks.example.com/aiscale",
    "log_analytics_workspace_id": "/law/platform",
}
SLO = {"latency_p95_ms": 120, "latency_p99_ms": 300, "error_rate_percent": 0.5}


def alerting_endpoint() -> Any:
    return record_program(
        lambda: OnlineEndpoint(
            "ep",
            endpoint_args(
                slo=SLO,
                alert_routing=ROUTING,
                alerts={"utilization_percent": 85},
                diagnostics={"workspace_id": "/law/platform"},
                deployments={
                    "blue": {
                        "model": "azureml:fraud:3",
                        "instance_type": "Standard_NC4as_T4_v3",
                        "min_instances": 2,
                        "max_instances": 4,
                    },
                    "cpu": {
                        "model": "azureml:fraud:4",
                        "instance_type": "Standard_DS3_v2",
                        "min_instances": 1,
                        "max_instances": 2,
                    },
                },
                mirror_traffic={"cpu": 10},
            ),
        )
    )


def test_endpoint_alerts_children() -> None:
    run = alerting_endpoint()
    assert children(run, find(run, "aiscale:index:OnlineEndpoint", "ep")) == [
        ("azure-native:machinelearningservices:OnlineEndpoint", "ep-endpoint"),
        ("azure-native:machinelearningservices:OnlineDeployment", "ep-blue"),
        ("azure-native:monitor:AutoscaleSetting", "ep-blue-autoscale"),
        ("azure-native:machinelearningservices:OnlineDeployment", "ep-cpu"),
        ("azure-native:monitor:AutoscaleSetting", "ep-cpu-autoscale"),
        ("pulumi-python:dynamic/azureml:OnlineEndpointTraffic", "ep-traffic"),
        ("azure-native:monitor:DiagnosticSetting", "ep-diagnostics"),
        ("azure-native:monitor:MetricAlert", "ep-alert-latency-p95"),
        ("azure-native:monitor:MetricAlert", "ep-alert-latency-p99"),
        ("azure-native:monitor:ScheduledQueryRule", "ep-alert-error-rate"),
        # A GPU utilisation alert only where the instance type has a GPU.
        ("azure-native:monitor:MetricAlert", "ep-blue-alert-cpu"),
        ("azure-native:monitor:MetricAlert", "ep-blue-alert-gpu"),
        ("azure-native:monitor:MetricAlert", "ep-blue-alert-at-max"),
        ("azure-native:monitor:MetricAlert", "ep-cpu-alert-cpu"),
        ("azure-native:monitor:MetricAlert", "ep-cpu-alert-at-max"),
    ]


def test_latency_alert_against_the_slo() -> None:
    run = alerting_endpoint()
    endpoint = find(run, "azure-native:machinelearningservices:OnlineEndpoint", "ep-endpoint")
    alert = find(run, "azure-native:monitor:MetricAlert", "ep-alert-latency-p99")
    assert alert.inputs == {
        "actions": [{"actionGroupId": "/ag/platform"}],
        "autoMitigate": True,
        "criteria": {
            "allOf": [
                {
                    "criterionType": "StaticThresholdCriterion",
                    "metricName": "RequestLatency_P99",
                    "name": "RequestLatency_P99",
                    "operator": "GreaterThan",
                    "threshold": 300,
                    "timeAggregation": "Average",
                }
            ],
            "odataType": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
        },
        "description": "p99 request latency of endpoint fraud is above its SLO of 300 ms. "
        "Runbook: https://runbooks.example.com/aiscale/endpoint-latency-p99",
        "enabled": True,
        "evaluationFrequency": "PT1M",
        "location": "global",
        "resourceGroupName": "rg",
        "ruleName": "fraud-latency-p99",
        "scopes": ["[unknown]"],
        "severity": 2,
        "targetResourceType": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        "windowSize": "PT5M",
    }
    assert alert.property_dependencies["scopes"] == [endpoint.urn]


def test_error_rate_alert_queries_the_traffic_log() -> None:
    run = alerting_endpoint()
    endpoint = find(run, "azure-native:machinelearningservices:OnlineEndpoint", "ep-endpoint")
    alert = find(run, "azure-native:monitor:ScheduledQueryRule", "ep-alert-error-rate")
    assert alert.inputs["scopes"] == ["/law/platform"]
    assert alert.inputs["criteria"]["allOf"] == [
        {
            "failingPeriods": {"minFailingPeriodsToAlert": 1, "numberOfEvaluationPeriods": 1},
            "metricMeasureColumn": "ErrorRatePercent",
            "operator": "GreaterThan",
            "query": "AmlOnlineEndpointTrafficLog\n"
            '| where EndpointName == "fraud"\n'
            "| summarize Requests = count(), ServerErrors = countif(toint(ResponseCode) >= 500) "
            "by bin(TimeGenerated, 5m)\n"
            "| where Requests > 0\n"
            "| extend ErrorRatePercent = 100.0 * ServerErrors / Requests",
            "threshold": 0.5,
            "timeAggregation": "Maximum",
        }
    ]
    assert alert.inputs["actions"] == {
        "actionGroups": ["/ag/platform"],
        "customProperties": {"runbook": "https://runbooks.example.com/aiscale/endpoint-error-rate"},
    }
    assert (alert.inputs["kind"], alert.inputs["severity"], alert.inputs["windowSize"]) == ("LogAlert", 1, "PT15M")
    # Scoped to the workspace, the log alert covers the endpoint through an explicit dependency.
    assert endpoint.urn in alert.dependencies


def test_deployment_saturation_alerts() -> None:
    run = alerting_endpoint()
    blue = find(run, "azure-native:machinelearningservices:OnlineDeployment", "ep-blue")
    gpu = find(run, "azure-native:monitor:MetricAlert", "ep-blue-alert-gpu")
    at_max = find(run, "azure-native:monitor:MetricAlert", "ep-blue-alert-at-max")
    assert gpu.inputs["criteria"]["allOf"][0] == {
        "criterionType": "StaticThresholdCriterion",
        "metricName": "GpuUtilizationPercentage",
        "name": "GpuUtilizationPercentage",
        "operator": "GreaterThan",
        "threshold": 85,
        "timeAggregation": "Average",
    }
    assert at_max.inputs["criteria"]["allOf"][0] == {
        "criterionType": "StaticThresholdCriterion",
        "metricName": "DeploymentCapacity",
        "name": "DeploymentCapacity",
        "operator": "GreaterThanOrEqual",
        "threshold": 4,
        "timeAggregation": "Maximum",
    }
    assert at_max.inputs["targetResourceType"] == (
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
    )
    assert (gpu.inputs["ruleName"], at_max.inputs["ruleName"]) == ("fraud-blue-gpu", "fraud-blue-at-max")
    assert at_max.inputs["description"].endswith("Runbook: https://runbooks.example.com/aiscale/deployment-at-max")
    assert gpu.property_dependencies["scopes"] == [blue.urn]


def test_endpoint_alerts_need_the_request_logs() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: OnlineEndpoint("ep", endpoint_args(slo=SLO, alert_routing=ROUTING)))
    assert "alert_routing: the error-rate alert queries endpoint logs" in str(caught.value)


# --- Azure ML's own schema accepts what we render -----------------------------------------------------------


def test_rendered_specs_load_with_azure_ai_ml() -> None:
    args = endpoint_args()
    endpoint = load_online_endpoint(source=io.StringIO(yaml.safe_dump(endpoint_spec(args))))
    assert endpoint.auth_mode == "aad_token"
    assert endpoint.traffic == {"blue": 100}
    assert endpoint.mirror_traffic == {"green": 20}
    for name, spec in args["deployments"].items():
        deployment = load_online_deployment(source=io.StringIO(yaml.safe_dump(deployment_spec("fraud", name, spec))))
        assert deployment.instance_type == "Standard_NC4as_T4_v3"
        assert deployment.instance_count == spec["min_instances"]
    green = load_online_deployment(
        source=io.StringIO(yaml.safe_dump(deployment_spec("fraud", "green", args["deployments"]["green"])))
    )
    assert green.request_settings is not None and green.liveness_probe is not None
    assert green.request_settings.request_timeout_ms == 2500
    assert green.liveness_probe.initial_delay == 20


def test_azure_ai_ml_rejects_a_broken_spec() -> None:
    spec = deployment_spec("fraud", "blue", endpoint_args()["deployments"]["blue"])
    spec["instance_count"] = "two"
    spec["request_settings"]["request_timeout_ms"] = "soon"
    with pytest.raises(Exception, match="ManagedOnlineDeploymentSchema"):
        load_online_deployment(source=io.StringIO(yaml.safe_dump(spec)))


# --- Traffic provider against a fake client -------------------------------------------------------------------


class FakeClient:
    def __init__(self, traffic: dict[str, int] | None = None, fail: Exception | None = None) -> None:
        self.traffic = traffic or {}
        self.mirror: dict[str, int] = {}
        self.calls: list[tuple[str, EndpointRef, dict[str, int], dict[str, int]]] = []
        self.fail = fail

    def get_traffic(self, endpoint: EndpointRef) -> tuple[dict[str, int], dict[str, int]]:
        return dict(self.traffic), dict(self.mirror)

    def set_traffic(self, endpoint: EndpointRef, traffic: dict[str, int], mirror_traffic: dict[str, int]) -> None:
        self.calls.append(("set", endpoint, traffic, mirror_traffic))
        if self.fail:
            raise self.fail
        self.traffic, self.mirror = dict(traffic), dict(mirror_traffic)


PROPS = {
    "subscription_id": SUB,
    "resource_group_name": "rg",
    "workspace_name": "mlw",
    "endpoint_name": "fraud",
    "traffic": {"blue": 90, "green": 10},
    "mirror_traffic": {},
    "deployments": ["blue", "green"],
}


def test_provider_create_and_update_call_the_client() -> None:
    client = FakeClient()
    provider = TrafficProvider(client)
    created = provider.create(dict(PROPS))
    assert created.id == (
        f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw/onlineEndpoints/fraud"
    )
    update = {**PROPS, "traffic": {"blue": 0.0, "green": 100.0}}  # numbers arrive as floats from the engine
    provider.update(created.id, PROPS, update)
    assert [(c[2], c[3]) for c in client.calls] == [({"blue": 90, "green": 10}, {}), ({"blue": 0, "green": 100}, {})]
    read = provider.read(created.id, dict(PROPS))
    assert read.outs is not None
    assert read.outs["traffic"] == {"blue": 0, "green": 100}


def test_provider_diff() -> None:
    provider = TrafficProvider(FakeClient())
    assert not provider.diff("id", PROPS, dict(PROPS)).changes
    assert provider.diff("id", PROPS, {**PROPS, "traffic": {"blue": 50, "green": 50}}).changes
    replaced = provider.diff("id", PROPS, {**PROPS, "endpoint_name": "other"})
    assert replaced.changes and replaced.replaces == ["endpoint_name"]


def test_provider_check_refuses_removing_a_serving_deployment() -> None:
    provider = TrafficProvider(FakeClient())
    news = {**PROPS, "traffic": {"blue": 100}, "deployments": ["blue"]}
    result = provider.check(PROPS, news)
    assert [(f.property, f.reason) for f in result.failures] == [
        (
            "deployments",
            "deployments ['green'] still take live traffic and cannot be removed in the same change: move their "
            "traffic to other deployments first, then remove them in a later change",
        )
    ]
    staged = {**PROPS, "traffic": {"blue": 100, "green": 0}}
    assert provider.check(PROPS, staged).failures == []
    assert provider.check(staged, news).failures == []


def test_provider_check_validates_the_split() -> None:
    result = TrafficProvider(FakeClient()).check({}, {**PROPS, "traffic": {"blue": 50}})
    assert [f.property for f in result.failures] == ["traffic"]
    assert isinstance(result.failures[0], CheckFailure)


def test_provider_failure_is_raised_and_traffic_left_unchanged() -> None:
    client = FakeClient(traffic={"blue": 100}, fail=TimeoutError("deployment did not become ready in 1800 s"))
    provider = TrafficProvider(client)
    with pytest.raises(TimeoutError, match="did not become ready"):
        provider.update("id", PROPS, {**PROPS, "traffic": {"blue": 0, "green": 100}})
    assert client.traffic == {"blue": 100}


# --- Registered model versions (pinned by `aiscale promote`) ---------------------------------------------------

REGISTERED: RegisteredModelArgs = {
    "name": "fraud-detector",
    "version": 5,
    "artifact_uri": "azureml://subscriptions/s/resourcegroups/rg/workspaces/mlw-unit/datastores/workspaceblobstore/paths/models/fraud-detector/5",
    "registry": "models:/fraud-detector@champion",
}


def registered_args() -> OnlineEndpointArgs:
    args = endpoint_args()
    green = args["deployments"]["green"]
    del green["model"]
    green["registered_model"] = REGISTERED.copy()
    return args


def test_registered_model_version_is_a_child_the_deployment_references() -> None:
    run = record_program(lambda: OnlineEndpoint("ep", registered_args()))
    assert children(run, find(run, "aiscale:index:OnlineEndpoint", "ep")) == [
        ("azure-native:machinelearningservices:OnlineEndpoint", "ep-endpoint"),
        ("azure-native:machinelearningservices:OnlineDeployment", "ep-blue"),
        ("azure-native:monitor:AutoscaleSetting", "ep-blue-autoscale"),
        ("azure-native:machinelearningservices:ModelVersion", "ep-green-model"),
        ("azure-native:machinelearningservices:OnlineDeployment", "ep-green"),
        ("azure-native:monitor:AutoscaleSetting", "ep-green-autoscale"),
        ("pulumi-python:dynamic/azureml:OnlineEndpointTraffic", "ep-traffic"),
    ]
    version = find(run, "azure-native:machinelearningservices:ModelVersion", "ep-green-model")
    assert version.inputs == {
        "name": "fraud-detector",
        "version": "5",
        "workspaceName": "mlw-unit",
        "resourceGroupName": "rg",
        "properties": {
            "isAnonymous": False,
            "isArchived": False,
            "modelType": "mlflow_model",
            "modelUri": REGISTERED["artifact_uri"],
            "description": "models:/fraud-detector@champion version 5, pinned by aiscale",
            "tags": {
                "mlflow-model": "fraud-detector",
                "mlflow-version": "5",
                "mlflow-registry": "models:/fraud-detector@champion",
            },
        },
    }
    green = find(run, "azure-native:machinelearningservices:OnlineDeployment", "ep-green")
    # The version's ARM id, known once it is registered: the deployment depends on it.
    assert green.inputs["properties"]["model"] == "[unknown]"
    assert green.property_dependencies["properties"] == [version.urn]
    blue = find(run, "azure-native:machinelearningservices:OnlineDeployment", "ep-blue")
    assert blue.inputs["properties"]["model"] == "azureml:fraud:3"


def test_registered_model_specs_load_with_azure_ai_ml() -> None:
    args = registered_args()
    green = args["deployments"]["green"]
    assert "registered_model" in green
    model = load_model(source=io.StringIO(yaml.safe_dump(model_spec(green["registered_model"]))))
    assert (model.name, model.version, model.type, model.path) == (
        "fraud-detector",
        "5",
        "mlflow_model",
        REGISTERED["artifact_uri"],
    )
    assert model.tags is not None
    assert model.tags["mlflow-registry"] == "models:/fraud-detector@champion"
    deployment = load_online_deployment(source=io.StringIO(yaml.safe_dump(deployment_spec("fraud", "green", green))))
    assert deployment.model == "fraud-detector:5"  # azure-ai-ml strips the azureml: prefix of a reference

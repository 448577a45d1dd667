"""Azure ML model monitoring: the data collector of a deployment, the monitor schedules with their Azure Monitor
path and retraining, GPU-signal and off-peak autoscaling, the workspace's jobs identity — exact children and inputs,
and the same monitors rendered as Azure ML YAML specs that azure-ai-ml's own loader accepts (and rejects when a
metric name is wrong)."""

import copy
import io
from typing import Any

import pytest
import yaml
from azure.ai.ml import load_online_deployment
from azure.ai.ml.entities import AlertNotification, CronTrigger
from azure.ai.ml.entities._load_functions import load_schedule
from azure.ai.ml.entities._monitoring.schedule import MonitorSchedule
from azure.ai.ml.entities._schedule.schedule import JobSchedule

from aiscale.components.azure.ml_workspace import MlWorkspace
from aiscale.components.azure.model_monitor import (
    AzureModelMonitor,
    AzureModelMonitorArgs,
    monitor_spec,
    retraining_spec,
)
from aiscale.components.azure.online_endpoint import OffPeakScalingArgs, OnlineEndpoint, deployment_spec
from aiscale.components.common.azure_alerts import AzureAlertRoutingArgs
from aiscale.components.common.model_monitoring import ModelMonitorArgs
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find
from tests.test_component_ml import SUB, endpoint_args, workspace_args

JOB = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw-unit/jobs/retrain"
DRIFT_MONITOR: ModelMonitorArgs = {
    "signals": {
        "data_drift": {"metric": "jensen_shannon_distance", "threshold": 0.1},
        "prediction_drift": {"metric": "pearsons_chi_squared_test", "threshold": 0.05},
        "data_quality": {"metric": "null_value_rate", "threshold": 0.02},
    },
    "reference": {"training_data": "azureml:fraud-training:3", "target_column": "is_fraud"},
    "schedule": {"daily_at_hour": 3},
    "production_window_days": 7,
    "features": ["amount", "merchant"],
}
WINDOW_MONITOR: ModelMonitorArgs = {
    "signals": {"data_drift": {"metric": "population_stability_index", "threshold": 0.2}},
    "reference": {"window_start": "2026-05-04", "window_end": "2026-05-10"},
    "schedule": {"every_hours": 24},
    "production_window_days": 1,
}
ROUTING: AzureAlertRoutingArgs = {
    "action_group_id": "/ag/platform",
    "runbook_base_url": "https://runbooks.example.com/aiscale",
}


def monitor_args(**changes: Any) -> AzureModelMonitorArgs:
    base: AzureModelMonitorArgs = {
        "endpoint_name": "fraud",
        "workspace_name": "mlw-unit",
        "compute_identity_id": "/identities/mlw-unit-jobs",
        "resource_group_name": "rg",
        "location": "westeurope",
        "subscription_id": SUB,
        "deployments": {
            "blue": {
                "deployment_id": "/deployments/blue",
                "model_id": "/models/fraud/versions/3",
                "collected_data": {"model_inputs": "/data/blue-in", "model_outputs": "/data/blue-out"},
                "monitor": copy.deepcopy(DRIFT_MONITOR),
            },
            "green": {
                "deployment_id": "/deployments/green",
                "collected_data": {"model_inputs": "/data/green-in", "model_outputs": "/data/green-out"},
                "monitor": copy.deepcopy(WINDOW_MONITOR),
            },
        },
        "alert_emails": ["ml-oncall@example.com"],
        "spark_instance_type": "standard_e8s_v3",
        "alert_routing": ROUTING,
        "events_topic_name": "mlw-unit-events",
        "retraining": {"pipeline": JOB, "schedule": {"cron": "0 4 * * 1"}, "parameters": {"window_days": "90"}},
        "tags": {"owner": "ml"},
    }
    return changed(base, changes)


def test_monitor_children() -> None:
    run = record_program(lambda: AzureModelMonitor("mon", monitor_args()))
    assert children(run, find(run, "aiscale:index:AzureModelMonitor", "mon")) == [
        ("azure-native:machinelearningservices:Schedule", "mon-blue"),
        ("azure-native:machinelearningservices:Schedule", "mon-green"),
        ("azure-native:eventgrid:SystemTopicEventSubscription", "mon-blue-alert"),
        ("azure-native:eventgrid:SystemTopicEventSubscription", "mon-green-alert"),
        ("azure-native:machinelearningservices:Schedule", "mon-retraining"),
    ]


def test_monitor_schedule_against_the_training_data() -> None:
    run = record_program(lambda: AzureModelMonitor("mon", monitor_args()))
    schedule = find(run, "azure-native:machinelearningservices:Schedule", "mon-blue")
    training = {
        "columns": {"target_column": "is_fraud"},
        "dataContext": "training",
        "inputDataType": "Fixed",
        "jobInputType": "mltable",
        "uri": f"azureml:/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/"
        "workspaces/mlw-unit/data/fraud-training/versions/3",
    }

    def collected(uri: str, context: str) -> dict[str, Any]:
        return {
            "dataContext": context,
            "inputDataType": "Rolling",
            "jobInputType": "uri_folder",
            "uri": uri,
            "windowOffset": "P0D",
            "windowSize": "P7D",
        }

    features = {"features": ["amount", "merchant"], "filterType": "FeatureSubset"}
    assert schedule.inputs == {
        "name": "fraud-blue-monitor",
        "properties": {
            "action": {
                "actionType": "CreateMonitor",
                "monitorDefinition": {
                    "alertNotificationSettings": {"emailNotificationSettings": {"emails": ["ml-oncall@example.com"]}},
                    "computeConfiguration": {
                        "computeIdentity": {
                            "computeIdentityType": "ManagedIdentity",
                            "identity": {
                                "type": "UserAssigned",
                                "userAssignedIdentities": ["/identities/mlw-unit-jobs"],
                            },
                        },
                        "computeType": "ServerlessSpark",
                        "instanceType": "standard_e8s_v3",
                        "runtimeVersion": "3.4",
                    },
                    "monitoringTarget": {
                        "deploymentId": "/deployments/blue",
                        "modelId": "/models/fraud/versions/3",
                        "taskType": "Classification",
                    },
                    "signals": {
                        "data_drift": {
                            "features": features,
                            "metricThresholds": [
                                {
                                    "dataType": "Numerical",
                                    "metric": "JensenShannonDistance",
                                    "threshold": {"value": 0.1},
                                },
                                {
                                    "dataType": "Categorical",
                                    "metric": "JensenShannonDistance",
                                    "threshold": {"value": 0.1},
                                },
                            ],
                            "notificationTypes": ["AmlNotification"],
                            "productionData": collected("azureml:/data/blue-in", "model_inputs"),
                            "referenceData": training,
                            "signalType": "DataDrift",
                        },
                        "prediction_drift": {
                            # Pearson's chi-squared test measures categorical outputs only.
                            "metricThresholds": [
                                {
                                    "dataType": "Categorical",
                                    "metric": "PearsonsChiSquaredTest",
                                    "threshold": {"value": 0.05},
                                }
                            ],
                            "notificationTypes": ["AmlNotification"],
                            "productionData": collected("azureml:/data/blue-out", "model_outputs"),
                            "referenceData": training,
                            "signalType": "PredictionDrift",
                        },
                        "data_quality": {
                            "features": features,
                            "metricThresholds": [
                                {"dataType": "Numerical", "metric": "NullValueRate", "threshold": {"value": 0.02}},
                                {"dataType": "Categorical", "metric": "NullValueRate", "threshold": {"value": 0.02}},
                            ],
                            "notificationTypes": ["AmlNotification"],
                            "productionData": collected("azureml:/data/blue-in", "model_inputs"),
                            "referenceData": training,
                            "signalType": "DataQuality",
                        },
                    },
                },
            },
            "description": "aiscale model monitor of deployment blue of endpoint fraud",
            "displayName": "fraud/blue model monitor",
            "isEnabled": True,
            "tags": {"owner": "ml"},
            "trigger": {
                "frequency": "Day",
                "interval": 1,
                "schedule": {"hours": [3], "minutes": [0]},
                "timeZone": "UTC",
                "triggerType": "Recurrence",
            },
        },
        "resourceGroupName": "rg",
        "workspaceName": "mlw-unit",
    }


def test_a_paused_monitor_is_a_disabled_schedule() -> None:
    args = monitor_args()
    args["deployments"]["green"]["monitor"]["paused"] = True
    run = record_program(lambda: AzureModelMonitor("mon", args))
    enabled = {
        name: find(run, "azure-native:machinelearningservices:Schedule", name).inputs["properties"]["isEnabled"]
        for name in ("mon-blue", "mon-green")
    }
    assert enabled == {"mon-blue": True, "mon-green": False}


def test_monitor_schedule_against_a_fixed_past_window() -> None:
    run = record_program(lambda: AzureModelMonitor("mon", monitor_args()))
    properties = find(run, "azure-native:machinelearningservices:Schedule", "mon-green").inputs["properties"]
    signal = properties["action"]["monitorDefinition"]["signals"]["data_drift"]
    assert signal["referenceData"] == {
        "dataContext": "model_inputs",
        "inputDataType": "Static",
        "jobInputType": "uri_folder",
        "uri": "azureml:/data/green-in",
        "windowEnd": "2026-05-10T00:00:00Z",
        "windowStart": "2026-05-04T00:00:00Z",
    }
    assert signal["features"] == {"filterType": "AllFeatures"}
    assert properties["trigger"] == {
        "frequency": "Hour",
        "interval": 24,
        "timeZone": "UTC",
        "triggerType": "Recurrence",
    }
    assert "modelId" not in properties["action"]["monitorDefinition"]["monitoringTarget"]


def test_a_breached_threshold_is_an_azure_monitor_alert() -> None:
    run = record_program(lambda: AzureModelMonitor("mon", monitor_args()))
    schedule = find(run, "azure-native:machinelearningservices:Schedule", "mon-blue")
    alert = find(run, "azure-native:eventgrid:SystemTopicEventSubscription", "mon-blue-alert")
    assert alert.inputs == {
        "destination": {
            "actionGroups": ["/ag/platform"],
            "description": "Model monitor fraud-blue-monitor of deployment blue (endpoint fraud) breached a drift or "
            "data quality threshold. Runbook: https://runbooks.example.com/aiscale/model-drift",
            "endpointType": "MonitorAlert",
            "severity": "Sev2",
        },
        "eventDeliverySchema": "CloudEventSchemaV1_0",
        "eventSubscriptionName": "fraud-blue-monitor-drift",
        "filter": {
            "advancedFilters": [
                {
                    "key": "data.RunTags.azureml_modelmonitor_threshold_breached",
                    "operatorType": "StringContains",
                    "values": ["has failed due to one or more features violating metric thresholds"],
                },
                {
                    "key": "data.RunTags.azureml_modelmonitor_threshold_breached",
                    "operatorType": "StringContains",
                    "values": ["fraud-blue-monitor"],
                },
            ],
            "includedEventTypes": ["Microsoft.MachineLearningServices.RunStatusChanged"],
            "isSubjectCaseSensitive": False,
        },
        "resourceGroupName": "rg",
        "systemTopicName": "mlw-unit-events",
    }
    # The alert covers the monitor (the policy pack reads the dependency).
    assert schedule.urn in alert.dependencies


def test_retraining_runs_the_referenced_pipeline_job() -> None:
    run = record_program(lambda: AzureModelMonitor("mon", monitor_args()))
    retraining = find(run, "azure-native:machinelearningservices:Schedule", "mon-retraining")
    assert retraining.inputs["name"] == "fraud-retraining"
    assert retraining.inputs["properties"]["action"] == {
        "actionType": "CreateJob",
        "jobDefinition": {
            "experimentName": "Default",
            "inputs": {"window_days": {"jobInputType": "literal", "value": "90"}},
            "isArchived": False,
            "jobType": "Pipeline",
            "sourceJobId": JOB,
        },
    }
    assert retraining.inputs["properties"]["trigger"] == {
        "expression": "0 4 * * 1",
        "timeZone": "UTC",
        "triggerType": "Cron",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"alert_emails": []}, "alert_emails: Azure ML notifies monitors by e-mail: give at least one address"),
        ({"alert_emails": [f"oncall-{i}@example.com" for i in range(30)]}, "alert_emails: Azure ML takes at most 499"),
        ({"spark_instance_type": "standard_d4s_v3"}, "spark_instance_type: 'standard_d4s_v3' is not one of"),
        ({"events_topic_name": None}, "events_topic_name: the Azure Monitor alert subscribes to the workspace's"),
        (
            {"retraining": {"pipeline": "retrain", "schedule": {"cron": "0 4 * * 1"}}},
            "retraining.pipeline: 'retrain' is not the ARM id of an Azure ML job",
        ),
    ],
)
def test_monitor_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: AzureModelMonitor("mon", monitor_args(**changes)))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("signal", "metric", "message"),
    [
        (
            "data_drift",
            "jensen_shannon_divergence",
            "monitors.blue.signals.data_drift: 'jensen_shannon_divergence' is not a metric Azure ML computes",
        ),
        ("model_performance", "accuracy", "monitors.blue.signals.model_performance: 'model_performance' is not one of"),
    ],
)
def test_a_metric_azure_ml_does_not_compute_is_refused(signal: str, metric: str, message: str) -> None:
    args = monitor_args()
    args["deployments"]["blue"]["monitor"]["signals"] = {signal: {"metric": metric, "threshold": 0.1}}
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: AzureModelMonitor("mon", args))
    assert message in str(caught.value)


# --- azure-ai-ml's own loader accepts what we render, and rejects what Azure ML would --------------------------


def load(spec: dict[str, Any]) -> Any:
    return load_schedule(io.StringIO(yaml.safe_dump(spec)))


def test_monitor_specs_load_with_azure_ai_ml() -> None:
    args = monitor_args()
    for deployment, spec in args["deployments"].items():
        loaded = load(monitor_spec("fraud", deployment, spec, args))
        assert isinstance(loaded, MonitorSchedule)
        definition = loaded.create_monitor
        assert definition.monitoring_target is not None
        assert definition.monitoring_target.endpoint_deployment_id == f"azureml:fraud:{deployment}"
        assert definition.compute.instance_type == "standard_e8s_v3"
        assert isinstance(definition.alert_notification, AlertNotification)
        assert definition.alert_notification.emails == ["ml-oncall@example.com"]
        assert sorted(definition.monitoring_signals) == sorted(spec["monitor"]["signals"])
    blue = load(monitor_spec("fraud", "blue", args["deployments"]["blue"], args)).create_monitor
    drift = blue.monitoring_signals["data_drift"]
    assert (
        drift.metric_thresholds.numerical.jensen_shannon_distance,
        drift.metric_thresholds.categorical.jensen_shannon_distance,
    ) == (0.1, 0.1)
    assert drift.features == ["amount", "merchant"]
    assert drift.production_data.data_window.lookback_window_size == "P7D"
    assert drift.reference_data.data_column_names == {"target_column": "is_fraud"}
    prediction = blue.monitoring_signals["prediction_drift"].metric_thresholds
    assert (prediction.numerical, prediction.categorical.pearsons_chi_squared_test) == (None, 0.05)
    assert blue.monitoring_signals["data_quality"].metric_thresholds.numerical.null_value_rate == 0.02
    green = load(monitor_spec("fraud", "green", args["deployments"]["green"], args))
    window = green.create_monitor.monitoring_signals["data_drift"].reference_data.data_window
    assert (window.window_start, window.window_end) == ("2026-05-04", "2026-05-10")
    assert (green.trigger.frequency, green.trigger.interval) == ("hour", 24)


def test_azure_ai_ml_rejects_a_metric_name_azure_ml_does_not_know() -> None:
    args = monitor_args()
    spec = monitor_spec("fraud", "blue", args["deployments"]["blue"], args)
    thresholds = spec["create_monitor"]["monitoring_signals"]["data_drift"]["metric_thresholds"]
    thresholds["numerical"] = {"jensen_shannon_divergence": 0.1}
    with pytest.raises(Exception, match=r"jensen_shannon_divergence|Unknown field"):
        MonitorSchedule._load(data=spec)
    with pytest.raises(Exception):  # noqa: B017 - load_schedule fails (azure-ai-ml 1.35 re-raises it as NotImplementedError)
        load(spec)


def test_retraining_spec_loads_as_a_job_schedule() -> None:
    args = monitor_args()
    assert "retraining" in args
    loaded = load(retraining_spec("fraud", args["retraining"]))
    assert isinstance(loaded, JobSchedule)
    assert loaded.create_job == JOB
    assert isinstance(loaded.trigger, CronTrigger)
    assert loaded.trigger.expression == "0 4 * * 1"


# --- The endpoint: data collector, GPU-signal and off-peak autoscaling -----------------------------------------

OFF_PEAK: OffPeakScalingArgs = {
    "days": ["Friday", "Saturday"],
    "start_hour": 22,
    "end_hour": 6,
    "time_zone": "W. Europe Standard Time",
    "min_instances": 1,
    "max_instances": 2,
}


def collecting_endpoint() -> Any:
    args = endpoint_args()
    args["deployments"]["blue"]["data_collection"] = {"sampling_rate": 0.25, "rolling_rate": "Hour"}
    args["deployments"]["blue"]["off_peak"] = OFF_PEAK
    args["deployments"]["green"]["instance_type"] = "Standard_DS3_v2"
    return args


def test_collecting_deployment_children_and_data_collector() -> None:
    run = record_program(lambda: OnlineEndpoint("ep", collecting_endpoint()))
    assert children(run, find(run, "aiscale:index:OnlineEndpoint", "ep"))[:4] == [
        ("azure-native:machinelearningservices:OnlineEndpoint", "ep-endpoint"),
        ("azure-native:machinelearningservices:DataVersion", "ep-blue-model-inputs"),
        ("azure-native:machinelearningservices:DataVersion", "ep-blue-model-outputs"),
        ("azure-native:machinelearningservices:OnlineDeployment", "ep-blue"),
    ]
    inputs = find(run, "azure-native:machinelearningservices:DataVersion", "ep-blue-model-inputs")
    assert inputs.inputs == {
        "name": "fraud-blue-model_inputs",
        "properties": {
            "dataType": "uri_folder",
            "dataUri": "azureml://datastores/workspaceblobstore/paths/modelDataCollector/fraud/blue/model_inputs",
            "description": "model_inputs of deployment blue of endpoint fraud, collected for model monitoring",
            "isAnonymous": False,
            "isArchived": False,
        },
        "resourceGroupName": "rg",
        "version": "1",
        "workspaceName": "mlw-unit",
    }
    blue = find(run, "azure-native:machinelearningservices:OnlineDeployment", "ep-blue")
    assert blue.inputs["properties"]["dataCollector"] == {
        "collections": {
            "model_inputs": {"dataCollectionMode": "Enabled", "dataId": "[unknown]", "samplingRate": 0.25},
            "model_outputs": {"dataCollectionMode": "Enabled", "dataId": "[unknown]", "samplingRate": 0.25},
        },
        "rollingRate": "Hour",
    }
    outputs = find(run, "azure-native:machinelearningservices:DataVersion", "ep-blue-model-outputs")
    assert set(blue.property_dependencies["properties"]) == {inputs.urn, outputs.urn}
    green = find(run, "azure-native:machinelearningservices:OnlineDeployment", "ep-green")
    assert "dataCollector" not in green.inputs["properties"]


def test_gpu_deployments_scale_on_the_gpu_with_off_peak_bounds() -> None:
    run = record_program(lambda: OnlineEndpoint("ep", collecting_endpoint()))
    blue = find(run, "azure-native:monitor:AutoscaleSetting", "ep-blue-autoscale").inputs["profiles"]
    assert [p["name"] for p in blue] == ["utilization", "off-peak", "peak"]
    assert {r["metricTrigger"]["metricName"] for p in blue for r in p["rules"]} == {"GpuUtilizationPercentage"}
    assert [(p["capacity"], p.get("recurrence")) for p in blue] == [
        ({"default": "2", "maximum": "4", "minimum": "2"}, None),
        (
            {"default": "1", "maximum": "2", "minimum": "1"},
            {
                "frequency": "Week",
                "schedule": {
                    "days": ["Friday", "Saturday"],
                    "hours": [22],
                    "minutes": [0],
                    "timeZone": "W. Europe Standard Time",
                },
            },
        ),
        (
            # The period spans midnight: normal bounds return on the next mornings.
            {"default": "2", "maximum": "4", "minimum": "2"},
            {
                "frequency": "Week",
                "schedule": {
                    "days": ["Saturday", "Sunday"],
                    "hours": [6],
                    "minutes": [0],
                    "timeZone": "W. Europe Standard Time",
                },
            },
        ),
    ]
    green = find(run, "azure-native:monitor:AutoscaleSetting", "ep-green-autoscale").inputs["profiles"]
    assert [r["metricTrigger"]["metricName"] for r in green[0]["rules"]] == ["CpuUtilizationPercentage"] * 2


def test_a_collecting_deployment_spec_loads_with_azure_ai_ml() -> None:
    args = collecting_endpoint()
    loaded = load_online_deployment(
        source=io.StringIO(yaml.safe_dump(deployment_spec("fraud", "blue", args["deployments"]["blue"])))
    )
    collector = loaded.data_collector
    assert sorted(collector.collections) == ["model_inputs", "model_outputs"]
    assert collector.collections["model_inputs"].sampling_rate == 0.25
    assert collector.collections["model_inputs"].data.name == "fraud-blue-model_inputs"
    assert collector.rolling_rate == "hour"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"data_collection": {"sampling_rate": 0}}, "deployments.blue.data_collection.sampling_rate: must be above 0"),
        ({"data_collection": {"sampling_rate": 0.5, "rolling_rate": "Week"}}, "'Week' is not one of Minute, Hour, Day"),
        ({"off_peak": {**OFF_PEAK, "days": ["Funday"]}}, "deployments.blue.off_peak.days: give days among Monday"),
        ({"off_peak": {**OFF_PEAK, "end_hour": 22}}, "deployments.blue.off_peak.start_hour: start_hour and end_hour"),
    ],
)
def test_collection_and_off_peak_validation(change: dict[str, Any], message: str) -> None:
    deployments = endpoint_args()["deployments"]
    args = endpoint_args(deployments={**deployments, "blue": changed(deployments["blue"], change)})
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: OnlineEndpoint("ep", args))
    assert message in str(caught.value)


# --- The workspace's jobs identity and events ------------------------------------------------------------------


def test_workspace_with_model_monitoring() -> None:
    run = record_program(lambda: MlWorkspace("ml", workspace_args(model_monitoring=True)))
    jobs = find(run, "azure-native:managedidentity:UserAssignedIdentity", "ml-jobs-identity")
    assert jobs.inputs["resourceName"] == "mlw-unit-jobs"
    workspace = find(run, "azure-native:machinelearningservices:Workspace", "ml-workspace")
    assert workspace.inputs["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentities": ["[unknown]", "[unknown]"],
    }
    assert jobs.urn in workspace.property_dependencies["identity"]
    roles = {
        name: find(run, "azure-native:authorization:RoleAssignment", name)
        for name in ("ml-jobs-data-scientist", "ml-jobs-storage-blob")
    }
    assert roles["ml-jobs-data-scientist"].inputs["roleDefinitionId"].endswith("/f6c7c914-8db3-469d-8ca1-694a8f32e121")
    assert roles["ml-jobs-data-scientist"].property_dependencies["scope"] == [workspace.urn]
    assert roles["ml-jobs-storage-blob"].inputs["roleDefinitionId"].endswith("/ba92f5b4-2d11-453d-a403-e96b0029c9fe")
    topic = find(run, "azure-native:eventgrid:SystemTopic", "ml-events")
    assert {k: v for k, v in topic.inputs.items() if k != "tags"} == {
        "location": "westeurope",
        "resourceGroupName": "rg",
        "source": "[unknown]",
        "systemTopicName": "mlw-unit-events",
        "topicType": "Microsoft.MachineLearningServices.Workspaces",
    }
    assert topic.property_dependencies["source"] == [workspace.urn]
    # Off by default: no new children for workspaces that monitor nothing.
    plain = record_program(lambda: MlWorkspace("ml", workspace_args()))
    assert not [r for r in plain.registrations if r.name.startswith(("ml-jobs", "ml-events"))]

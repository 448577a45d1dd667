"""Vertex AI endpoints: the component's children and inputs, and the model deployment providers driven with fake
aiplatform clients that check the exact request objects, failure paths included."""

import concurrent.futures
from typing import Any

import pytest
from google.api_core import exceptions
from google.cloud import aiplatform_v1
from google.protobuf import field_mask_pb2

from aiscale.components.gcp.vertex_deployment import (
    EndpointTrafficProvider,
    ModelDeploymentProvider,
    VertexDeploymentError,
)
from aiscale.components.gcp.vertex_endpoint import VertexEndpoint, VertexEndpointArgs, accelerator
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from aiscale.core.rules import vertex_endpoint_id
from tests.conftest import changed, children, find

ENDPOINT = "projects/p-unit/locations/europe-west4/endpoints/1234567890"
KEY = "projects/p-unit/locations/europe-west4/keyRings/r/cryptoKeys/platform"
IMAGE = "europe-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-5:latest"
ALERTS: dict[str, Any] = {
    "slo": {"latency_p95_ms": 120, "latency_p99_ms": 300, "error_rate_percent": 0.5},
    "alert_routing": {
        "notification_channels": ["projects/p-unit/notificationChannels/1"],
        "runbook_base_url": "https://runbooks.example.com/aiscale",
    },
}


def endpoint_args(**changes: Any) -> VertexEndpointArgs:
    base: VertexEndpointArgs = {
        "endpoint_name": "fraud",
        "project": "p-unit",
        "project_number": "123456789012",
        "region": "europe-west4",
        "deployments": {
            "blue": {
                "model": {"artifact_uri": "gs://models/fraud/3", "serving_container_image": IMAGE},
                "machine_type": "g2-standard-8",
                "min_replicas": 2,
                "max_replicas": 6,
            },
            "green": {
                "model": {
                    "artifact_uri": "gs://models/fraud/4",
                    "serving_container_image": IMAGE,
                    "version_labels": {"mlflow-model": "fraud-detector", "mlflow-version": "4"},
                },
                "machine_type": "n1-standard-4",
                "min_replicas": 1,
                "max_replicas": 2,
                "target_utilization_percentage": 70,
            },
        },
        "traffic": {"blue": 90, "green": 10},
        "network_name": "unit-vpc",
        "customer_managed_key": {"key_id": KEY},
        "labels": {"owner": "ml"},
    }
    return changed(base, changes)


def test_endpoint_children() -> None:
    run = record_program(lambda: VertexEndpoint("ep", endpoint_args(**ALERTS)))
    assert children(run, find(run, "aiscale:index:VertexEndpoint", "ep")) == [
        ("gcp:vertex/aiEndpoint:AiEndpoint", "ep-endpoint"),
        ("pulumi-python:dynamic/vertex:ModelDeployment", "ep-blue"),
        ("pulumi-python:dynamic/vertex:ModelDeployment", "ep-green"),
        ("pulumi-python:dynamic/vertex:EndpointTraffic", "ep-traffic"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "ep-alert-latency-p95"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "ep-alert-latency-p99"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "ep-alert-error-rate"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "ep-blue-alert-at-max"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "ep-green-alert-at-max"),
    ]


def test_private_cmek_endpoint() -> None:
    run = record_program(lambda: VertexEndpoint("ep", endpoint_args()))
    endpoint = find(run, "gcp:vertex/aiEndpoint:AiEndpoint", "ep-endpoint")
    assert endpoint.ignore_changes == ["trafficSplit"]
    assert endpoint.inputs == {
        "description": "aiscale endpoint fraud",
        "displayName": "fraud",
        "encryptionSpec": {"kmsKeyName": KEY},
        "labels": {"owner": "ml"},
        "location": "europe-west4",
        "name": vertex_endpoint_id("p-unit", "europe-west4", "fraud"),
        "privateServiceConnectConfig": {
            "enablePrivateServiceConnect": True,
            "projectAllowlists": ["p-unit"],
            "pscAutomationConfigs": [
                {"network": "projects/123456789012/global/networks/unit-vpc", "projectId": "p-unit"}
            ],
        },
        "project": "p-unit",
        "region": "europe-west4",
    }


def test_peered_and_public_endpoints() -> None:
    run = record_program(lambda: VertexEndpoint("ep", endpoint_args(network_access="vpc_peering")))
    peered = find(run, "gcp:vertex/aiEndpoint:AiEndpoint", "ep-endpoint").inputs
    assert peered["network"] == "projects/123456789012/global/networks/unit-vpc"
    assert "privateServiceConnectConfig" not in peered
    args = endpoint_args(
        network_access="public",
        health_check_path="/v1/health",
        **ALERTS,
        request_logging={"sampling_rate": 0.1, "bigquery_table": "bq://p-unit.logs.fraud"},
    )
    run = record_program(lambda: VertexEndpoint("ep", args))
    public = find(run, "gcp:vertex/aiEndpoint:AiEndpoint", "ep-endpoint").inputs
    assert public["dedicatedEndpointEnabled"] is True
    assert "network" not in public and "privateServiceConnectConfig" not in public
    assert public["predictRequestResponseLoggingConfig"] == {
        "bigqueryDestination": {"outputUri": "bq://p-unit.logs.fraud"},
        "enabled": True,
        "samplingRate": 0.1,
    }
    uptime = find(run, "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig", "ep-uptime")
    numeric = vertex_endpoint_id("p-unit", "europe-west4", "fraud")
    assert uptime.inputs["monitoredResource"] == {
        "labels": {"host": f"{numeric}.europe-west4-123456789012.prediction.vertexai.goog", "project_id": "p-unit"},
        "type": "uptime_url",
    }
    assert uptime.inputs["httpCheck"] == {
        "path": "/v1/health",
        "port": 443,
        "serviceAgentAuthentication": {"type": "OIDC_TOKEN"},
        "useSsl": True,
        "validateSsl": True,
    }
    alert = find(run, "gcp:monitoring/alertPolicy:AlertPolicy", "ep-alert-uptime")
    assert uptime.urn in alert.dependencies


def test_model_deployments_carry_the_model_and_its_labels() -> None:
    run = record_program(lambda: VertexEndpoint("ep", endpoint_args()))
    endpoint = find(run, "gcp:vertex/aiEndpoint:AiEndpoint", "ep-endpoint")
    blue = find(run, "pulumi-python:dynamic/vertex:ModelDeployment", "ep-blue")
    green = find(run, "pulumi-python:dynamic/vertex:ModelDeployment", "ep-green")
    assert {k: v for k, v in blue.inputs.items() if k != "__provider"} == {
        "accelerator_count": 1,
        "accelerator_type": "NVIDIA_L4",
        "autoscaling": {"aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle": 60},
        "deployment_name": "blue",
        "endpoint": "[unknown]",
        "machine_type": "g2-standard-8",
        "max_replicas": 6,
        "min_replicas": 2,
        "model": {
            "artifact_uri": "gs://models/fraud/3",
            "display_name": "fraud-blue",
            "kms_key_name": KEY,
            "labels": {"aiscale-deployment": "blue", "aiscale-endpoint": "fraud", "owner": "ml"},
            "serving_container_image": IMAGE,
        },
    }
    assert blue.property_dependencies["endpoint"] == [endpoint.urn]
    assert green.inputs["model"]["labels"] == {
        "aiscale-deployment": "green",
        "aiscale-endpoint": "fraud",
        "mlflow-model": "fraud-detector",
        "mlflow-version": "4",
        "owner": "ml",
    }
    # A CPU machine: no accelerator type is sent (absent), and a count of 0.
    assert ("accelerator_type" in green.inputs, green.inputs["accelerator_count"]) == (False, 0)
    assert green.inputs["autoscaling"] == {"aiplatform.googleapis.com/prediction/online/cpu/utilization": 70}
    traffic = find(run, "pulumi-python:dynamic/vertex:EndpointTraffic", "ep-traffic")
    assert traffic.inputs["traffic"] == {"blue": 90, "green": 10}
    assert {blue.urn, green.urn} <= set(traffic.dependencies)


def test_slo_alerts() -> None:
    run = record_program(lambda: VertexEndpoint("ep", endpoint_args(**ALERTS)))
    endpoint = find(run, "gcp:vertex/aiEndpoint:AiEndpoint", "ep-endpoint")
    numeric = vertex_endpoint_id("p-unit", "europe-west4", "fraud")
    selector = f'monitored_resource="aiplatform.googleapis.com/Endpoint",endpoint_id="{numeric}"'
    p99 = find(run, "gcp:monitoring/alertPolicy:AlertPolicy", "ep-alert-latency-p99")
    assert p99.inputs["conditions"][0]["conditionPrometheusQueryLanguage"]["query"] == (
        "histogram_quantile(0.99, sum by (le) (rate("
        f"aiplatform_googleapis_com:prediction_online_prediction_latencies_bucket{{{selector}}}[5m]))) > 300"
    )
    assert p99.inputs["severity"] == "ERROR"
    errors = find(run, "gcp:monitoring/alertPolicy:AlertPolicy", "ep-alert-error-rate")
    assert errors.inputs["conditions"][0]["conditionPrometheusQueryLanguage"] == {
        "duration": "900s",
        "evaluationInterval": "60s",
        "query": f"100 * sum(rate(aiplatform_googleapis_com:prediction_online_error_count{{{selector}}}[5m]))"
        f" / sum(rate(aiplatform_googleapis_com:prediction_online_prediction_count{{{selector}}}[5m])) > 0.5",
    }
    assert errors.inputs["documentation"]["links"] == [
        {"displayName": "Runbook", "url": "https://runbooks.example.com/aiscale/endpoint-error-rate"}
    ]
    assert endpoint.urn in errors.dependencies
    at_max = find(run, "gcp:monitoring/alertPolicy:AlertPolicy", "ep-blue-alert-at-max")
    blue = find(run, "pulumi-python:dynamic/vertex:ModelDeployment", "ep-blue")
    assert {endpoint.urn, blue.urn} <= set(at_max.dependencies)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"network_access": "internet"}, "network_access: 'internet' is not one of private_service_connect"),
        ({"network_name": None}, "network_name: private_service_connect needs the platform VPC"),
        ({"health_check_path": "/health"}, "health_check_path: an uptime check cannot reach a private endpoint"),
        ({"traffic": {"blue": 50}}, "traffic: traffic sums to 50; live traffic must sum to 100"),
    ],
)
def test_endpoint_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: VertexEndpoint("ep", endpoint_args(**changes)))
    assert message in str(caught.value)


def test_endpoint_ids_and_accelerators() -> None:
    numeric = vertex_endpoint_id("p-unit", "europe-west4", "fraud")
    assert numeric == vertex_endpoint_id("p-unit", "europe-west4", "fraud")
    assert len(numeric) == 10 and numeric[0] != "0"
    assert numeric != vertex_endpoint_id("p-unit", "europe-west4", "search")
    assert accelerator("a2-highgpu-2g") == ("NVIDIA_TESLA_A100", 2)
    assert accelerator("n1-standard-4") == (None, 0)


# --- Providers against fake aiplatform clients -----------------------------------------------------------------


class FakeVertex:
    """Records the request objects; can fail a chosen call with a chosen error."""

    def __init__(self, fail: dict[str, BaseException] | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail = fail or {}
        self.traffic: dict[str, int] = {"111": 100}

    def _call(self, name: str, request: Any) -> None:
        self.calls.append((name, request))
        if name in self.fail:
            raise self.fail[name]

    def upload_model(self, request: Any, timeout: float) -> str:
        self._call("upload_model", request)
        return "projects/p-unit/locations/europe-west4/models/987@1"

    def deploy_model(self, request: Any, timeout: float) -> str:
        self._call("deploy_model", request)
        return "222"

    def mutate_deployed_model(self, request: Any, timeout: float) -> None:
        self._call("mutate_deployed_model", request)

    def undeploy_model(self, request: Any, timeout: float) -> None:
        self._call("undeploy_model", request)

    def delete_model(self, model_name: str, timeout: float) -> None:
        self._call("delete_model", model_name)

    def update_endpoint(self, request: Any) -> None:
        self._call("update_endpoint", request)
        self.traffic = dict(request.endpoint.traffic_split)

    def get_traffic(self, endpoint: str) -> dict[str, int]:
        return dict(self.traffic)


PROPS: dict[str, Any] = {
    "endpoint": ENDPOINT,
    "deployment_name": "green",
    "model": {
        "display_name": "fraud-green",
        "artifact_uri": "gs://models/fraud/4",
        "serving_container_image": IMAGE,
        "labels": {"mlflow-model": "fraud-detector", "mlflow-version": "4"},
        "kms_key_name": KEY,
    },
    "machine_type": "g2-standard-8",
    "accelerator_type": "NVIDIA_L4",
    "accelerator_count": 1,
    "min_replicas": 2.0,
    "max_replicas": 6.0,
    "autoscaling": {"aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle": 60.0},
    "service_account": None,
}


def test_create_uploads_then_deploys_without_touching_traffic() -> None:
    fake = FakeVertex()
    result = ModelDeploymentProvider(fake).create(dict(PROPS))
    assert [name for name, _ in fake.calls] == ["upload_model", "deploy_model"]
    assert fake.calls[0][1] == aiplatform_v1.UploadModelRequest(
        parent="projects/p-unit/locations/europe-west4",
        model=aiplatform_v1.Model(
            display_name="fraud-green",
            artifact_uri="gs://models/fraud/4",
            container_spec=aiplatform_v1.ModelContainerSpec(image_uri=IMAGE),
            labels={"mlflow-model": "fraud-detector", "mlflow-version": "4"},
            encryption_spec=aiplatform_v1.EncryptionSpec(kms_key_name=KEY),
        ),
    )
    assert fake.calls[1][1] == aiplatform_v1.DeployModelRequest(
        endpoint=ENDPOINT,
        deployed_model=aiplatform_v1.DeployedModel(
            model="projects/p-unit/locations/europe-west4/models/987@1",
            display_name="green",
            dedicated_resources=aiplatform_v1.DedicatedResources(
                machine_spec=aiplatform_v1.MachineSpec(
                    machine_type="g2-standard-8", accelerator_type="NVIDIA_L4", accelerator_count=1
                ),
                min_replica_count=2,
                max_replica_count=6,
                autoscaling_metric_specs=[
                    aiplatform_v1.AutoscalingMetricSpec(
                        metric_name="aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle", target=60
                    )
                ],
            ),
        ),
        traffic_split={},
    )
    assert result.id == f"{ENDPOINT}/deployedModels/222"
    assert result.outs is not None
    assert (result.outs["deployed_model_id"], result.outs["model_name"]) == (
        "222",
        "projects/p-unit/locations/europe-west4/models/987@1",
    )
    assert fake.traffic == {"111": 100}


def test_quota_error_is_clear_cleans_up_and_leaves_traffic() -> None:
    fake = FakeVertex(
        fail={"deploy_model": exceptions.ResourceExhausted("Quota 'custom_model_serving_nvidia_l4_gpus' exceeded")}
    )
    with pytest.raises(VertexDeploymentError) as caught:
        ModelDeploymentProvider(fake).create(dict(PROPS))
    message = str(caught.value)
    assert message.startswith(f"deploying deployment 'green' on endpoint {ENDPOINT}: quota exhausted for g2-standard-8")
    assert "1 x NVIDIA_L4" in message and "Traffic was not changed." in message
    assert [name for name, _ in fake.calls] == ["upload_model", "deploy_model", "delete_model"]
    assert fake.calls[-1][1] == "projects/p-unit/locations/europe-west4/models/987@1"
    assert fake.traffic == {"111": 100}


def test_deploy_timeout_is_clear() -> None:
    fake = FakeVertex(fail={"deploy_model": concurrent.futures.TimeoutError()})
    with pytest.raises(VertexDeploymentError) as caught:
        ModelDeploymentProvider(fake, timeout_seconds=30).create(dict(PROPS))
    assert "did not finish within 30 s (g2-standard-8 with 1 x NVIDIA_L4)" in str(caught.value)
    assert "pulumi refresh" in str(caught.value)
    assert fake.traffic == {"111": 100}


def test_upload_failure_deploys_nothing() -> None:
    fake = FakeVertex(fail={"upload_model": exceptions.PermissionDenied("aiplatform.models.upload denied")})
    with pytest.raises(VertexDeploymentError, match=r"uploading the model for deployment 'green'.*PermissionDenied"):
        ModelDeploymentProvider(fake).create(dict(PROPS))
    assert [name for name, _ in fake.calls] == ["upload_model"]


def test_model_changes_replace_and_replica_changes_update_in_place() -> None:
    provider = ModelDeploymentProvider(FakeVertex())
    new_model = {**PROPS, "model": {**PROPS["model"], "artifact_uri": "gs://models/fraud/5"}}
    diff = provider.diff("id", dict(PROPS), new_model)
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == (True, ["model"], False)
    diff = provider.diff("id", dict(PROPS), {**PROPS, "max_replicas": 8})
    assert (diff.changes, diff.replaces) == (True, [])
    assert provider.diff("id", dict(PROPS), {**PROPS, "min_replicas": 2}).changes is False


def test_update_mutates_replicas() -> None:
    fake = FakeVertex()
    olds = {**PROPS, "deployed_model_id": "222", "model_name": "m@1"}
    result = ModelDeploymentProvider(fake).update("id", olds, {**PROPS, "max_replicas": 8})
    assert fake.calls == [
        (
            "mutate_deployed_model",
            aiplatform_v1.MutateDeployedModelRequest(
                endpoint=ENDPOINT,
                deployed_model=aiplatform_v1.DeployedModel(
                    id="222",
                    dedicated_resources=aiplatform_v1.DedicatedResources(min_replica_count=2, max_replica_count=8),
                ),
                update_mask=field_mask_pb2.FieldMask(
                    paths=["dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count"]
                ),
            ),
        )
    ]
    assert result.outs["deployed_model_id"] == "222"


def test_delete_undeploys() -> None:
    fake = FakeVertex()
    ModelDeploymentProvider(fake).delete("id", {**PROPS, "deployed_model_id": "222"})
    assert fake.calls == [
        ("undeploy_model", aiplatform_v1.UndeployModelRequest(endpoint=ENDPOINT, deployed_model_id="222"))
    ]


def test_check_refuses_bad_replicas() -> None:
    result = ModelDeploymentProvider(FakeVertex()).check({}, {**PROPS, "min_replicas": 0})
    assert [(f.property, f.reason) for f in result.failures] == [
        ("min_replicas", "need 1 <= min_replicas <= max_replicas")
    ]


TRAFFIC: dict[str, Any] = {
    "endpoint": ENDPOINT,
    "traffic": {"blue": 90, "green": 10},
    "deployed_model_ids": {"blue": "111", "green": "222"},
}


def test_traffic_is_set_by_deployed_model_id() -> None:
    fake = FakeVertex()
    EndpointTrafficProvider(fake).create(dict(TRAFFIC))
    assert fake.calls == [
        (
            "update_endpoint",
            aiplatform_v1.UpdateEndpointRequest(
                endpoint=aiplatform_v1.Endpoint(name=ENDPOINT, traffic_split={"111": 90, "222": 10}),
                update_mask=field_mask_pb2.FieldMask(paths=["traffic_split"]),
            ),
        )
    ]
    read = EndpointTrafficProvider(fake).read("id", dict(TRAFFIC))
    assert read.outs is not None
    assert read.outs["traffic"] == {"blue": 90, "green": 10}


def test_traffic_checks() -> None:
    provider = EndpointTrafficProvider(FakeVertex())
    bad = provider.check({}, {**TRAFFIC, "traffic": {"blue": 80}})
    assert [f.reason for f in bad.failures] == ["traffic sums to 80; live traffic must sum to 100"]
    removed = provider.check(
        dict(TRAFFIC), {**TRAFFIC, "traffic": {"blue": 100}, "deployed_model_ids": {"blue": "111"}}
    )
    assert [f.property for f in removed.failures] == ["deployed_model_ids"]
    assert "deployments ['green'] still take live traffic" in removed.failures[0].reason
    assert provider.diff("id", dict(TRAFFIC), dict(TRAFFIC)).changes is False
    # A replaced deployment gets a new deployed model id: the split must be sent again.
    moved = {**TRAFFIC, "deployed_model_ids": {"blue": "111", "green": "333"}}
    assert provider.diff("id", dict(TRAFFIC), moved).changes is True


def test_traffic_failure_is_clear() -> None:
    fake = FakeVertex(fail={"update_endpoint": exceptions.FailedPrecondition("deployed model 333 not found")})
    with pytest.raises(VertexDeploymentError, match=f"setting traffic deployment '\\*' on endpoint {ENDPOINT}"):
        EndpointTrafficProvider(fake).create(dict(TRAFFIC))

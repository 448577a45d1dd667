"""Deploying models to a Vertex AI endpoint as IaC: Pulumi dynamic resources backed by google-cloud-aiplatform.

pulumi-gcp can create an endpoint but cannot upload a model or deploy one to it (``deployed_models`` is output-only).
Two dynamic resources fill the gap, mirroring the Azure online endpoint design:

- :class:`VertexModelDeployment` — one deployed model: *create* uploads the model (artifacts + serving container,
  CMEK, version labels) and deploys it on dedicated resources with **no traffic**; any change of model or machine
  is a *replacement* (deploy the new one, then the old one is undeployed once traffic has moved); *delete*
  undeploys.
- :class:`VertexEndpointTraffic` — the endpoint's traffic split over the deployments, set after they exist; its
  preview-time check refuses a split that does not sum to 100 and the removal of a deployment that still serves.

The aiplatform calls sit behind :class:`VertexClient`: request objects are built by pure functions
(``*_request``), the client only sends them. Offline runs register the resources and call nothing; tests drive the
providers with fake clients and compare the exact request objects. A quota error or a timeout ends the update with
a clear error naming the endpoint and the machine, and leaves traffic unchanged (deployment never touches it).
"""

import concurrent.futures
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider

from aiscale.core import rules

if TYPE_CHECKING:
    from google.cloud import aiplatform_v1

#: Deploying a large model can take long: the provider waits this long for each operation by default.
DEFAULT_TIMEOUT_SECONDS = 3600.0
#: Inputs whose change replaces the deployment (a deployed model cannot be changed in place).
REPLACING = (
    "endpoint",
    "model",
    "machine_type",
    "accelerator_type",
    "accelerator_count",
    "autoscaling",
    "service_account",
)
#: Replica bounds change in place (``MutateDeployedModel``).
MUTABLE = ("min_replicas", "max_replicas")


class VertexDeploymentError(Exception):
    """A Vertex AI call failed; the message names the endpoint, the deployment and what to do."""


def region_of(endpoint: str) -> str:
    """``europe-west4`` from ``projects/p/locations/europe-west4/endpoints/123``."""
    parts = endpoint.split("/")
    if len(parts) != 6 or parts[0] != "projects" or parts[2] != "locations" or parts[4] != "endpoints":
        raise VertexDeploymentError(
            f"{endpoint!r} is not an endpoint resource name (projects/*/locations/*/endpoints/*)"
        )
    return parts[3]


# --- Request builders (pure) ---------------------------------------------------------------------------------


def upload_request(props: Mapping[str, Any]) -> "aiplatform_v1.UploadModelRequest":
    from google.cloud import aiplatform_v1  # noqa: PLC0415 - only when deploying for real or in tests

    endpoint = props["endpoint"]
    model = props["model"]
    project_location = endpoint.rsplit("/endpoints/", 1)[0]
    return aiplatform_v1.UploadModelRequest(
        parent=project_location,
        model=aiplatform_v1.Model(
            display_name=model["display_name"],
            artifact_uri=model["artifact_uri"],
            container_spec=aiplatform_v1.ModelContainerSpec(image_uri=model["serving_container_image"]),
            labels=dict(model.get("labels") or {}),
            encryption_spec=aiplatform_v1.EncryptionSpec(kms_key_name=model["kms_key_name"])
            if model.get("kms_key_name")
            else None,
        ),
    )


def deploy_request(props: Mapping[str, Any], model_name: str) -> "aiplatform_v1.DeployModelRequest":
    from google.cloud import aiplatform_v1  # noqa: PLC0415

    accelerator = props.get("accelerator_type")
    return aiplatform_v1.DeployModelRequest(
        endpoint=props["endpoint"],
        deployed_model=aiplatform_v1.DeployedModel(
            model=model_name,
            display_name=props["deployment_name"],
            service_account=props.get("service_account") or "",
            dedicated_resources=aiplatform_v1.DedicatedResources(
                machine_spec=aiplatform_v1.MachineSpec(
                    machine_type=props["machine_type"],
                    accelerator_type=accelerator or "ACCELERATOR_TYPE_UNSPECIFIED",
                    accelerator_count=int(props.get("accelerator_count") or 0),
                ),
                min_replica_count=int(props["min_replicas"]),
                max_replica_count=int(props["max_replicas"]),
                autoscaling_metric_specs=[
                    aiplatform_v1.AutoscalingMetricSpec(metric_name=metric, target=int(target))
                    for metric, target in sorted((props.get("autoscaling") or {}).items())
                ],
            ),
        ),
        # Empty: the endpoint's traffic split is left as it is; VertexEndpointTraffic sets it.
        traffic_split={},
    )


def replicas_request(props: Mapping[str, Any], deployed_model_id: str) -> "aiplatform_v1.MutateDeployedModelRequest":
    from google.cloud import aiplatform_v1  # noqa: PLC0415
    from google.protobuf import field_mask_pb2  # noqa: PLC0415

    return aiplatform_v1.MutateDeployedModelRequest(
        endpoint=props["endpoint"],
        deployed_model=aiplatform_v1.DeployedModel(
            id=deployed_model_id,
            dedicated_resources=aiplatform_v1.DedicatedResources(
                min_replica_count=int(props["min_replicas"]), max_replica_count=int(props["max_replicas"])
            ),
        ),
        update_mask=field_mask_pb2.FieldMask(
            paths=["dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count"]
        ),
    )


def undeploy_request(endpoint: str, deployed_model_id: str) -> "aiplatform_v1.UndeployModelRequest":
    from google.cloud import aiplatform_v1  # noqa: PLC0415

    return aiplatform_v1.UndeployModelRequest(endpoint=endpoint, deployed_model_id=deployed_model_id)


def traffic_request(endpoint: str, split: Mapping[str, int]) -> "aiplatform_v1.UpdateEndpointRequest":
    from google.cloud import aiplatform_v1  # noqa: PLC0415
    from google.protobuf import field_mask_pb2  # noqa: PLC0415

    return aiplatform_v1.UpdateEndpointRequest(
        endpoint=aiplatform_v1.Endpoint(name=endpoint, traffic_split=dict(split)),
        update_mask=field_mask_pb2.FieldMask(paths=["traffic_split"]),
    )


# --- The client -----------------------------------------------------------------------------------------------


class VertexClient(Protocol):
    """The Vertex AI calls the providers make. Long-running calls block until done or ``timeout``."""

    def upload_model(self, request: Any, timeout: float) -> str:
        """The uploaded model's resource name (with its version)."""
        ...

    def deploy_model(self, request: Any, timeout: float) -> str:
        """The id of the new deployed model."""
        ...

    def mutate_deployed_model(self, request: Any, timeout: float) -> None: ...

    def undeploy_model(self, request: Any, timeout: float) -> None: ...

    def delete_model(self, model_name: str, timeout: float) -> None: ...

    def update_endpoint(self, request: Any) -> None: ...

    def get_traffic(self, endpoint: str) -> dict[str, int]: ...


class AiplatformClient:
    """The real client: google-cloud-aiplatform service clients on the endpoint's regional API, with Application
    Default Credentials (``gcloud auth application-default login``, workload identity federation in CI)."""

    def __init__(self, region: str) -> None:
        from google.cloud import aiplatform_v1  # noqa: PLC0415

        options = {"api_endpoint": f"{region}-aiplatform.googleapis.com"}
        self.endpoints = aiplatform_v1.EndpointServiceClient(client_options=options)
        self.models = aiplatform_v1.ModelServiceClient(client_options=options)

    # google-api-core's Operation.result() is unannotated (checkers infer None): the casts name the response
    # types the operations are documented to return.
    def upload_model(self, request: Any, timeout: float) -> str:
        operation = self.models.upload_model(request=request)
        response = cast("aiplatform_v1.UploadModelResponse", operation.result(timeout=timeout))
        return f"{response.model}@{response.model_version_id}" if response.model_version_id else response.model

    def deploy_model(self, request: Any, timeout: float) -> str:
        operation = self.endpoints.deploy_model(request=request)
        return cast("aiplatform_v1.DeployModelResponse", operation.result(timeout=timeout)).deployed_model.id

    def mutate_deployed_model(self, request: Any, timeout: float) -> None:
        self.endpoints.mutate_deployed_model(request=request).result(timeout=timeout)

    def undeploy_model(self, request: Any, timeout: float) -> None:
        self.endpoints.undeploy_model(request=request).result(timeout=timeout)

    def delete_model(self, model_name: str, timeout: float) -> None:
        self.models.delete_model(name=model_name.split("@", 1)[0]).result(timeout=timeout)

    def update_endpoint(self, request: Any) -> None:
        self.endpoints.update_endpoint(request=request)

    def get_traffic(self, endpoint: str) -> dict[str, int]:
        return dict(self.endpoints.get_endpoint(name=endpoint).traffic_split)


def failure_kind(error: BaseException) -> str:
    """What went wrong in a Vertex AI call: ``quota``, ``timeout``, ``permission``, ``api`` or ``other``."""
    from google.api_core import exceptions  # noqa: PLC0415

    if isinstance(error, exceptions.ResourceExhausted):
        return "quota"
    if isinstance(error, concurrent.futures.TimeoutError | exceptions.DeadlineExceeded | exceptions.RetryError):
        return "timeout"
    if isinstance(error, exceptions.PermissionDenied | exceptions.Unauthenticated):
        return "permission"
    if isinstance(error, exceptions.GoogleAPICallError):
        return "api"
    return "other"


def error_text(error: BaseException) -> str:
    """The error's type and message, never the raw gRPC dump."""
    message = getattr(error, "message", None) or str(error)
    return f"{type(error).__name__}: {message}"


def _describe(error: BaseException, what: str, props: Mapping[str, Any], timeout: float) -> VertexDeploymentError:
    """A failure as the user should read it (never the raw gRPC dump)."""
    machine = props.get("machine_type", "?")
    if props.get("accelerator_type"):
        machine += f" with {props.get('accelerator_count')} x {props['accelerator_type']}"
    where = f"deployment {props.get('deployment_name')!r} on endpoint {props.get('endpoint')}"
    kind = failure_kind(error)
    if kind == "quota":
        return VertexDeploymentError(
            f"{what} {where}: quota exhausted for {machine} x {props.get('min_replicas')} replicas "
            f"({getattr(error, 'message', error)}); request more quota in the region or lower min_replicas. "
            "Traffic was not changed."
        )
    if kind == "timeout":
        return VertexDeploymentError(
            f"{what} {where}: did not finish within {timeout:g} s ({machine}); the operation may still complete "
            "in Vertex AI — check the endpoint, then run `pulumi refresh` and `pulumi up` again. Traffic was not changed."
        )
    return VertexDeploymentError(f"{what} {where}: {error_text(error)}. Traffic was not changed.")


class _ClientProvider(ResourceProvider):
    def __init__(self, client: VertexClient | None = None, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        super().__init__()
        self.client = client
        self.timeout_seconds = timeout_seconds

    def _active(self, endpoint: str) -> VertexClient:
        return self.client if self.client is not None else AiplatformClient(region_of(endpoint))


class ModelDeploymentProvider(_ClientProvider):
    """CRUD of one deployed model."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        if not 1 <= int(news.get("min_replicas", 0)) <= int(news.get("max_replicas", 0)):
            failures.append(CheckFailure("min_replicas", "need 1 <= min_replicas <= max_replicas"))
        if bool(news.get("accelerator_type")) != bool(int(news.get("accelerator_count") or 0)):
            failures.append(CheckFailure("accelerator_count", "accelerator_type and accelerator_count go together"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in REPLACING if olds.get(key) != news.get(key)]
        # Numbers arrive as floats or ints depending on where they were last serialised.
        changed = replaces + [key for key in MUTABLE if float(olds.get(key) or 0) != float(news.get(key) or 0)]
        # Deploy the new model first: the old one serves until traffic has moved and it is undeployed.
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self._active(props["endpoint"])
        try:
            model_name = client.upload_model(upload_request(props), self.timeout_seconds)
        except Exception as error:
            raise _describe(error, "uploading the model for", props, self.timeout_seconds) from None
        try:
            deployed_model_id = client.deploy_model(deploy_request(props, model_name), self.timeout_seconds)
        except Exception as error:
            # Nothing serves the uploaded model: remove it so a failed update leaves nothing behind.
            try:
                client.delete_model(model_name, self.timeout_seconds)
            except Exception as cleanup:  # the deploy error is what the user needs; say the cleanup failed too
                raise _describe(
                    error,
                    f"deploying (and removing the uploaded model {model_name} failed: {cleanup}) for",
                    props,
                    self.timeout_seconds,
                ) from None
            raise _describe(error, "deploying", props, self.timeout_seconds) from None
        outputs = {**props, "model_name": model_name, "deployed_model_id": deployed_model_id}
        return CreateResult(f"{props['endpoint']}/deployedModels/{deployed_model_id}", outputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        from pulumi.dynamic import UpdateResult  # noqa: PLC0415

        deployed_model_id = olds["deployed_model_id"]
        try:
            self._active(news["endpoint"]).mutate_deployed_model(
                replicas_request(news, deployed_model_id), self.timeout_seconds
            )
        except Exception as error:
            raise _describe(error, "changing the replicas of", news, self.timeout_seconds) from None
        return UpdateResult({**news, "model_name": olds["model_name"], "deployed_model_id": deployed_model_id})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        try:
            self._active(props["endpoint"]).undeploy_model(
                undeploy_request(props["endpoint"], props["deployed_model_id"]), self.timeout_seconds
            )
        except Exception as error:
            raise _describe(error, "undeploying", props, self.timeout_seconds) from None


class EndpointTrafficProvider(_ClientProvider):
    """The endpoint's traffic split, by deployment name, translated to deployed model ids."""

    @staticmethod
    def _traffic(props: Mapping[str, Any]) -> dict[str, int]:
        return {name: int(share) for name, share in (props.get("traffic") or {}).items()}

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        deployments = set(news.get("deployed_model_ids") or {})
        problem = rules.endpoint_traffic_problem(self._traffic(news), {}, deployments)
        if problem:
            failures.append(CheckFailure("traffic", problem))
        problem = rules.removed_deployment_problem(self._traffic(olds), deployments) if olds else None
        if problem:
            failures.append(CheckFailure("deployed_model_ids", problem))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = ["endpoint"] if olds.get("endpoint") != news.get("endpoint") else []
        changed = replaces or self._split(olds) != self._split(news)
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def _split(self, props: Mapping[str, Any]) -> dict[str, int]:
        ids = props.get("deployed_model_ids") or {}
        return {ids[name]: share for name, share in self._traffic(props).items() if name in ids}

    def _apply(self, props: dict[str, Any]) -> None:
        try:
            self._active(props["endpoint"]).update_endpoint(traffic_request(props["endpoint"], self._split(props)))
        except Exception as error:
            raise _describe(error, "setting traffic", {**props, "deployment_name": "*"}, self.timeout_seconds) from None

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._apply(props)
        return CreateResult(f"{props['endpoint']}/traffic", {**props})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> Any:
        from pulumi.dynamic import UpdateResult  # noqa: PLC0415

        self._apply(news)
        return UpdateResult({**news})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        live = self._active(props["endpoint"]).get_traffic(props["endpoint"])
        by_id = {deployed_model_id: name for name, deployed_model_id in (props.get("deployed_model_ids") or {}).items()}
        return ReadResult(id_, {**props, "traffic": {by_id.get(k, k): v for k, v in live.items()}})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # Traffic goes with the endpoint; removing only this resource leaves the split as it is.
        return None


class VertexModelDeployment(pulumi.dynamic.Resource, module="vertex", name="ModelDeployment"):
    """One model uploaded and deployed to an endpoint (``pulumi-python:dynamic/vertex:ModelDeployment``)."""

    deployed_model_id: pulumi.Output[str]
    model_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        props: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        provider: ModelDeploymentProvider | None = None,
    ) -> None:
        super().__init__(
            provider or ModelDeploymentProvider(),
            name,
            {**props, "deployed_model_id": None, "model_name": None},
            opts,
        )


class VertexEndpointTraffic(pulumi.dynamic.Resource, module="vertex", name="EndpointTraffic"):
    """Traffic split of an endpoint over its deployments (``pulumi-python:dynamic/vertex:EndpointTraffic``)."""

    def __init__(
        self,
        name: str,
        *,
        endpoint: pulumi.Input[str],
        traffic: Mapping[str, int],
        deployed_model_ids: Mapping[str, pulumi.Input[str]],
        opts: pulumi.ResourceOptions | None = None,
        provider: EndpointTrafficProvider | None = None,
    ) -> None:
        super().__init__(
            provider or EndpointTrafficProvider(),
            name,
            {"endpoint": endpoint, "traffic": dict(traffic), "deployed_model_ids": dict(deployed_model_ids)},
            opts,
        )

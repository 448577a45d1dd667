"""Azure ML managed online endpoint, its deployments, their autoscaling, and its traffic — as configuration.

Token authentication only (``AADToken`` by default, never keys in state), public network access disabled by
default. Each deployment is an ``OnlineDeployment`` with probes, request settings and Application Insights on;
managed deployments scale with an Azure Monitor autoscale setting between ``min_instances`` and ``max_instances``
on the signal that saturates: GPU utilisation on GPU instance types (the GPU table of ``aiscale.core.gpu``), CPU
utilisation otherwise, with optional off-peak bounds (recurrence profiles). A deployment with ``data_collection``
collects its model inputs and outputs (the data collector) into two data assets the component registers, which
``AzureModelMonitor`` reads. Traffic (live split and mirror/shadow share) is set by ``OnlineEndpointTraffic``
after the deployments exist. :func:`deployment_spec` renders each deployment as the Azure ML YAML spec, so tests
can load it with azure-ai-ml's own schema.
"""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import machinelearningservices, monitor

from aiscale.components.azure.endpoint_traffic import OnlineEndpointTraffic
from aiscale.components.common.azure_alerts import AzureAlertRoutingArgs, log_alert, metric_alert
from aiscale.components.common.azure_diagnostics import AzureDiagnosticsArgs, check_diagnostics, diagnostic_setting
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.options import after, child_options
from aiscale.components.common.slo import SLO_DEFAULTS, EndpointSloArgs, check_slo
from aiscale.components.common.tags import Tags, azure_tags
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core import gpu, monitoring, rules
from aiscale.core.config.azure import OnlineDeploymentConfig, OnlineEndpointConfig
from aiscale.core.config.common import MonitoringConfig
from aiscale.core.config.monitoring import AzureModelMonitoringConfig
from aiscale.core.cost import REQUEST_RATE_TAG
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("OnlineEndpoint")
PREVIOUS_TYPE = "aiscale:azure:OnlineEndpoint"
AUTH_MODES = {"aad_token": "AADToken", "aml_token": "AMLToken"}
DEPLOYMENT_METRIC_NAMESPACE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
ENDPOINT_METRIC_NAMESPACE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
#: The data collector's collections, which the model monitor reads.
COLLECTIONS = ("model_inputs", "model_outputs")
#: Where the data collector writes (azure-ai-ml's default path on the workspace's blob datastore).
COLLECTOR_PATH = "azureml://datastores/workspaceblobstore/paths/modelDataCollector"
ROLLING_RATES = ("Minute", "Hour", "Day")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class ProbeArgs(TypedDict):
    """A liveness or readiness probe of a deployment, in seconds."""

    initial_delay: int
    """Seconds before the first probe."""
    period: int
    """Seconds between probes."""
    timeout: int
    """Seconds a probe may take."""
    failure_threshold: int
    """Failed probes in a row that fail the container."""
    success_threshold: int
    """Successful probes in a row that pass it (1 for liveness)."""


class DataCollectionArgs(TypedDict):
    """Collect a sample of a deployment's model inputs and outputs for model monitoring."""

    sampling_rate: float
    """Share of requests collected, above 0 and at most 1."""
    rolling_rate: NotRequired[str]
    """How often collected data rolls over to a new folder: ``Minute``, ``Hour`` or ``Day``."""


COLLECTION_DEFAULTS = declare(
    DataCollectionArgs, rolling_rate=stack_default(AzureModelMonitoringConfig, "rolling_rate")
)
"""Defaults of the optional args of ``DataCollectionArgs``."""


class OffPeakScalingArgs(TypedDict):
    """Lower instance bounds during quiet hours (an autoscale recurrence profile and its end)."""

    days: Sequence[str]
    """``Monday`` ... ``Sunday``: the days the off-peak period starts."""
    start_hour: int
    end_hour: int
    """When normal bounds return (the next day when it is before ``start_hour``)."""
    time_zone: str
    """Windows time zone name (``W. Europe Standard Time``) or ``UTC``."""
    min_instances: int
    max_instances: int


class RegisteredModelArgs(TypedDict):
    """An MLflow registry version the stack registers in the workspace as an Azure ML model version."""

    name: str
    """Registered model name."""
    version: int
    """Pinned registry version."""
    artifact_uri: str
    """Where the workspace reads the MLflow model (``azureml://datastores/...`` or a blob URI)."""
    registry: str
    """The registry alias it was resolved from (``models:/fraud-detector@champion``), kept as a tag."""


class OnlineDeploymentArgs(TypedDict):
    """A managed online deployment: one model version on its own instances. Give ``model`` or ``registered_model``."""

    model: NotRequired[str]
    """A model already in Azure ML: ``azureml:<name>:<version>`` or the ARM id of a model version."""
    registered_model: NotRequired[RegisteredModelArgs]
    """A registry version the stack registers in the workspace as a model version."""
    instance_type: str
    """VM size of the deployment's instances (a GPU size of the GPU table, or a CPU size)."""
    environment: NotRequired[str]
    """Environment for non-MLflow models; MLflow models need none."""
    min_instances: int
    """Lowest instance count."""
    max_instances: int
    """Highest instance count."""
    target_utilization_percentage: NotRequired[int]
    """Utilisation the autoscale setting holds: GPU on GPU instance types, CPU otherwise."""
    off_peak: NotRequired[OffPeakScalingArgs]
    """Lower instance bounds during quiet hours."""
    data_collection: NotRequired[DataCollectionArgs]
    """Collect the deployment's model inputs and outputs for model monitoring."""
    request_timeout_ms: NotRequired[int]
    """Milliseconds a request may take."""
    max_concurrent_requests_per_instance: NotRequired[int]
    """Requests an instance serves at once."""
    max_queue_wait_ms: NotRequired[int]
    """Milliseconds a request may wait in the queue."""
    liveness_probe: NotRequired[ProbeArgs]
    """Liveness probe."""
    readiness_probe: NotRequired[ProbeArgs]
    """Readiness probe."""
    expected_requests_per_second: NotRequired[float]
    """Expected average request rate, carried as the deployment's tag ``aiscale-expected-requests-per-second`` so
    the cost estimate gives the cost per 1,000 predictions."""


DEPLOYMENT_DEFAULTS = declare(
    OnlineDeploymentArgs,
    target_utilization_percentage=stack_default(OnlineDeploymentConfig, "target_utilization_percentage"),
    request_timeout_ms=stack_default(OnlineDeploymentConfig, "request_timeout_ms"),
    max_concurrent_requests_per_instance=stack_default(OnlineDeploymentConfig, "max_concurrent_requests_per_instance"),
    max_queue_wait_ms=stack_default(OnlineDeploymentConfig, "max_queue_wait_ms"),
    liveness_probe=stack_default(OnlineDeploymentConfig, "liveness_probe"),
    readiness_probe=stack_default(OnlineDeploymentConfig, "readiness_probe"),
)
"""Defaults of the optional args of ``OnlineDeploymentArgs``."""


class OnlineEndpointAlertsArgs(TypedDict):
    """When an endpoint's deployments alert on saturation (with ``alert_routing``)."""

    utilization_percent: NotRequired[int]
    """CPU/GPU utilisation of a deployment's instances that raises an alert."""


ALERT_DEFAULTS = declare(
    OnlineEndpointAlertsArgs, utilization_percent=stack_default(MonitoringConfig, "utilization_percent")
)
"""Defaults of the optional args of ``OnlineEndpointAlertsArgs``."""


class OnlineEndpointArgs(TypedDict):
    """Arguments of :class:`OnlineEndpoint`."""

    endpoint_name: str
    """Name of the endpoint."""
    workspace_name: pulumi.Input[str]
    """Azure ML workspace the endpoint belongs to."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the component's resources."""
    location: pulumi.Input[str]
    """Azure region of the resources (``westeurope``)."""
    subscription_id: pulumi.Input[str]
    """Subscription of the role assignments (built-in role definition ids are per subscription)."""
    deployments: Mapping[str, OnlineDeploymentArgs]
    """Deployments by name."""
    traffic: Mapping[str, int]
    """Live traffic per deployment, percentages summing to 100."""
    mirror_traffic: NotRequired[Mapping[str, int]]
    """Shadow traffic copied to deployments that take no live traffic (at most 50 in total)."""
    auth_mode: NotRequired[str]
    """``aad_token`` or ``aml_token``."""
    public_network_access: NotRequired[bool]
    """Off: clients reach the endpoint through the workspace's private endpoint."""
    slo: NotRequired[EndpointSloArgs]
    """The endpoint's objective; with ``alert_routing`` its latency and error-rate alerts."""
    diagnostics: NotRequired[AzureDiagnosticsArgs]
    """Send request logs to Log Analytics (the error-rate alert queries them)."""
    tags: NotRequired[Tags]
    """Azure tags of every child."""
    alert_routing: NotRequired[AzureAlertRoutingArgs]
    """Alert through these: SLO alerts (with ``slo``), utilisation and capacity alerts of each deployment."""
    alerts: NotRequired[OnlineEndpointAlertsArgs]
    """Saturation alert thresholds (with ``alert_routing``)."""


DEFAULTS = declare(
    OnlineEndpointArgs,
    auth_mode=stack_default(OnlineEndpointConfig, "auth_mode"),
    public_network_access=stack_default(OnlineEndpointConfig, "public_network_access"),
)
"""Defaults of the optional args of ``OnlineEndpointArgs``."""


def _iso_seconds(milliseconds: int) -> str:
    seconds = milliseconds / 1000
    return f"PT{seconds:g}S"


def _validate(args: OnlineEndpointArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    if args.get("auth_mode", DEFAULTS["auth_mode"]) not in AUTH_MODES:
        fail(
            "auth_mode",
            f"{args.get('auth_mode')!r} is not one of {', '.join(AUTH_MODES)} (key auth would store keys in state)",
        )
    problem = rules.endpoint_traffic_problem(
        dict(args["traffic"]), dict(args.get("mirror_traffic", {})), set(args["deployments"])
    )
    if problem:
        fail("traffic", problem)
    routing = args.get("alert_routing")
    if routing is not None:
        if "slo" not in args:
            fail("slo", "alert_routing alerts on the SLO: give latency_p95_ms and latency_p99_ms")
        if "log_analytics_workspace_id" not in routing or "diagnostics" not in args:
            fail(
                "alert_routing",
                "the error-rate alert queries endpoint logs: give log_analytics_workspace_id and diagnostics",
            )
    elif "alerts" in args:
        fail("alerts", "thresholds apply with alert_routing (where the alerts go)")
    check_slo(COMPONENT, args.get("slo"))
    check_diagnostics(COMPONENT, args.get("diagnostics"))
    azure_tags(COMPONENT, args.get("tags"))
    for deployment, spec in args["deployments"].items():
        if ("model" in spec) == ("registered_model" in spec):
            fail(f"deployments.{deployment}", "give exactly one of model and registered_model")
        if not 1 <= spec["min_instances"] <= spec["max_instances"]:
            fail(
                f"deployments.{deployment}",
                f"need 1 <= min_instances <= max_instances, got {spec['min_instances']}..{spec['max_instances']}",
            )
        collection = spec.get("data_collection")
        if collection is not None:
            if not 0 < collection["sampling_rate"] <= 1:
                fail(f"deployments.{deployment}.data_collection.sampling_rate", "must be above 0 and at most 1")
            if collection.get("rolling_rate", COLLECTION_DEFAULTS["rolling_rate"]) not in ROLLING_RATES:
                fail(
                    f"deployments.{deployment}.data_collection.rolling_rate",
                    f"{collection.get('rolling_rate')!r} is not one of {', '.join(ROLLING_RATES)}",
                )
        off_peak = spec.get("off_peak")
        if off_peak is not None:
            _check_off_peak(f"deployments.{deployment}.off_peak", off_peak, fail)


def _check_off_peak(where: str, off_peak: OffPeakScalingArgs, fail: Any) -> None:
    unknown = sorted(set(off_peak["days"]) - set(DAYS))
    if not off_peak["days"] or unknown:
        fail(f"{where}.days", f"give days among {', '.join(DAYS)} (got {list(off_peak['days'])})")
    if not (0 <= off_peak["start_hour"] <= 23 and 0 <= off_peak["end_hour"] <= 23) or (
        off_peak["start_hour"] == off_peak["end_hour"]
    ):
        fail(f"{where}.start_hour", "start_hour and end_hour are different hours, 0-23")
    if not 1 <= off_peak["min_instances"] <= off_peak["max_instances"]:
        fail(f"{where}.min_instances", "need 1 <= min_instances <= max_instances")


def autoscale_metric(instance_type: str) -> str:
    """The deployment metric autoscaling holds: GPU utilisation on GPU instance types, CPU utilisation otherwise."""
    return monitoring.AZURE_GPU_METRIC if instance_type in gpu.azure_gpu_skus() else monitoring.AZURE_CPU_METRIC


def collection_asset_name(endpoint_name: str, deployment_name: str, collection: str) -> str:
    """The data asset a collection writes to (azure-ai-ml's name for it)."""
    return f"{endpoint_name}-{deployment_name}-{collection}"


def deployment_spec(endpoint_name: str, deployment_name: str, spec: OnlineDeploymentArgs) -> dict[str, Any]:
    """The deployment as an Azure ML managed online deployment YAML spec (CLI v2 schema)."""
    document: dict[str, Any] = {
        "name": deployment_name,
        "endpoint_name": endpoint_name,
        "model": _model_reference(spec),
        "instance_type": spec["instance_type"],
        "instance_count": spec["min_instances"],
        "scale_settings": {"type": "default"},
        "request_settings": {
            "request_timeout_ms": spec.get("request_timeout_ms", DEPLOYMENT_DEFAULTS["request_timeout_ms"]),
            "max_concurrent_requests_per_instance": spec.get(
                "max_concurrent_requests_per_instance", DEPLOYMENT_DEFAULTS["max_concurrent_requests_per_instance"]
            ),
            "max_queue_wait_ms": spec.get("max_queue_wait_ms", DEPLOYMENT_DEFAULTS["max_queue_wait_ms"]),
        },
        "liveness_probe": dict(spec.get("liveness_probe", DEPLOYMENT_DEFAULTS["liveness_probe"])),
        "readiness_probe": dict(spec.get("readiness_probe", DEPLOYMENT_DEFAULTS["readiness_probe"])),
        "app_insights_enabled": True,
        "egress_public_network_access": "disabled",
    }
    if "environment" in spec:
        document["environment"] = spec["environment"]
    collection = spec.get("data_collection")
    if collection is not None:
        document["data_collector"] = {
            "collections": {
                name: {
                    "enabled": "true",
                    "data": {
                        "name": collection_asset_name(endpoint_name, deployment_name, name),
                        "version": "1",
                        "path": f"{COLLECTOR_PATH}/{endpoint_name}/{deployment_name}/{name}",
                    },
                }
                for name in COLLECTIONS
            },
            "sampling_rate": collection["sampling_rate"],
            "rolling_rate": collection.get("rolling_rate", COLLECTION_DEFAULTS["rolling_rate"]).lower(),
        }
    return document


def _model_reference(spec: OnlineDeploymentArgs) -> str:
    if "registered_model" in spec:
        model = spec["registered_model"]
        return f"azureml:{model['name']}:{model['version']}"
    assert "model" in spec  # _validate: exactly one of model and registered_model
    return spec["model"]


def model_spec(model: RegisteredModelArgs) -> dict[str, Any]:
    """The model version the stack registers, as an Azure ML model YAML spec (CLI v2 schema)."""
    return {
        "name": model["name"],
        "version": str(model["version"]),
        "type": "mlflow_model",
        "path": model["artifact_uri"],
        "description": _model_description(model),
        "tags": _model_tags(model),
    }


def _model_description(model: RegisteredModelArgs) -> str:
    return f"{model['registry']} version {model['version']}, pinned by aiscale"


def _request_rate_tag(tags: Tags | None, rate: float | None) -> Tags | None:
    """The deployment's tags, with its expected request rate for the cost estimate when one is stated."""
    return tags if rate is None else {**(tags or {}), REQUEST_RATE_TAG: f"{rate:g}"}


def _model_tags(model: RegisteredModelArgs) -> dict[str, str]:
    """Tags tying the Azure ML model version back to the MLflow registry version it was pinned from."""
    return {
        "mlflow-model": model["name"],
        "mlflow-version": str(model["version"]),
        "mlflow-registry": model["registry"],
    }


def endpoint_spec(args: OnlineEndpointArgs) -> dict[str, Any]:
    """The endpoint as an Azure ML managed online endpoint YAML spec (CLI v2 schema)."""
    return {
        "name": args["endpoint_name"],
        "auth_mode": args.get("auth_mode", DEFAULTS["auth_mode"]),
        "public_network_access": "enabled"
        if args.get("public_network_access", DEFAULTS["public_network_access"])
        else "disabled",
        "traffic": dict(args["traffic"]),
        "mirror_traffic": dict(args.get("mirror_traffic", {})),
    }


def _above(metric: str, aggregation: str, threshold: float, *, or_equal: bool = False) -> monitor.MetricCriteriaArgs:
    return monitor.MetricCriteriaArgs(
        criterion_type="StaticThresholdCriterion",
        name=metric,
        metric_name=metric,
        operator="GreaterThanOrEqual" if or_equal else "GreaterThan",
        threshold=threshold,
        time_aggregation=aggregation,
    )


def _probe(probe: ProbeArgs) -> machinelearningservices.ProbeSettingsArgs:
    return machinelearningservices.ProbeSettingsArgs(
        initial_delay=f"PT{probe['initial_delay']}S",
        period=f"PT{probe['period']}S",
        timeout=f"PT{probe['timeout']}S",
        failure_threshold=probe["failure_threshold"],
        success_threshold=probe["success_threshold"],
    )


class OnlineEndpoint(pulumi.ComponentResource):
    """An Azure ML managed online endpoint: token auth, private, autoscaled deployments, traffic and SLO alerts.

    Children: ``<name>-endpoint``, ``<name>-<deployment>`` and ``<name>-<deployment>-autoscale`` per deployment,
    ``<name>-traffic``, alerts.
    """

    endpoint: machinelearningservices.OnlineEndpoint
    deployments: dict[str, machinelearningservices.OnlineDeployment]
    model_versions: dict[str, machinelearningservices.ModelVersion]
    """The registry versions the stack registered in the workspace, by deployment."""
    endpoint_id: pulumi.Output[str]
    scoring_uri: pulumi.Output[str]

    def __init__(self, name: str, args: OnlineEndpointArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        endpoint_name = args["endpoint_name"]
        self.endpoint = machinelearningservices.OnlineEndpoint(
            f"{name}-endpoint",
            endpoint_name=endpoint_name,
            workspace_name=args["workspace_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            identity=machinelearningservices.ManagedServiceIdentityArgs(type="SystemAssigned"),
            properties=machinelearningservices.OnlineEndpointPropertiesArgs(
                auth_mode=AUTH_MODES[args.get("auth_mode", DEFAULTS["auth_mode"])],
                public_network_access="Enabled"
                if args.get("public_network_access", DEFAULTS["public_network_access"])
                else "Disabled",
                description=f"aiscale endpoint {endpoint_name}",
            ),
            tags=args.get("tags"),
            # Traffic is owned by the traffic resource below, set once the deployments exist.
            opts=child_options(self, ignore_changes=["properties.traffic", "properties.mirrorTraffic"]),
        )
        self.model_versions = {}
        # Not annotated: the blueprint hands them to the model monitor (data asset ids by collection).
        self.collected_data: dict[str, dict[str, pulumi.Output[str]]] = {}
        self.deployments = {
            deployment_name: self._deployment(name, deployment_name, spec, args)
            for deployment_name, spec in args["deployments"].items()
        }
        # Not annotated: a dynamic resource is no schema output.
        self.traffic = OnlineEndpointTraffic(
            f"{name}-traffic",
            subscription_id=args["subscription_id"],
            resource_group_name=args["resource_group_name"],
            workspace_name=args["workspace_name"],
            endpoint_name=after(self.endpoint, endpoint_name),
            traffic={deployment: int(share) for deployment, share in args["traffic"].items()},
            mirror_traffic={deployment: int(share) for deployment, share in args.get("mirror_traffic", {}).items()},
            deployments=sorted(args["deployments"]),
            opts=child_options(self, depends_on=list(self.deployments.values())),
        )
        if "diagnostics" in args:
            diagnostic_setting(name, self.endpoint.id, args["diagnostics"], self)
        if "alert_routing" in args:
            self._alerts(name, args, args["alert_routing"])

        self.endpoint_id = self.endpoint.id
        self.scoring_uri = self.endpoint.properties.apply(lambda p: (p.scoring_uri if p else None) or "")
        self.register_outputs({"endpointId": self.endpoint_id, "scoringUri": self.scoring_uri})

    def _deployment(
        self, name: str, deployment_name: str, spec: OnlineDeploymentArgs, args: OnlineEndpointArgs
    ) -> machinelearningservices.OnlineDeployment:
        """``<name>-<deployment>-model`` for a registry version, ``<name>-<deployment>``, its autoscale setting."""
        if "registered_model" in spec:
            registered = self._model_version(name, deployment_name, spec["registered_model"], args)
            self.model_versions[deployment_name] = registered
            model: pulumi.Input[str] = registered.id
        else:
            assert "model" in spec  # _validate: exactly one of model and registered_model
            model = spec["model"]
        collector = None
        if "data_collection" in spec:
            collector = self._data_collector(name, deployment_name, spec["data_collection"], args)
        deployment = machinelearningservices.OnlineDeployment(
            f"{name}-{deployment_name}",
            deployment_name=deployment_name,
            endpoint_name=after(self.endpoint, args["endpoint_name"]),
            workspace_name=args["workspace_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            sku=machinelearningservices.SkuArgs(name="Default", capacity=spec["min_instances"]),
            properties=machinelearningservices.ManagedOnlineDeploymentArgs(
                endpoint_compute_type="Managed",
                model=model,
                environment_id=spec.get("environment"),
                instance_type=spec["instance_type"],
                scale_settings=machinelearningservices.DefaultScaleSettingsArgs(scale_type="Default"),
                request_settings=machinelearningservices.OnlineRequestSettingsArgs(
                    request_timeout=_iso_seconds(
                        spec.get("request_timeout_ms", DEPLOYMENT_DEFAULTS["request_timeout_ms"])
                    ),
                    max_concurrent_requests_per_instance=spec.get(
                        "max_concurrent_requests_per_instance",
                        DEPLOYMENT_DEFAULTS["max_concurrent_requests_per_instance"],
                    ),
                    max_queue_wait=_iso_seconds(
                        spec.get("max_queue_wait_ms", DEPLOYMENT_DEFAULTS["max_queue_wait_ms"])
                    ),
                ),
                liveness_probe=_probe(spec.get("liveness_probe", DEPLOYMENT_DEFAULTS["liveness_probe"])),
                readiness_probe=_probe(spec.get("readiness_probe", DEPLOYMENT_DEFAULTS["readiness_probe"])),
                app_insights_enabled=True,
                egress_public_network_access="Disabled",
                data_collector=collector,
            ),
            tags=_request_rate_tag(args.get("tags"), spec.get("expected_requests_per_second")),
            # The autoscale setting owns the instance count.
            opts=child_options(self, ignore_changes=["sku.capacity"]),
        )
        self._autoscale(f"{name}-{deployment_name}", deployment, spec, args)
        return deployment

    def _data_collector(
        self, name: str, deployment_name: str, collection: DataCollectionArgs, args: OnlineEndpointArgs
    ) -> machinelearningservices.DataCollectorArgs:
        """``<name>-<deployment>-model-inputs`` and ``-model-outputs``: the data assets the collector writes to."""
        endpoint_name = args["endpoint_name"]
        assets = {
            collection_name: machinelearningservices.DataVersion(
                f"{name}-{deployment_name}-{collection_name.replace('_', '-')}",
                name=collection_asset_name(endpoint_name, deployment_name, collection_name),
                version="1",
                workspace_name=args["workspace_name"],
                resource_group_name=args["resource_group_name"],
                properties=machinelearningservices.UriFolderDataVersionArgs(
                    data_type="uri_folder",
                    data_uri=f"{COLLECTOR_PATH}/{endpoint_name}/{deployment_name}/{collection_name}",
                    description=f"{collection_name} of deployment {deployment_name} of endpoint {endpoint_name}, "
                    "collected for model monitoring",
                    tags=args.get("tags"),
                ),
                opts=child_options(self),
            )
            for collection_name in COLLECTIONS
        }
        self.collected_data[deployment_name] = {key: asset.id for key, asset in assets.items()}
        return machinelearningservices.DataCollectorArgs(
            collections={
                collection_name: machinelearningservices.CollectionArgs(
                    data_collection_mode=machinelearningservices.DataCollectionMode.ENABLED,
                    sampling_rate=collection["sampling_rate"],
                    data_id=asset.id,
                )
                for collection_name, asset in assets.items()
            },
            rolling_rate=machinelearningservices.RollingRateType(
                collection.get("rolling_rate", COLLECTION_DEFAULTS["rolling_rate"])
            ),
        )

    def _model_version(
        self, name: str, deployment_name: str, model: RegisteredModelArgs, args: OnlineEndpointArgs
    ) -> machinelearningservices.ModelVersion:
        """``<name>-<deployment>-model``: the pinned registry version as an MLflow model version of the workspace."""
        return machinelearningservices.ModelVersion(
            f"{name}-{deployment_name}-model",
            name=model["name"],
            version=str(model["version"]),
            workspace_name=args["workspace_name"],
            resource_group_name=args["resource_group_name"],
            properties=machinelearningservices.ModelVersionPropertiesArgs(
                model_type="mlflow_model",
                model_uri=model["artifact_uri"],
                description=_model_description(model),
                tags=_model_tags(model),
            ),
            opts=child_options(self),
        )

    def _alerts(self, name: str, args: OnlineEndpointArgs, routing: AzureAlertRoutingArgs) -> None:
        """SLO alerts on the endpoint, saturation alerts on each deployment; every one links its runbook."""
        self._slo_alerts(name, args, routing)
        self._saturation_alerts(name, args, routing)

    def _slo_alerts(self, name: str, args: OnlineEndpointArgs, routing: AzureAlertRoutingArgs) -> None:
        """Latency (p95, p99) and 5xx error rate of the endpoint against its SLO."""
        slo, workspace = args.get("slo"), routing.get("log_analytics_workspace_id")
        assert slo is not None and workspace is not None  # _validate: alerts need both
        endpoint_name, group, tags = args["endpoint_name"], args["resource_group_name"], args.get("tags")
        for percentile, threshold in (("p95", slo["latency_p95_ms"]), ("p99", slo["latency_p99_ms"])):
            metric_alert(
                name,
                rule_name=f"{endpoint_name}-latency-{percentile}",
                alert=f"latency-{percentile}",
                runbook_page=f"endpoint-latency-{percentile}",
                description=f"{percentile} request latency of endpoint {endpoint_name} is above its SLO of {threshold} ms.",
                scope=self.endpoint.id,
                metric_namespace=ENDPOINT_METRIC_NAMESPACE,
                criterion=_above(f"RequestLatency_{percentile.upper()}", "Average", threshold),
                severity=2,
                window="PT5M",
                args=routing,
                resource_group_name=group,
                tags=tags,
                parent=self,
            )
        # Request logs (diagnostics) give the share of 5xx answers; platform metrics only count them.
        error_rate = slo.get("error_rate_percent", SLO_DEFAULTS["error_rate_percent"])
        log_alert(
            name,
            rule_name=f"{endpoint_name}-error-rate",
            alert="error-rate",
            runbook_page="endpoint-error-rate",
            description=f"More than {error_rate:g}% of requests to endpoint {endpoint_name} failed with 5xx.",
            query=(
                "AmlOnlineEndpointTrafficLog\n"
                f'| where EndpointName == "{endpoint_name}"\n'
                "| summarize Requests = count(), ServerErrors = countif(toint(ResponseCode) >= 500) "
                "by bin(TimeGenerated, 5m)\n"
                "| where Requests > 0\n"
                "| extend ErrorRatePercent = 100.0 * ServerErrors / Requests"
            ),
            measure_column="ErrorRatePercent",
            threshold=error_rate,
            severity=1,
            location=routing.get("workspace_location", args["location"]),
            watched=[self.endpoint],
            args=routing,
            workspace_id=workspace,
            resource_group_name=group,
            tags=tags,
            parent=self,
        )

    def _saturation_alerts(self, name: str, args: OnlineEndpointArgs, routing: AzureAlertRoutingArgs) -> None:
        """CPU (and GPU) utilisation of each deployment, and each deployment running at its max_instances."""
        endpoint_name, group, tags = args["endpoint_name"], args["resource_group_name"], args.get("tags")
        utilization = args.get("alerts", {}).get("utilization_percent", ALERT_DEFAULTS["utilization_percent"])
        for deployment_name, spec in args["deployments"].items():
            deployment = self.deployments[deployment_name]
            checks = [("cpu", monitoring.AZURE_CPU_METRIC, "CPU")]
            if spec["instance_type"] in gpu.azure_gpu_skus():
                checks.append(("gpu", monitoring.AZURE_GPU_METRIC, "GPU"))
            saturation = [
                (
                    alert,
                    f"deployment-{alert}-utilization",
                    f"{label} utilisation of deployment {deployment_name} is above {utilization}%.",
                    _above(metric, "Average", utilization),
                    3,
                )
                for alert, metric, label in checks
            ]
            saturation.append(
                (
                    "at-max",
                    "deployment-at-max",
                    f"Deployment {deployment_name} has run at max_instances ({spec['max_instances']}) "
                    "for 15 minutes: demand exceeds its ceiling.",
                    _above("DeploymentCapacity", "Maximum", spec["max_instances"], or_equal=True),
                    2,
                )
            )
            for alert, page, description, criterion, severity in saturation:
                metric_alert(
                    f"{name}-{deployment_name}",
                    rule_name=f"{endpoint_name}-{deployment_name}-{alert}",
                    alert=alert,
                    runbook_page=page,
                    description=description,
                    scope=deployment.id,
                    metric_namespace=DEPLOYMENT_METRIC_NAMESPACE,
                    criterion=criterion,
                    severity=severity,
                    window="PT15M",
                    args=routing,
                    resource_group_name=group,
                    tags=tags,
                    parent=self,
                )

    def _autoscale(
        self,
        name: str,
        deployment: machinelearningservices.OnlineDeployment,
        spec: OnlineDeploymentArgs,
        args: OnlineEndpointArgs,
    ) -> monitor.AutoscaleSetting:
        """``<name>-autoscale``: scaling on GPU (GPU instance types) or CPU utilisation between ``min_instances`` and
        ``max_instances``, with lower bounds during the off-peak period."""
        metric = autoscale_metric(spec["instance_type"])
        target = spec.get("target_utilization_percentage", DEPLOYMENT_DEFAULTS["target_utilization_percentage"])

        def rule(
            direction: monitor.ScaleDirection, operator: monitor.ComparisonOperationType, threshold: int
        ) -> monitor.ScaleRuleArgs:
            return monitor.ScaleRuleArgs(
                metric_trigger=monitor.MetricTriggerArgs(
                    metric_name=metric,
                    metric_namespace=DEPLOYMENT_METRIC_NAMESPACE,
                    metric_resource_uri=deployment.id,
                    operator=operator,
                    statistic=monitor.MetricStatisticType.AVERAGE,
                    threshold=threshold,
                    time_aggregation=monitor.TimeAggregationType.AVERAGE,
                    time_grain="PT1M",
                    time_window="PT5M",
                ),
                scale_action=monitor.ScaleActionArgs(
                    direction=direction, type=monitor.ScaleType.CHANGE_COUNT, value="1", cooldown="PT5M"
                ),
            )

        rules = [
            rule(monitor.ScaleDirection.INCREASE, monitor.ComparisonOperationType.GREATER_THAN, target),
            rule(monitor.ScaleDirection.DECREASE, monitor.ComparisonOperationType.LESS_THAN, max(target - 30, 5)),
        ]

        def profile(
            profile_name: str, minimum: int, maximum: int, recurrence: monitor.RecurrenceArgs | None = None
        ) -> monitor.AutoscaleProfileArgs:
            return monitor.AutoscaleProfileArgs(
                name=profile_name,
                capacity=monitor.ScaleCapacityArgs(minimum=str(minimum), maximum=str(maximum), default=str(minimum)),
                rules=rules,
                recurrence=recurrence,
            )

        profiles = [profile("utilization", spec["min_instances"], spec["max_instances"])]
        off_peak = spec.get("off_peak")
        if off_peak is not None:
            # A recurrence profile holds until the next one starts: the peak profile ends the off-peak period.
            profiles += [
                profile(
                    "off-peak",
                    off_peak["min_instances"],
                    off_peak["max_instances"],
                    _weekly(off_peak["days"], off_peak["start_hour"], off_peak["time_zone"]),
                ),
                profile(
                    "peak",
                    spec["min_instances"],
                    spec["max_instances"],
                    _weekly(_peak_days(off_peak), off_peak["end_hour"], off_peak["time_zone"]),
                ),
            ]
        return monitor.AutoscaleSetting(
            f"{name}-autoscale",
            autoscale_setting_name=f"{name}-autoscale",
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            enabled=True,
            target_resource_uri=deployment.id,
            profiles=profiles,
            tags=args.get("tags"),
            opts=child_options(self),
        )


def _weekly(days: Sequence[str], hour: int, time_zone: str) -> monitor.RecurrenceArgs:
    return monitor.RecurrenceArgs(
        frequency=monitor.RecurrenceFrequency.WEEK,
        schedule=monitor.RecurrentScheduleArgs(days=list(days), hours=[hour], minutes=[0], time_zone=time_zone),
    )


def _peak_days(off_peak: OffPeakScalingArgs) -> list[str]:
    """The days normal bounds return: the same days, or each next day when the off-peak period spans midnight."""
    if off_peak["end_hour"] > off_peak["start_hour"]:
        return list(off_peak["days"])
    return [day for day in DAYS if DAYS[DAYS.index(day) - 1] in off_peak["days"]]

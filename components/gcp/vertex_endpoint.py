"""Vertex AI endpoint with its deployed models, traffic split and SLO alerts — as configuration.

The endpoint is private by default: Private Service Connect (PSC automation creates the consumer endpoint in the
platform VPC) or VPC peering through private service access — the two are exclusive, by construction of
``network_access``. It is encrypted with the CMEK key, optionally logs a sample of requests and responses to
BigQuery (a dataset the component creates, with the same key, region and labels, unless a table is given), and
carries the stack's labels. Models are uploaded and deployed by :class:`VertexModelDeployment`
dynamic resources (google-cloud-aiplatform), traffic is set by :class:`VertexEndpointTraffic` once they exist.
Alerts (PromQL over Vertex AI metrics): p95/p99 latency and 5xx share against the SLO, each deployment at its
replica ceiling; a public endpoint with a health path also gets an uptime check and an alert on it.
"""

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_gcp import monitoring, vertex

from aiscale.components.common.customer_managed_key import GcpCustomerManagedKeyArgs
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.gcp_alerts import GcpAlertRoutingArgs, alert_policy, promql
from aiscale.components.common.options import after, child_options
from aiscale.components.common.slo import SLO_DEFAULTS, EndpointSloArgs, check_slo
from aiscale.components.common.tags import Labels, gcp_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.components.gcp.vertex_deployment import VertexEndpointTraffic, VertexModelDeployment
from aiscale.core import gpu, rules
from aiscale.core.config.gcp import VertexDeploymentConfig, VertexEndpointConfig
from aiscale.core.cost import REQUEST_RATE_INPUT
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("VertexEndpoint")
PREVIOUS_TYPE = "aiscale:gcp:VertexEndpoint"
NETWORK_ACCESS = ("private_service_connect", "vpc_peering", "public")
GPU_METRIC = "aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle"
CPU_METRIC = "aiplatform.googleapis.com/prediction/online/cpu/utilization"
_ENDPOINT_RESOURCE = 'monitored_resource="aiplatform.googleapis.com/Endpoint"'


class VertexModelArgs(TypedDict):
    """A model to upload to the Vertex AI Model Registry: artifacts plus the serving container."""

    artifact_uri: str
    """``gs://`` directory of the model artifacts."""
    serving_container_image: str
    """Serving image with a tag or digest (a prebuilt Vertex container or your own)."""
    version_labels: NotRequired[Mapping[str, str]]
    """Labels tying the model to its source (``mlflow-model``, ``mlflow-version``)."""


class VertexDeploymentArgs(TypedDict):
    """One model deployed to the endpoint on dedicated resources."""

    model: VertexModelArgs
    machine_type: str
    """GPU machine types bring their accelerators from the GPU table."""
    min_replicas: int
    """Lowest replica count."""
    max_replicas: int
    """Highest replica count."""
    target_utilization_percentage: NotRequired[int]
    """Autoscaling target (accelerator duty cycle on GPU machines, CPU utilisation otherwise)."""
    expected_requests_per_second: NotRequired[float]
    """Expected average request rate, an input the deployment provider ignores: the cost estimate reads it for the
    cost per 1,000 predictions."""


DEPLOYMENT_DEFAULTS = declare(
    VertexDeploymentArgs,
    target_utilization_percentage=stack_default(VertexDeploymentConfig, "target_utilization_percentage"),
)
"""Defaults of the optional args of ``VertexDeploymentArgs``."""


class RequestLoggingArgs(TypedDict):
    """A sample of requests and responses logged to BigQuery."""

    sampling_rate: float
    """Share of requests logged, above 0 and at most 1."""
    bigquery_table: NotRequired[str]
    """An existing ``bq://<project>.<dataset>[.<table>]``; without it the component creates the dataset."""
    retention_days: NotRequired[int]
    """Days the component's dataset keeps a logged request."""


# A quarter of logged requests: enough for rollout analysis and monitoring windows, bounded storage cost.
LOGGING_DEFAULTS = declare(RequestLoggingArgs, retention_days=90)
"""Defaults of the optional args of ``RequestLoggingArgs``."""


class VertexEndpointArgs(TypedDict):
    """Arguments of :class:`VertexEndpoint`."""

    endpoint_name: str
    """Name of the endpoint."""
    project: str
    """Google Cloud project id."""
    project_number: str
    """Project number (service agent addresses and resource names are derived from it)."""
    region: str
    """Google Cloud region (``europe-west4``)."""
    deployments: Mapping[str, VertexDeploymentArgs]
    """Deployments by name."""
    traffic: Mapping[str, int]
    """Traffic per deployment, percentages summing to 100."""
    network_access: NotRequired[str]
    """``private_service_connect``, ``vpc_peering`` or ``public``."""
    network_name: NotRequired[str]
    """VPC of the platform (PSC automation and VPC peering)."""
    customer_managed_key: NotRequired[GcpCustomerManagedKeyArgs]
    """Encryption of the endpoint and the uploaded models; the Vertex AI service agent needs the key role."""
    request_logging: NotRequired[RequestLoggingArgs]
    """Log a sample of requests and responses to BigQuery."""
    health_check_path: NotRequired[str]
    """Public endpoints: probe this path with an uptime check."""
    service_account: NotRequired[pulumi.Input[str]]
    """Identity the model containers run as (default: the Vertex AI service agent)."""
    slo: NotRequired[EndpointSloArgs]
    """The endpoint's objective; with ``alert_routing`` its latency and error-rate alerts."""
    labels: NotRequired[Labels]
    """Labels of the endpoint and the uploaded models."""
    alert_routing: NotRequired[GcpAlertRoutingArgs]
    """Alert through these: SLO alerts (with ``slo``), each deployment at its replica ceiling, the uptime check."""
    protect: NotRequired[bool]
    """Pulumi refuses to delete the request-log dataset (the endpoint's stateful child)."""


DEFAULTS = declare(
    VertexEndpointArgs,
    network_access=stack_default(VertexEndpointConfig, "network_access"),
)
"""Defaults of the optional args of ``VertexEndpointArgs``."""


def accelerator(machine_type: str) -> tuple[str | None, int]:
    """Vertex accelerator type and count of a machine type (``g2-standard-8`` → ``NVIDIA_L4``, 1)."""
    machine = gpu.gcp_gpu_machines().get(machine_type)
    if machine is None:
        return None, 0
    return machine.accelerator_type.upper().replace("-", "_"), machine.gpus


def _validate(args: VertexEndpointArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    access = args.get("network_access", DEFAULTS["network_access"])
    if access not in NETWORK_ACCESS:
        fail("network_access", f"{access!r} is not one of {', '.join(NETWORK_ACCESS)}")
    if access != "public" and "network_name" not in args:
        fail("network_name", f"{access} needs the platform VPC")
    if "health_check_path" in args and access != "public":
        fail("health_check_path", "an uptime check cannot reach a private endpoint")
    problem = rules.endpoint_traffic_problem(dict(args["traffic"]), {}, set(args["deployments"]))
    if problem:
        fail("traffic", problem)
    for name, spec in args["deployments"].items():
        if not 1 <= spec["min_replicas"] <= spec["max_replicas"]:
            fail(
                f"deployments.{name}",
                f"need 1 <= min_replicas <= max_replicas, got {spec['min_replicas']}..{spec['max_replicas']}",
            )
        if not spec["model"]["artifact_uri"].startswith("gs://"):
            fail(f"deployments.{name}.model.artifact_uri", "must be a gs:// location")
    logging_args = args.get("request_logging")
    if logging_args is not None and not 0 < logging_args["sampling_rate"] <= 1:
        fail("request_logging.sampling_rate", "must be above 0 and at most 1")
    if (
        logging_args is not None
        and not 1 <= logging_args.get("retention_days", LOGGING_DEFAULTS["retention_days"]) <= 3650
    ):
        fail("request_logging.retention_days", "must be 1 to 3650 days")
    if "alert_routing" in args and "slo" not in args:
        fail("slo", "alert_routing alerts on the SLO: give latency_p95_ms and latency_p99_ms")
    check_slo(COMPONENT, args.get("slo"))
    gcp_labels(COMPONENT, args.get("labels"))


def request_log_dataset(endpoint_name: str) -> str:
    """The BigQuery dataset of an endpoint's request-response logs (dataset ids take underscores, not hyphens)."""
    return f"{endpoint_name.replace('-', '_')}_request_logs"


class VertexEndpoint(pulumi.ComponentResource):
    """A Vertex AI endpoint with its deployed models, traffic split and SLO alerts, private by default.

    Children: ``<name>-request-logs`` (a component-made request-log dataset), ``<name>-endpoint``,
    ``<name>-<deployment>`` per deployment, ``<name>-traffic``, alerts.
    """

    endpoint: vertex.AiEndpoint
    endpoint_id: pulumi.Output[str]

    def __init__(self, name: str, args: VertexEndpointArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        logging_args = args.get("request_logging")
        # Not a class annotation: BigQuery's SDK module loads only for an endpoint that logs to its own dataset.
        self.request_log_dataset: pulumi.CustomResource | None = (
            self._request_log_dataset(name, args, logging_args)
            if logging_args is not None and "bigquery_table" not in logging_args
            else None
        )
        self.endpoint = self._endpoint(name, args)
        # Not annotated: dynamic resources are no schema outputs.
        self.deployments = {
            deployment_name: self._deployment(name, deployment_name, spec, args)
            for deployment_name, spec in args["deployments"].items()
        }
        VertexEndpointTraffic(
            f"{name}-traffic",
            endpoint=self.endpoint.id,
            traffic={deployment: int(share) for deployment, share in args["traffic"].items()},
            deployed_model_ids={k: d.deployed_model_id for k, d in self.deployments.items()},
            opts=child_options(self, depends_on=list(self.deployments.values())),
        )
        if "alert_routing" in args:
            self._alerts(name, args, args["alert_routing"])

        self.endpoint_id = self.endpoint.id
        self.register_outputs({"endpointId": self.endpoint_id})

    def _request_log_dataset(
        self, name: str, args: VertexEndpointArgs, logging_args: RequestLoggingArgs
    ) -> pulumi.CustomResource:
        """``<name>-request-logs``: where the endpoint logs requests and responses (the BigQuery agent needs the key
        role)."""
        from pulumi_gcp import bigquery  # noqa: PLC0415

        key = args.get("customer_managed_key")
        return bigquery.Dataset(
            f"{name}-request-logs",
            dataset_id=request_log_dataset(args["endpoint_name"]),
            project=args["project"],
            location=args["region"],
            description=f"aiscale: sampled requests and responses of Vertex AI endpoint {args['endpoint_name']}",
            default_table_expiration_ms=logging_args.get("retention_days", LOGGING_DEFAULTS["retention_days"])
            * 86_400_000,
            default_encryption_configuration=bigquery.DatasetDefaultEncryptionConfigurationArgs(
                kms_key_name=key["key_id"]
            )
            if key is not None
            else None,
            # Logged requests are evidence (audits, rollout analysis): a destroy keeps a dataset that holds tables.
            delete_contents_on_destroy=False,
            labels=dict(args.get("labels", {})),
            opts=child_options(self, protect=args.get("protect", False)),
        )

    def _request_log_uri(self, args: VertexEndpointArgs, logging_args: RequestLoggingArgs) -> pulumi.Input[str]:
        if "bigquery_table" in logging_args:
            return logging_args["bigquery_table"]
        assert self.request_log_dataset is not None
        # The dataset must exist and the table must not: Vertex AI creates the table.
        uri = f"bq://{args['project']}.{request_log_dataset(args['endpoint_name'])}.request_response_logging"
        return after(self.request_log_dataset, uri)

    def _endpoint(self, name: str, args: VertexEndpointArgs) -> vertex.AiEndpoint:
        """``<name>-endpoint``: PSC, VPC peering or public (dedicated DNS); CMEK; sampled request logging."""
        project, region, endpoint_name = args["project"], args["region"], args["endpoint_name"]
        access = args.get("network_access", DEFAULTS["network_access"])
        network = (
            f"projects/{args['project_number']}/global/networks/{args['network_name']}"
            if "network_name" in args
            else None
        )
        logging_args = args.get("request_logging")
        key = args.get("customer_managed_key")
        return vertex.AiEndpoint(
            f"{name}-endpoint",
            name=rules.vertex_endpoint_id(project, region, endpoint_name),
            display_name=endpoint_name,
            description=f"aiscale endpoint {endpoint_name}",
            project=project,
            location=region,
            region=region,
            labels=dict(args.get("labels", {})),
            encryption_spec=vertex.AiEndpointEncryptionSpecArgs(kms_key_name=key["key_id"])
            if key is not None
            else None,
            network=network if access == "vpc_peering" else None,
            private_service_connect_config=vertex.AiEndpointPrivateServiceConnectConfigArgs(
                enable_private_service_connect=True,
                project_allowlists=[project],
                psc_automation_configs=[
                    vertex.AiEndpointPrivateServiceConnectConfigPscAutomationConfigArgs(
                        project_id=project, network=network
                    )
                ],
            )
            # _validate gives private access a network; testing it too lets the checker see it.
            if access == "private_service_connect" and network is not None
            else None,
            # A public endpoint gets its own DNS name (isolated from other endpoints, larger payloads).
            dedicated_endpoint_enabled=True if access == "public" else None,
            predict_request_response_logging_config=vertex.AiEndpointPredictRequestResponseLoggingConfigArgs(
                enabled=True,
                sampling_rate=logging_args["sampling_rate"],
                bigquery_destination=vertex.AiEndpointPredictRequestResponseLoggingConfigBigqueryDestinationArgs(
                    output_uri=self._request_log_uri(args, logging_args)
                ),
            )
            if logging_args is not None
            else None,
            # The traffic resource owns the split.
            opts=child_options(self, ignore_changes=["trafficSplit"]),
        )

    def _deployment(
        self, name: str, deployment_name: str, spec: VertexDeploymentArgs, args: VertexEndpointArgs
    ) -> VertexModelDeployment:
        """``<name>-<deployment>``: the model uploaded (labelled, CMEK) and deployed with no traffic."""
        accelerator_type, accelerator_count = accelerator(spec["machine_type"])
        metric = GPU_METRIC if accelerator_type else CPU_METRIC
        model = spec["model"]
        key = args.get("customer_managed_key")
        props: dict[str, Any] = {
            "endpoint": self.endpoint.id,
            "deployment_name": deployment_name,
            "model": {
                "display_name": f"{args['endpoint_name']}-{deployment_name}",
                "artifact_uri": model["artifact_uri"],
                "serving_container_image": model["serving_container_image"],
                "labels": {
                    **dict(args.get("labels", {})),
                    **dict(model.get("version_labels", {})),
                    "aiscale-endpoint": args["endpoint_name"],
                    "aiscale-deployment": deployment_name,
                },
                "kms_key_name": key["key_id"] if key is not None else None,
            },
            "machine_type": spec["machine_type"],
            "accelerator_type": accelerator_type,
            "accelerator_count": accelerator_count,
            "min_replicas": spec["min_replicas"],
            "max_replicas": spec["max_replicas"],
            "autoscaling": {
                metric: spec.get("target_utilization_percentage", DEPLOYMENT_DEFAULTS["target_utilization_percentage"])
            },
            "service_account": args.get("service_account"),
        }
        if "expected_requests_per_second" in spec:
            props[REQUEST_RATE_INPUT] = spec["expected_requests_per_second"]
        return VertexModelDeployment(f"{name}-{deployment_name}", props, opts=child_options(self))

    def _alerts(self, name: str, args: VertexEndpointArgs, routing: GcpAlertRoutingArgs) -> None:
        """SLO alerts on the endpoint, each deployment at its replica ceiling; every one links its runbook."""
        slo = args.get("slo")
        assert slo is not None  # _validate: alerts need the SLO
        endpoint_name, project = args["endpoint_name"], args["project"]
        labels = dict(args.get("labels", {}))
        numeric_id = rules.vertex_endpoint_id(project, args["region"], endpoint_name)
        selector = f'{_ENDPOINT_RESOURCE},endpoint_id="{numeric_id}"'
        for percentile, quantile, threshold in (
            ("p95", 0.95, slo["latency_p95_ms"]),
            ("p99", 0.99, slo["latency_p99_ms"]),
        ):
            alert_policy(
                name,
                alert=f"latency-{percentile}",
                runbook_page=f"endpoint-latency-{percentile}",
                display_name=f"{endpoint_name}: {percentile} latency above {threshold} ms",
                summary=f"{percentile} prediction latency of endpoint {endpoint_name} is above its SLO of {threshold} ms.",
                condition=promql(
                    f"{percentile} latency > {threshold} ms",
                    f"histogram_quantile({quantile}, sum by (le) (rate("
                    f"aiplatform_googleapis_com:prediction_online_prediction_latencies_bucket{{{selector}}}[5m])))"
                    f" > {threshold}",
                    300,
                ),
                severity="ERROR",
                project=project,
                args=routing,
                watched=[self.endpoint],
                labels=labels,
                parent=self,
            )
        error_rate = slo.get("error_rate_percent", SLO_DEFAULTS["error_rate_percent"])
        alert_policy(
            name,
            alert="error-rate",
            runbook_page="endpoint-error-rate",
            display_name=f"{endpoint_name}: errors above {error_rate:g}%",
            summary=f"More than {error_rate:g}% of predictions on endpoint {endpoint_name} failed.",
            condition=promql(
                f"error share > {error_rate:g}%",
                f"100 * sum(rate(aiplatform_googleapis_com:prediction_online_error_count{{{selector}}}[5m]))"
                f" / sum(rate(aiplatform_googleapis_com:prediction_online_prediction_count{{{selector}}}[5m]))"
                f" > {error_rate:g}",
                900,
            ),
            severity="CRITICAL",
            project=project,
            args=routing,
            watched=[self.endpoint],
            labels=labels,
            parent=self,
        )
        for deployment_name, spec in args["deployments"].items():
            deployment = self.deployments[deployment_name]
            ceiling = spec["max_replicas"]
            query = deployment.deployed_model_id.apply(
                lambda model_id, ceiling=ceiling: (
                    f'max(aiplatform_googleapis_com:prediction_online_replicas{{{selector},deployed_model_id="{model_id}"}})'
                    f" >= {ceiling}"
                )
            )
            alert_policy(
                f"{name}-{deployment_name}",
                alert="at-max",
                runbook_page="deployment-at-max",
                display_name=f"{endpoint_name}/{deployment_name}: at max_replicas",
                summary=f"Deployment {deployment_name} has run at max_replicas ({ceiling}) for 15 minutes: demand exceeds its ceiling.",
                condition=promql(f"replicas >= {ceiling}", query, 900),
                severity="WARNING",
                project=project,
                args=routing,
                watched=[self.endpoint, deployment],
                labels=labels,
                parent=self,
            )
        if "health_check_path" in args:
            self._uptime(name, args, routing, numeric_id, labels, path=args["health_check_path"])

    def _uptime(
        self,
        name: str,
        args: VertexEndpointArgs,
        routing: GcpAlertRoutingArgs,
        numeric_id: str,
        labels: Labels,
        *,
        path: str,
    ) -> None:
        """``<name>-uptime``: an authenticated HTTPS check of a public endpoint, and its alert."""
        host = f"{numeric_id}.{args['region']}-{args['project_number']}.prediction.vertexai.goog"
        check = monitoring.UptimeCheckConfig(
            f"{name}-uptime",
            project=args["project"],
            display_name=f"{args['endpoint_name']} health",
            period="60s",
            timeout="10s",
            http_check=monitoring.UptimeCheckConfigHttpCheckArgs(
                path=path,
                port=443,
                use_ssl=True,
                validate_ssl=True,
                # Vertex AI answers authenticated requests only; the check presents Google-signed identity tokens.
                service_agent_authentication=monitoring.UptimeCheckConfigHttpCheckServiceAgentAuthenticationArgs(
                    type="OIDC_TOKEN"
                ),
            ),
            monitored_resource=monitoring.UptimeCheckConfigMonitoredResourceArgs(
                type="uptime_url", labels={"project_id": args["project"], "host": host}
            ),
            user_labels=dict(labels),
            opts=child_options(self, depends_on=[self.endpoint]),
        )
        query = check.uptime_check_id.apply(
            lambda check_id: f'max(monitoring_googleapis_com:uptime_check_check_passed{{check_id="{check_id}"}}) == 0'
        )
        alert_policy(
            name,
            alert="uptime",
            runbook_page="endpoint-uptime",
            display_name=f"{args['endpoint_name']}: health check failing",
            summary=f"The uptime check of endpoint {args['endpoint_name']} has failed for 5 minutes.",
            condition=promql("health check failing", query, 300),
            severity="CRITICAL",
            project=args["project"],
            args=routing,
            watched=[self.endpoint, check],
            labels=labels,
            parent=self,
        )

"""``GcpGpuInferencePlatform``: the Google Cloud side of an aiscale stack, composed step by step from config.

validate config → monitoring → network → keys with CMEK wiring → cluster and GPU pools → GPU stack, KEDA and team
namespaces with their workloads on the cluster → Vertex AI endpoints and their model monitors → budget → audit
trail. Each step is one component; every section of ``aiscale:gcp`` is optional except the keys. Same shape and
vocabulary as ``AzureGpuInferencePlatform``.
"""

from typing import cast

import pulumi
import pulumi_kubernetes as kubernetes

from aiscale.blueprints.model_monitoring import monitor_args, retraining_args
from aiscale.blueprints.platform_args import GcpGpuInferencePlatformArgs
from aiscale.blueprints.platform_config import platform_args, platform_config
from aiscale.blueprints.workloads import team_workload
from aiscale.components.common.options import child_options
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.components.gcp.audit_trail import GcpAuditTrail, GcpAuditTrailArgs
from aiscale.components.gcp.budget import GcpBudget, GcpBudgetArgs
from aiscale.components.gcp.gke_cluster import GkeCluster, GkeClusterArgs
from aiscale.components.gcp.gpu_node_pool import GkeGpuNodePool, GkeGpuNodePoolArgs
from aiscale.components.gcp.kms import KmsKeyRing, KmsKeyRingArgs
from aiscale.components.gcp.model_monitor import VertexModelMonitor, VertexModelMonitorArgs
from aiscale.components.gcp.monitoring import GcpMonitoring, GcpMonitoringArgs
from aiscale.components.gcp.vertex_endpoint import VertexDeploymentArgs, VertexEndpoint, VertexEndpointArgs
from aiscale.components.gcp.vpc import PODS_RANGE_NAME, SERVICES_RANGE_NAME, GcpNetwork, GcpNetworkArgs
from aiscale.components.k8s.gpu_stack import GpuStack
from aiscale.components.k8s.inference_workload import InferenceWorkload
from aiscale.components.k8s.keda import Keda
from aiscale.components.k8s.provider import cluster_provider, gke_kubeconfig
from aiscale.components.k8s.team_namespace import TeamNamespace
from aiscale.core import rules
from aiscale.core.config import StackConfig
from aiscale.core.config.delivery import registry_parts
from aiscale.core.config.gcp import GcpConfig, VertexDeploymentConfig, VertexEndpointConfig, VertexModelConfig

COMPONENT = type_token("GcpGpuInferencePlatform")
PREVIOUS_TYPE = "aiscale:blueprints:GcpGpuInferencePlatform"


def mlflow_labels(model: VertexModelConfig) -> dict[str, str]:
    """Labels tying an uploaded model to its MLflow registry version (GCP label rules: lowercase, ≤ 63)."""
    if model.registry is None or model.version is None:
        return {}
    name = registry_parts(model.registry)[0]
    return {"mlflow-model": rules.gcp_label_value(name), "mlflow-version": str(model.version)}


def cmek_consumers(gcp: GcpConfig) -> dict[str, list[str]]:
    """Service agents per key: those configured plus those of every CMEK consumer this stack deploys."""
    agents = {key_name: [agent.value for agent in key.consumers] for key_name, key in gcp.kms.keys.items()}

    def grant(key_name: str, agent: str) -> None:
        if agent not in agents[key_name]:
            agents[key_name].append(agent)

    if gcp.cmek.enabled:
        if gcp.gke is not None:
            grant(gcp.cmek.gke_secrets_key, "container")
            grant(gcp.cmek.boot_disk_key, "compute")
        if gcp.endpoints:
            grant(gcp.cmek.vertex_key, "aiplatform")
        if gcp.audit is not None:
            grant(gcp.cmek.log_bucket_key, "logging")
        if gcp.budget is not None:
            grant(gcp.cmek.pubsub_key, "pubsub")
        if any(logs_to_stack_dataset(spec) for spec in gcp.endpoints.values()):
            grant(gcp.cmek.vertex_key, "bigquery")
    return agents


def logs_to_stack_dataset(spec: VertexEndpointConfig) -> bool:
    """Whether an endpoint logs requests to a BigQuery dataset the stack creates (not a table of its own)."""
    return spec.logging_sampling() is not None and spec.request_logging_table is None


class GcpGpuInferencePlatform(pulumi.ComponentResource):
    """The whole Google Cloud platform of one stack, configured like a stack file's ``aiscale:gcp`` section.

    Its outputs are what a team's stack needs to build on the platform (``TeamPlatform``, through a stack
    reference): the cluster and its kubeconfig, the network, the keys, the workload pool and alerting.
    """

    project: pulumi.Output[str]
    """Google Cloud project of the platform."""
    region: pulumi.Output[str]
    """Region of the platform."""
    key_ring_id: pulumi.Output[str]
    """Cloud KMS key ring of the platform."""
    key_ids: pulumi.Output[dict[str, str]]
    """Cloud KMS key resource names, by name."""
    network_id: pulumi.Output[str] | None
    """The platform's VPC network."""
    network_name: pulumi.Output[str] | None
    """Name of the platform's VPC network."""
    subnet_id: pulumi.Output[str] | None
    """The cluster subnet."""
    cluster_id: pulumi.Output[str] | None
    """The GKE cluster (``projects/<p>/locations/<region>/clusters/<name>``)."""
    cluster_name: pulumi.Output[str] | None
    """Name of the GKE cluster."""
    workload_pool: pulumi.Output[str] | None
    """Workload identity pool of the cluster (``<project>.svc.id.goog``)."""
    kubeconfig: pulumi.Output[str] | None
    """Kubeconfig of the cluster for ``gke-gcloud-auth-plugin``, a secret."""
    gpu_pool_names: list[str]
    """The cluster's GPU pools (their ``aiscale.io/gpu-pool`` label)."""
    keda_server_address: pulumi.Output[str] | None
    """Where KEDA's Prometheus triggers query Managed Service for Prometheus (teams' workloads scale on it)."""
    notification_channel_ids: list[pulumi.Output[str]]
    """Notification channels every platform alert notifies."""
    endpoint_ids: dict[str, pulumi.Output[str]]
    """Vertex AI endpoints, by name."""
    audit_bucket_name: pulumi.Output[str] | None
    """The audit log bucket (``projects/<p>/locations/<l>/buckets/<id>``, with ``audit``)."""
    budget_topic_id: pulumi.Output[str] | None
    """The Pub/Sub topic the budget publishes to (with ``budget``): subscribe automation to it."""

    def __init__(
        self, name: str, args: GcpGpuInferencePlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        self.platform = platform_config(COMPONENT, args, cloud="gcp")
        config = self.platform.config
        assert config.gcp is not None  # platform_config refuses args without the cloud's section
        gcp = config.gcp
        self.gcp = gcp
        self.labels = config.resource_labels()
        self.protect = config.protect_stateful
        self.prefix = gcp.project

        self.monitoring = self._monitoring(name) if gcp.monitoring else None
        self.network = self._network(name) if gcp.network else None
        self.kms = self._keys(name)
        self.gke = self._cluster(name) if gcp.gke else None
        self.gpu_pools = {pool: self._gpu_pool(name, pool) for pool in gcp.gpu_pools}
        self.kubeconfig = self._kubeconfig() if self.gke is not None else None
        on_cluster = self.gke is not None and bool(gcp.teams or self._operator_drivers())
        self.k8s_provider = self._kubernetes(name) if on_cluster else None
        self.gpu_stack = self._gpu_stack(name, config) if on_cluster and self._operator_drivers() else None
        self.teams = {team: self._team(name, team, config) for team in gcp.teams} if on_cluster else {}
        workloads = [(team, workload) for team, spec in gcp.teams.items() for workload in spec.workloads]
        self.keda = self._keda(name, config) if self.teams and workloads else None
        self.workloads = (
            {f"{team}/{workload}": self._workload(name, team, workload, config) for team, workload in workloads}
            if self.keda is not None
            else {}
        )
        self.endpoints = {endpoint: self._endpoint(name, endpoint) for endpoint in gcp.endpoints}
        self.model_monitors = {
            endpoint: self._model_monitor(name, endpoint) for endpoint, spec in gcp.endpoints.items() if spec.monitors()
        }
        self.budget = self._budget(name) if gcp.budget else None
        self.audit = self._audit(name) if gcp.audit else None
        self._outputs()

    @classmethod
    def from_config(
        cls, name: str, config: StackConfig, opts: pulumi.ResourceOptions | None = None
    ) -> "GcpGpuInferencePlatform":
        """The platform of a validated stack configuration (what ``deploy_stack`` builds)."""
        return cls(name, cast(GcpGpuInferencePlatformArgs, platform_args(config, "gcp")), opts)

    # --- steps ----------------------------------------------------------------------------------------------

    def _monitoring(self, name: str) -> GcpMonitoring:
        monitoring = self.gcp.monitoring
        assert monitoring is not None
        webhook = self.platform.secret("gcp.monitoring.alerts.webhook_url", monitoring.alerts.webhook_url)
        args: GcpMonitoringArgs = {
            "project": self.gcp.project,
            "alert_emails": list(monitoring.alerts.emails),
            "runbook_base_url": monitoring.alerts.runbook_base_url,
            "log_retention_days": monitoring.log_retention_days,
            "labels": self.labels,
        }
        if webhook is not None:
            args["webhook_url"] = webhook
        return GcpMonitoring(f"{name}-monitoring", args, opts=child_options(self))

    def _network(self, name: str) -> GcpNetwork:
        network = self.gcp.network
        assert network is not None
        args: GcpNetworkArgs = {
            "project": self.gcp.project,
            "region": self.gcp.region,
            "network_name": f"{self.prefix}-vpc",
            "subnet": str(network.subnet),
            "pods_range": str(network.pods_range),
            "services_range": str(network.services_range),
            "flow_log_sampling": network.flow_log_sampling,
            "labels": self.labels,
        }
        if network.private_service_access_range is not None:
            args["private_service_access_range"] = str(network.private_service_access_range)
        return GcpNetwork(f"{name}-network", args, opts=child_options(self))

    def _keys(self, name: str) -> KmsKeyRing:
        gcp = self.gcp
        agents = cmek_consumers(gcp)
        args: KmsKeyRingArgs = {
            "project": gcp.project,
            "project_number": gcp.project_number,
            "location": gcp.kms.location or gcp.region,
            "key_ring_name": gcp.kms.key_ring,
            "keys": {
                key_name: {
                    "rotation_days": key.rotation_days,
                    "protection_level": key.protection_level.value,
                    "destroy_scheduled_days": key.destroy_scheduled_days,
                    "service_agents": agents[key_name],
                }
                for key_name, key in gcp.kms.keys.items()
            },
            "labels": self.labels,
            "protect": self.protect,
        }
        if gcp.audit is not None and "cloudkms" in gcp.audit.services:
            # The key ring owns the Cloud KMS audit config: every use of a key, with the audit trail's log types.
            args["diagnostics"] = {"log_types": list(gcp.audit.log_types)}
        elif gcp.audit is None and gcp.monitoring is not None:
            # Who used which key, in the same place as every other platform log (Azure: the vault's diagnostics).
            args["diagnostics"] = {}
        return KmsKeyRing(f"{name}-kms", args, opts=child_options(self))

    def _cluster(self, name: str) -> GkeCluster:
        gke, network, vpc = self.gcp.gke, self.gcp.network, self.network
        assert gke is not None and network is not None and vpc is not None
        window = gke.maintenance_window
        args: GkeClusterArgs = {
            "cluster_name": gke.name,
            "project": self.gcp.project,
            "region": self.gcp.region,
            "network_id": vpc.network_id,
            "subnet_id": vpc.subnet_id,
            "pods_range_name": PODS_RANGE_NAME,
            "services_range_name": SERVICES_RANGE_NAME,
            "master_range": str(network.master_range),
            "system_pool": {
                "machine_type": gke.system_pool.machine_type,
                "min_nodes": gke.system_pool.min_nodes,
                "max_nodes": gke.system_pool.max_nodes,
            },
            "control_plane": {
                "private": gke.private_endpoint,
                # Nodes and bastions in the cluster subnet reach the control plane, and the configured networks.
                "authorized_ranges": [str(network.subnet), *(str(n) for n in gke.authorized_networks)],
            },
            "release_channel": gke.release_channel,
            "zones": list(gke.zones),
            "maintenance_window": {
                "day_of_week": window.day_of_week,
                "start_hour": window.start_hour,
                "duration_hours": window.duration_hours,
            },
            "deletion_protection": gke.deletion_protection,
            "cost_allocation": gke.cost_allocation,
            "labels": self.labels,
            "protect": self.protect,
        }
        if gke.security_group is not None:
            args["security_group"] = gke.security_group
        if self.gcp.cmek.enabled:
            args["secrets_encryption_key"] = self.kms.customer_managed_key(self.gcp.cmek.gke_secrets_key)
            args["disk_encryption_key"] = self.kms.customer_managed_key(self.gcp.cmek.boot_disk_key)
        # The key grants of the container and compute agents must exist before the cluster uses the keys.
        return GkeCluster(f"{name}-gke", args, opts=child_options(self, depends_on=[self.kms]))

    def _gpu_pool(self, name: str, pool_name: str) -> GkeGpuNodePool:
        pool, gke, gke_config = self.gcp.gpu_pools[pool_name], self.gke, self.gcp.gke
        assert gke is not None and gke_config is not None
        args: GkeGpuNodePoolArgs = {
            "pool_name": pool_name,
            "project": self.gcp.project,
            "region": self.gcp.region,
            "cluster_id": gke.cluster_id,
            "cluster_name": gke_config.name,
            "machine_type": pool.machine_type,
            "min_nodes": pool.min_nodes,
            "max_nodes": pool.max_nodes,
            "service_account_email": gke.node_service_account_email,
            "purpose": pool.purpose,
            "spot": pool.spot,
            "driver": pool.driver,
            "zones": list(pool.zones or gke_config.zones),
            "disk_size_gb": pool.disk_size_gb,
            "node_labels": dict(pool.labels),
            "labels": self.labels,
        }
        if pool.expected_utilization_percent is not None:
            args["expected_utilization_percent"] = pool.expected_utilization_percent
        if pool.partition_size is not None:
            args["partition_size"] = pool.partition_size
        if pool.sharing is not None and pool.max_shared_clients is not None:
            args["sharing"] = pool.sharing
            args["max_shared_clients"] = pool.max_shared_clients
        if pool.driver == "platform":
            args["driver_version"] = pool.driver_version
        if pool.team is not None:
            args["team"] = pool.team
        if self.gcp.cmek.enabled:
            args["disk_encryption_key"] = self.kms.customer_managed_key(self.gcp.cmek.boot_disk_key)
        monitoring = self.gcp.monitoring
        if self.monitoring is not None and monitoring is not None:
            args["alert_routing"] = self.monitoring.alert_routing()
            args["alerts"] = {"at_max_minutes": monitoring.pool_at_max_minutes}
            if monitoring.gpu_idle_hours:
                args["alerts"]["idle_hours"] = monitoring.gpu_idle_hours
        return GkeGpuNodePool(f"{name}-gpu-{pool_name}", args, opts=child_options(self))

    def _operator_drivers(self) -> bool:
        return any(pool.driver == "operator" for pool in self.gcp.gpu_pools.values())

    def _kubeconfig(self) -> pulumi.Output[str]:
        assert self.gke is not None
        return gke_kubeconfig(self.gke.cluster_name, self.gke.control_plane_host, self.gke.ca_certificate)

    def _kubernetes(self, name: str) -> kubernetes.Provider:
        assert self.kubeconfig is not None
        return cluster_provider(f"{name}-k8s", self.kubeconfig, parent=self)

    def _on_cluster(self) -> pulumi.ResourceOptions:
        assert self.k8s_provider is not None
        return child_options(self, providers=[self.k8s_provider])

    def _gpu_stack(self, name: str, config: StackConfig) -> GpuStack:
        return GpuStack(
            f"{name}-gpu-stack",
            {"cloud": "gcp", "driver": "operator", "labels": config.resource_labels()},
            opts=pulumi.ResourceOptions.merge(
                self._on_cluster(), pulumi.ResourceOptions(depends_on=list(self.gpu_pools.values()))
            ),
        )

    def _team(self, name: str, team_name: str, config: StackConfig) -> TeamNamespace:
        team = self.gcp.teams[team_name]
        return TeamNamespace(
            f"{name}-team-{team_name}",
            {
                "namespace": team_name,
                "quota": {"gpus": team.gpu_quota, "cpu": team.cpu_quota, "memory": team.memory_quota},
                "pod_security": team.pod_security,
                "gateway_namespaces": list(team.gateway_namespaces),
                "egress_cidrs": [str(cidr) for cidr in team.egress_cidrs],
                "https_egress": team.https_egress,
                "gcp_identity": {"project": self.gcp.project, "account_id": f"{team_name}-workload"[:30]},
                "group_access": {"group": team.group_email},
                "labels": config.resource_labels(),
            },
            opts=self._on_cluster(),
        )

    def _keda(self, name: str, config: StackConfig) -> Keda:
        """KEDA from its pinned chart; its operator reads Managed Service for Prometheus as its own account."""
        return Keda(
            f"{name}-keda",
            {"gcp": {"project": self.gcp.project}, "labels": config.resource_labels()},
            opts=self._on_cluster(),
        )

    def _workload(self, name: str, team_name: str, workload_name: str, config: StackConfig) -> InferenceWorkload:
        assert self.keda is not None
        return team_workload(
            f"{name}-workload-{team_name}-{workload_name}",
            self.gcp.teams[team_name].workloads[workload_name],
            workload_name=workload_name,
            team_name=team_name,
            team=self.teams[team_name],
            cloud="gcp",
            keda=self.keda,
            labels=config.resource_labels(),
            opts=pulumi.ResourceOptions.merge(
                self._on_cluster(), pulumi.ResourceOptions(depends_on=list(self.gpu_pools.values()))
            ),
        )

    def _endpoint(self, name: str, endpoint_name: str) -> VertexEndpoint:
        spec = self.gcp.endpoints[endpoint_name]
        args: VertexEndpointArgs = {
            "endpoint_name": endpoint_name,
            "project": self.gcp.project,
            "project_number": self.gcp.project_number,
            "region": self.gcp.region,
            "deployments": {
                deployment_name: _deployment(deployment) for deployment_name, deployment in spec.deployments.items()
            },
            "traffic": dict(spec.traffic),
            "network_access": spec.network_access,
            "slo": {
                "latency_p95_ms": spec.slo.latency_p95_ms,
                "latency_p99_ms": spec.slo.latency_p99_ms,
                "error_rate_percent": spec.slo.error_rate_percent,
            },
            "labels": self.labels,
            "protect": self.protect,
        }
        if self.network is not None:
            args["network_name"] = f"{self.prefix}-vpc"
        if self.gcp.cmek.enabled:
            args["customer_managed_key"] = self.kms.customer_managed_key(self.gcp.cmek.vertex_key)
        sampling = spec.logging_sampling()
        if sampling is not None:
            args["request_logging"] = {"sampling_rate": sampling}
            if spec.request_logging_table is not None:
                args["request_logging"]["bigquery_table"] = spec.request_logging_table
        if spec.health_check_path is not None:
            args["health_check_path"] = spec.health_check_path
        if self.monitoring is not None:
            args["alert_routing"] = self.monitoring.alert_routing()
        # Private networking and the Vertex AI agent's key grant come first.
        dependencies: list[pulumi.Resource] = [self.kms, *([self.network] if self.network else [])]
        return VertexEndpoint(
            f"{name}-endpoint-{endpoint_name}", args, opts=child_options(self, depends_on=dependencies)
        )

    def _model_monitor(self, name: str, endpoint_name: str) -> VertexModelMonitor:
        """The endpoint's monitoring job over its monitored deployed models, alerted through the stack's routing."""
        spec, endpoint = self.gcp.endpoints[endpoint_name], self.endpoints[endpoint_name]
        monitors = spec.monitors()
        args: VertexModelMonitorArgs = {
            "endpoint_name": endpoint_name,
            "endpoint": endpoint.endpoint.id,
            "project": self.gcp.project,
            "region": self.gcp.region,
            "deployments": {
                deployment: {
                    "deployed_model_id": endpoint.deployments[deployment].deployed_model_id,
                    "monitor": monitor_args(block),
                }
                for deployment, block in monitors.items()
            },
            "sampling_rate": next(iter(monitors.values())).sampling_rate,
            "labels": self.labels,
        }
        if self.gcp.cmek.enabled:
            args["customer_managed_key"] = self.kms.customer_managed_key(self.gcp.cmek.vertex_key)
        if self.monitoring is not None:
            args["alert_routing"] = self.monitoring.alert_routing()
        if spec.monitoring is not None and spec.monitoring.retraining is not None:
            args["retraining"] = retraining_args(spec.monitoring.retraining)
        # The deployed models must exist before the job watches them.
        return VertexModelMonitor(
            f"{name}-monitor-{endpoint_name}", args, opts=child_options(self, depends_on=[endpoint])
        )

    def _budget(self, name: str) -> GcpBudget:
        budget = self.gcp.budget
        assert budget is not None and self.gcp.billing_account is not None
        args: GcpBudgetArgs = {
            "billing_account": self.gcp.billing_account,
            "project": self.gcp.project,
            "project_number": self.gcp.project_number,
            "display_name": f"{self.gcp.project} monthly",
            "amount": budget.amount,
            "currency": budget.currency,
            "actual_thresholds": list(budget.actual_thresholds),
            "forecast_thresholds": list(budget.forecast_thresholds),
            "contact_emails": list(budget.contact_emails),
            "labels": self.labels,
        }
        if budget.end_date:
            args["start_date"], args["end_date"] = budget.start_date, budget.end_date
        if budget.tag_filter:
            args["label_filter"] = {key: values[0] for key, values in budget.tag_filter.items()}
        args["topic_name"], args["topic_region"] = f"{self.gcp.project}-budget", self.gcp.region
        if self.gcp.cmek.enabled:
            args["customer_managed_key"] = self.kms.customer_managed_key(self.gcp.cmek.pubsub_key)
        if self.monitoring is not None:
            args["alert_routing"] = self.monitoring.alert_routing()
        # The Pub/Sub agent's key grant comes first.
        grants = [self.kms] if self.gcp.cmek.enabled else None
        return GcpBudget(f"{name}-budget", args, opts=child_options(self, depends_on=grants))

    def _audit(self, name: str) -> GcpAuditTrail:
        audit, monitoring = self.gcp.audit, self.monitoring
        assert audit is not None and monitoring is not None
        args: GcpAuditTrailArgs = {
            "project": self.gcp.project,
            "location": self.gcp.region,
            "bucket_id": audit.bucket_id,
            "retention_days": audit.retention_days,
            "locked": audit.locked,
            "services": [service for service in audit.services if service != "cloudkms"],
            "diagnostics": {"log_types": list(audit.log_types)},
            "alert_routing": monitoring.alert_routing(),
            "labels": self.labels,
            "protect": self.protect,
        }
        if self.gcp.cmek.enabled:
            args["customer_managed_key"] = self.kms.customer_managed_key(self.gcp.cmek.log_bucket_key)
        # The Cloud Logging agent's key grant comes first.
        return GcpAuditTrail(f"{name}-audit", args, opts=child_options(self, depends_on=[self.kms]))

    def _outputs(self) -> None:
        """What a team's stack builds on: typed outputs, registered once."""
        self.project = pulumi.Output.from_input(self.gcp.project)
        self.region = pulumi.Output.from_input(self.gcp.region)
        self.key_ring_id, self.key_ids = self.kms.key_ring_id, self.kms.key_ids
        self.network_id = self.network.network_id if self.network else None
        self.network_name = self.network.network_name if self.network else None
        self.subnet_id = self.network.subnet_id if self.network else None
        self.cluster_id = self.gke.cluster_id if self.gke else None
        self.cluster_name = self.gke.cluster_name if self.gke else None
        self.workload_pool = self.gke.workload_pool if self.gke else None
        self.gpu_pool_names = sorted(self.gpu_pools)
        self.keda_server_address = (
            pulumi.Output.from_input(self.keda.prometheus_scaler()["server_address"]) if self.keda else None
        )
        self.notification_channel_ids = list(self.monitoring.notification_channel_ids) if self.monitoring else []
        self.endpoint_ids = {name: endpoint.endpoint_id for name, endpoint in self.endpoints.items()}
        self.audit_bucket_name = self.audit.bucket_name if self.audit else None
        self.budget_topic_id = self.budget.topic_id if self.budget else None
        outputs = {
            "project": self.project,
            "region": self.region,
            "keyRingId": self.key_ring_id,
            "keyIds": self.key_ids,
            "networkId": self.network_id,
            "networkName": self.network_name,
            "subnetId": self.subnet_id,
            "clusterId": self.cluster_id,
            "clusterName": self.cluster_name,
            "workloadPool": self.workload_pool,
            "kubeconfig": self.kubeconfig,
            "gpuPoolNames": self.gpu_pool_names,
            "kedaServerAddress": self.keda_server_address,
            "notificationChannelIds": self.notification_channel_ids,
            "endpointIds": self.endpoint_ids,
            "auditBucketName": self.audit_bucket_name,
            "budgetTopicId": self.budget_topic_id,
        }
        self.register_outputs({key: value for key, value in outputs.items() if value is not None})


def _deployment(deployment: VertexDeploymentConfig) -> VertexDeploymentArgs:
    """A deployment of the stack config as the endpoint takes it."""
    args: VertexDeploymentArgs = {
        "model": {
            "artifact_uri": deployment.model.artifact_uri,
            "serving_container_image": deployment.model.serving_container_image,
            "version_labels": {**dict(deployment.model.version_labels), **mlflow_labels(deployment.model)},
        },
        "machine_type": deployment.machine_type,
        "min_replicas": deployment.min_replicas,
        "max_replicas": deployment.max_replicas,
        "target_utilization_percentage": deployment.target_utilization_percentage,
    }
    if deployment.expected_requests_per_second is not None:
        args["expected_requests_per_second"] = deployment.expected_requests_per_second
    return args

"""``AzureGpuInferencePlatform``: the Azure side of an aiscale stack, composed step by step from config.

validate config → resource group and monitoring → network and keys → cluster and GPU pools → GPU stack, KEDA
and team namespaces with their workloads on the cluster → ML workspace, endpoints and their model monitors →
budget and cost attribution → audit trail. Each step is one component; every section of ``aiscale:azure`` is
optional except the keys.
"""

import datetime
from collections.abc import Mapping
from typing import TypedDict, cast

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi_azure_native import resources

from aiscale.blueprints.model_monitoring import monitor_args, retraining_args
from aiscale.blueprints.platform_args import AzureGpuInferencePlatformArgs
from aiscale.blueprints.platform_config import platform_args, platform_config
from aiscale.blueprints.workloads import team_workload
from aiscale.components.azure.aks import AksCluster, AksClusterArgs
from aiscale.components.azure.audit_trail import AzureAuditTrail, AzureAuditTrailArgs
from aiscale.components.azure.budget import AzureBudget, AzureBudgetArgs
from aiscale.components.azure.cost_management import AzureCostManagement, AzureCostManagementArgs
from aiscale.components.azure.gpu_node_pool import AksGpuNodePool, AksGpuNodePoolArgs
from aiscale.components.azure.key_vault import KeySpecArgs, KeyVault, KeyVaultArgs
from aiscale.components.azure.ml_workspace import MlWorkspace, MlWorkspaceArgs
from aiscale.components.azure.model_monitor import AzureModelMonitor, AzureModelMonitorArgs, model_asset_id
from aiscale.components.azure.monitoring import AzureMonitoring, AzureMonitoringArgs
from aiscale.components.azure.network import AzureNetwork, SubnetSpecArgs
from aiscale.components.azure.online_endpoint import (
    DataCollectionArgs,
    OffPeakScalingArgs,
    OnlineDeploymentArgs,
    OnlineEndpoint,
    OnlineEndpointArgs,
    ProbeArgs,
)
from aiscale.components.common.azure_diagnostics import AzureDiagnosticsArgs
from aiscale.components.common.azure_roles import AzureRole, role_assignment
from aiscale.components.common.options import after, child_options
from aiscale.components.common.private_endpoint import PRIVATE_DNS_ZONES
from aiscale.components.common.protection import LockLevel, ResourceLockArgs
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.components.k8s.gpu_stack import GpuStack
from aiscale.components.k8s.inference_workload import InferenceWorkload
from aiscale.components.k8s.keda import Keda
from aiscale.components.k8s.provider import aks_kubeconfig, cluster_provider
from aiscale.components.k8s.team_namespace import TeamNamespace
from aiscale.core.config import StackConfig
from aiscale.core.config.azure import (
    AzureKeyConfig,
    AzureTeamConfig,
    OnlineDeploymentConfig,
    OnlineEndpointConfig,
    ProbeConfig,
)
from aiscale.core.config.monitoring import AzureModelMonitoringConfig

COMPONENT = type_token("AzureGpuInferencePlatform")
PREVIOUS_TYPE = "aiscale:blueprints:AzureGpuInferencePlatform"


class _LockArg(TypedDict, total=False):
    lock: ResourceLockArgs


class _DiagnosticsArg(TypedDict, total=False):
    diagnostics: AzureDiagnosticsArgs


class AzureGpuInferencePlatform(pulumi.ComponentResource):
    """The whole Azure platform of one stack, configured like a stack file's ``aiscale:azure`` section.

    Its outputs are what a team's stack needs to build on the platform (``TeamPlatform``, through a stack
    reference): the cluster, its OIDC issuer and kubeconfig, the network, the keys, the workspaces and alerting.
    """

    resource_group_name: pulumi.Output[str]
    """The platform's resource group."""
    location: pulumi.Output[str]
    """Azure region of the platform."""
    subscription_id: pulumi.Output[str]
    """Subscription of the platform."""
    key_vault_id: pulumi.Output[str]
    """ARM id of the platform's Key Vault."""
    key_vault_uri: pulumi.Output[str]
    """URI of the platform's Key Vault."""
    key_ids: pulumi.Output[dict[str, str]]
    """ARM resource ids of the platform's keys, by name."""
    key_uris: pulumi.Output[dict[str, str]]
    """Versionless URIs of the platform's keys, by name."""
    vnet_id: pulumi.Output[str] | None
    """ARM id of the platform's VNet."""
    subnet_ids: dict[str, pulumi.Output[str]]
    """Subnets by role (``system``, ``gpu``, ``endpoints``, ``apiserver``)."""
    cluster_id: pulumi.Output[str] | None
    """ARM id of the AKS cluster."""
    cluster_name: pulumi.Output[str] | None
    """Name of the AKS cluster."""
    oidc_issuer_url: pulumi.Output[str] | None
    """Issuer of the cluster's service account tokens, for workload identity federation."""
    kubeconfig: pulumi.Output[str] | None
    """Entra ID (kubelogin) kubeconfig of the cluster, a secret."""
    gpu_pool_names: list[str]
    """The cluster's GPU pools (their ``aiscale.io/gpu-pool`` label)."""
    keda_server_address: pulumi.Output[str] | None
    """Where KEDA's Prometheus triggers query the cluster's managed Prometheus (teams' workloads scale on it)."""
    keda_identity_id: pulumi.Output[str] | None
    """Client id of the identity KEDA's operator queries the managed Prometheus as."""
    log_analytics_workspace_id: pulumi.Output[str] | None
    """Log Analytics workspace of the platform's logs (diagnostics)."""
    monitor_workspace_id: pulumi.Output[str] | None
    """Azure Monitor workspace of the platform's Prometheus metrics."""
    action_group_id: pulumi.Output[str] | None
    """Action group every platform alert notifies."""
    ml_workspace_name: pulumi.Output[str] | None
    """Name of the Azure ML workspace."""
    endpoint_ids: dict[str, pulumi.Output[str]]
    """Azure ML online endpoints, by name."""
    audit_delivery_url: pulumi.Output[str] | None
    """The audit store's container that CI ships promotion and rollout decisions to (with ``audit``)."""

    def __init__(
        self, name: str, args: AzureGpuInferencePlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        self.platform = platform_config(COMPONENT, args, cloud="azure")
        config = self.platform.config
        assert config.azure is not None  # platform_config refuses args without the cloud's section
        azure = config.azure
        self.tags = config.resource_tags()
        self.protect = config.protect_stateful
        self.lock: ResourceLockArgs | None = {"level": LockLevel(azure.lock)} if azure.lock else None
        self.azure = azure

        self.resource_group = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=azure.resource_group,
            location=azure.location,
            tags=self.tags,
            opts=child_options(self, protect=self.protect),
        )
        self.group_name = after(self.resource_group, azure.resource_group)

        self.monitoring = self._monitoring(name) if azure.monitoring else None
        self.network = self._network(name) if azure.network else None
        self.keys = self._keys(name)
        self.aks = self._cluster(name) if azure.aks else None
        self.gpu_pools = {pool: self._gpu_pool(name, pool) for pool in azure.gpu_pools}
        self.kubeconfig = self._kubeconfig() if self.aks is not None else None
        on_cluster = self.aks is not None and bool(azure.gpu_pools or azure.teams)
        self.k8s_provider = self._kubernetes(name) if on_cluster else None
        self.gpu_stack = self._gpu_stack(name, config) if on_cluster and azure.gpu_pools else None
        self.teams = {team: self._team(name, team, config) for team in azure.teams} if on_cluster else {}
        self.keda = self._keda(name) if self.teams and _workloads(azure.teams) else None
        self.workloads = (
            {
                f"{team}/{workload}": self._workload(name, team, workload, config)
                for team, workload in _workloads(azure.teams)
            }
            if self.keda is not None
            else {}
        )
        self.ml = self._ml_workspace(name) if azure.ml else None
        endpoints = azure.ml.endpoints if azure.ml else {}
        self.endpoints = {endpoint: self._endpoint(name, endpoint, spec) for endpoint, spec in endpoints.items()}
        self.model_monitors = {
            endpoint: self._model_monitor(name, endpoint, spec)
            for endpoint, spec in endpoints.items()
            if spec.monitors()
        }
        self.budget = self._budget(name) if azure.budget else None
        self.cost = self._cost(name) if azure.cost else None
        self.audit = self._audit(name) if azure.audit else None
        self._outputs()

    @classmethod
    def from_config(
        cls, name: str, config: StackConfig, opts: pulumi.ResourceOptions | None = None
    ) -> "AzureGpuInferencePlatform":
        """The platform of a validated stack configuration (what ``deploy_stack`` builds)."""
        return cls(name, cast(AzureGpuInferencePlatformArgs, platform_args(config, "azure")), opts)

    # --- steps ----------------------------------------------------------------------------------------------

    def _monitoring(self, name: str) -> AzureMonitoring:
        monitoring = self.azure.monitoring
        assert monitoring is not None
        webhook = self.platform.secret("azure.monitoring.alerts.webhook_url", monitoring.alerts.webhook_url)
        args: AzureMonitoringArgs = {
            "name_prefix": self.azure.resource_group.removeprefix("rg-"),
            "resource_group_name": self.group_name,
            "location": self.azure.location,
            "log_retention_days": monitoring.log_retention_days,
            "alert_emails": list(monitoring.alerts.emails),
            "runbook_base_url": monitoring.alerts.runbook_base_url,
            "tags": self.tags,
            "protect": self.protect,
            **self._lock(),
        }
        if webhook is not None:
            args["webhook_url"] = webhook
        if self.azure.audit is not None:
            args["audit_retention_days"] = self.azure.audit.table_retention_days
        return AzureMonitoring(f"{name}-monitoring", args, opts=child_options(self))

    def _diagnostics(self) -> _DiagnosticsArg:
        return {"diagnostics": self.monitoring.diagnostics()} if self.monitoring is not None else {}

    def _lock(self) -> _LockArg:
        return {"lock": self.lock} if self.lock is not None else {}

    def _network(self, name: str) -> AzureNetwork:
        network = self.azure.network
        assert network is not None
        subnets: dict[str, SubnetSpecArgs] = {
            "system": {"prefix": str(network.system_subnet)},
            "gpu": {"prefix": str(network.gpu_subnet)},
            "endpoints": {"prefix": str(network.endpoints_subnet), "private_endpoints": True},
        }
        if network.api_server_subnet is not None:
            subnets["apiserver"] = {
                "prefix": str(network.api_server_subnet),
                "delegation": "Microsoft.ContainerService/managedClusters",
            }
        zones: list[str] = []
        if network.manage_private_dns:
            zones = sorted({zone for group in PRIVATE_DNS_ZONES.values() for zone in group})
            if self.azure.aks is not None and self.azure.aks.api_server.private:
                zones.append(self._aks_zone())
        return AzureNetwork(
            f"{name}-network",
            {
                "resource_group_name": self.group_name,
                "location": self.azure.location,
                "vnet_name": f"{self.azure.resource_group.removeprefix('rg-')}-vnet",
                "address_space": str(network.address_space),
                "subnets": subnets,
                "private_dns_zones": zones,
                "tags": self.tags,
            },
            opts=child_options(self),
        )

    def _aks_zone(self) -> str:
        return f"privatelink.{self.azure.location}.azmk8s.io"

    def _keys(self, name: str) -> KeyVault:
        vault = self.azure.key_vault
        args: KeyVaultArgs = {
            "vault_name": vault.name,
            "resource_group_name": self.group_name,
            "location": self.azure.location,
            "tenant_id": self.azure.tenant_id,
            "subscription_id": self.azure.subscription_id,
            "sku": vault.sku.value,
            "soft_delete_retention_days": vault.soft_delete_retention_days,
            "purge_protection": vault.purge_protection,
            "public_network_access": vault.public_network_access,
            "allowed_ip_ranges": [str(r) for r in vault.allowed_ip_ranges],
            "keys": {key_name: _key(key) for key_name, key in vault.keys.items()},
            "key_access": {
                access_name: {
                    "principal_id": access.principal_id,
                    "principal_type": access.principal_type.value,
                    "role": access.role.value,
                    "keys": list(access.keys),
                }
                for access_name, access in vault.key_access.items()
            },
            "tags": self.tags,
            "protect": self.protect,
            **self._lock(),
            **self._diagnostics(),
        }
        if self.network is not None:
            args["private_endpoint"] = self.network.private_endpoint()
        return KeyVault(f"{name}-keys", args, opts=child_options(self))

    def _cluster(self, name: str) -> AksCluster:
        aks, network, monitoring = self.azure.aks, self.network, self.monitoring
        assert aks is not None and network is not None and monitoring is not None
        api = aks.api_server
        args: AksClusterArgs = {
            "cluster_name": aks.name,
            "resource_group_name": self.group_name,
            "location": self.azure.location,
            "subscription_id": self.azure.subscription_id,
            "tenant_id": self.azure.tenant_id,
            "admin_group_object_ids": list(aks.admin_group_object_ids),
            "vnet_id": network.vnet_id,
            "system_subnet_id": network.subnet_ids["system"],
            "system_pool": {
                "vm_size": aks.system_pool.vm_size,
                "min_nodes": aks.system_pool.min_nodes,
                "max_nodes": aks.system_pool.max_nodes,
                "os_disk_type": aks.system_pool.os_disk_type,
            },
            "log_analytics_workspace_id": monitoring.log_analytics_workspace_id,
            "tier": aks.tier,
            "control_plane": {"private": api.private, "authorized_ranges": [str(r) for r in api.authorized_ip_ranges]},
            "network_policy": aks.network_policy,
            "pod_cidr": str(aks.pod_cidr),
            "service_cidr": str(aks.service_cidr),
            "upgrade_channel": aks.upgrade_channel,
            "node_os_upgrade_channel": aks.node_os_upgrade_channel,
            "maintenance_window": {
                "day_of_week": aks.maintenance_window.day_of_week,
                "start_hour": aks.maintenance_window.start_hour,
                "duration_hours": aks.maintenance_window.duration_hours,
            },
            "prometheus": {"monitor_workspace_id": monitoring.monitor_workspace_id},
            "defender": aks.defender,
            "azure_policy": aks.azure_policy_addon,
            "cost_analysis": aks.cost_analysis,
            # Teams' workloads scale with KEDA: the managed add-on.
            "keda": bool(_workloads(self.azure.teams)),
            "tags": self.tags,
            "protect": self.protect,
            **self._lock(),
            **self._diagnostics(),
        }
        if self._aks_zone() in network.dns_zone_ids:
            args["private_dns_zone_id"] = network.dns_zone_ids[self._aks_zone()]
        if api.vnet_integration:
            args["api_server_subnet_id"] = network.subnet_ids["apiserver"]
        if aks.kubernetes_version:
            args["kubernetes_version"] = aks.kubernetes_version
        if self.azure.cmk.enabled:
            args["disk_encryption_key"] = self.keys.customer_managed_key(self.azure.cmk.disk_key)
            args["secrets_encryption_key"] = self.keys.customer_managed_key(self.azure.cmk.etcd_key)
        return AksCluster(f"{name}-aks", args, opts=child_options(self))

    def _gpu_pool(self, name: str, pool_name: str) -> AksGpuNodePool:
        pool, aks, network = self.azure.gpu_pools[pool_name], self.aks, self.network
        assert aks is not None and network is not None and self.azure.aks is not None
        args: AksGpuNodePoolArgs = {
            "pool_name": pool_name,
            "cluster_name": aks.cluster_name,
            "resource_group_name": self.group_name,
            "vm_size": pool.vm_size,
            "min_nodes": pool.min_nodes,
            "max_nodes": pool.max_nodes,
            "subnet_id": network.subnet_ids["gpu"],
            "purpose": pool.purpose,
            "spot": pool.spot,
            "eviction_policy": pool.eviction_policy,
            "driver": pool.driver,
            "encryption_at_host": pool.encryption_at_host,
            "os_disk_size_gb": pool.os_disk_size_gb,
            "max_surge": pool.max_surge,
            "drain_timeout_minutes": pool.drain_timeout_minutes,
            "zones": list(pool.zones),
            "node_labels": dict(pool.labels),
            "tags": self.tags,
        }
        if pool.expected_utilization_percent is not None:
            args["expected_utilization_percent"] = pool.expected_utilization_percent
        if pool.spot_max_price is not None:
            args["spot_max_price"] = pool.spot_max_price
        if pool.mig_profile is not None:
            args["mig_profile"] = pool.mig_profile
        if pool.team is not None:
            args["team"] = pool.team
        if self.azure.aks.kubernetes_version:
            args["kubernetes_version"] = self.azure.aks.kubernetes_version
        if self.monitoring is not None and self.azure.monitoring is not None:
            args["alert_routing"] = self.monitoring.alert_routing()
            args["alerts"] = {"at_max_minutes": self.azure.monitoring.pool_at_max_minutes}
            if self.azure.monitoring.gpu_idle_hours:
                args["alerts"]["idle_hours"] = self.azure.monitoring.gpu_idle_hours
        return AksGpuNodePool(f"{name}-gpu-{pool_name}", args, opts=child_options(self, depends_on=[aks]))

    def _kubeconfig(self) -> pulumi.Output[str]:
        aks = self.azure.aks
        assert aks is not None and self.aks is not None
        return aks_kubeconfig(self.group_name, self.aks.cluster_name, login=aks.kubelogin)

    def _kubernetes(self, name: str) -> kubernetes.Provider:
        assert self.kubeconfig is not None
        return cluster_provider(f"{name}-k8s", self.kubeconfig, parent=self)

    def _on_cluster(self) -> pulumi.ResourceOptions:
        assert self.k8s_provider is not None
        return child_options(self, providers=[self.k8s_provider])

    def _gpu_stack(self, name: str, config: StackConfig) -> GpuStack:
        # Config refuses pools that mix driver modes: the first pool's is the cluster's.
        driver = next(iter(self.azure.gpu_pools.values())).driver
        return GpuStack(
            f"{name}-gpu-stack",
            {
                "cloud": "azure",
                "driver": driver,
                "labels": config.resource_labels(),
            },
            # The operator's daemonsets go where the GPU pools are.
            opts=pulumi.ResourceOptions.merge(
                self._on_cluster(), pulumi.ResourceOptions(depends_on=list(self.gpu_pools.values()))
            ),
        )

    def _team(self, name: str, team_name: str, config: StackConfig) -> TeamNamespace:
        team, aks = self.azure.teams[team_name], self.aks
        assert aks is not None and self.azure.aks is not None
        return TeamNamespace(
            f"{name}-team-{team_name}",
            {
                "namespace": team_name,
                "quota": {"gpus": team.gpu_quota, "cpu": team.cpu_quota, "memory": team.memory_quota},
                "pod_security": team.pod_security,
                "gateway_namespaces": list(team.gateway_namespaces),
                "egress_cidrs": [str(cidr) for cidr in team.egress_cidrs],
                "https_egress": team.https_egress,
                "azure_identity": {
                    "resource_group_name": self.group_name,
                    "location": self.azure.location,
                    "oidc_issuer_url": aks.oidc_issuer_url,
                    "identity_name": f"id-{self.azure.aks.name}-{team_name}",
                },
                "azure_access": {
                    "group_object_id": team.group_object_id,
                    "cluster_id": aks.cluster_id,
                    "subscription_id": self.azure.subscription_id,
                },
                "labels": config.resource_labels(),
                "tags": self.tags,
            },
            opts=self._on_cluster(),
        )

    def _keda(self, name: str) -> Keda:
        """KEDA's operator reads the cluster's managed Prometheus as its own identity."""
        aks, monitoring = self.aks, self.monitoring
        assert aks is not None and monitoring is not None and self.azure.aks is not None
        return Keda(
            f"{name}-keda",
            {
                "azure": {
                    "resource_group_name": self.group_name,
                    "location": self.azure.location,
                    "subscription_id": self.azure.subscription_id,
                    "oidc_issuer_url": aks.oidc_issuer_url,
                    "monitor_workspace_id": monitoring.monitor_workspace_id,
                    "prometheus_query_endpoint": monitoring.prometheus_query_endpoint,
                    "identity_name": f"id-{self.azure.aks.name}-keda",
                },
                "tags": self.tags,
            },
            opts=child_options(self, depends_on=[aks]),
        )

    def _workload(self, name: str, team_name: str, workload_name: str, config: StackConfig) -> InferenceWorkload:
        assert self.keda is not None
        return team_workload(
            f"{name}-workload-{team_name}-{workload_name}",
            self.azure.teams[team_name].workloads[workload_name],
            workload_name=workload_name,
            team_name=team_name,
            team=self.teams[team_name],
            cloud="azure",
            keda=self.keda,
            labels=config.resource_labels(),
            opts=pulumi.ResourceOptions.merge(
                self._on_cluster(), pulumi.ResourceOptions(depends_on=list(self.gpu_pools.values()))
            ),
        )

    def _ml_workspace(self, name: str) -> MlWorkspace:
        ml, monitoring = self.azure.ml, self.monitoring
        assert ml is not None and monitoring is not None
        args: MlWorkspaceArgs = {
            "workspace_name": ml.workspace_name,
            "resource_group_name": self.group_name,
            "location": self.azure.location,
            "subscription_id": self.azure.subscription_id,
            "tenant_id": self.azure.tenant_id,
            "storage_account_name": ml.storage_account_name,
            "container_registry_name": ml.container_registry_name,
            "key_vault_name": ml.key_vault_name,
            "log_analytics_workspace_id": monitoring.log_analytics_workspace_id,
            "isolation_mode": ml.isolation_mode,
            "high_business_impact": ml.high_business_impact,
            "storage_sku": "Standard_ZRS" if self.protect else "Standard_LRS",
            "tags": self.tags,
            "protect": self.protect,
            **self._lock(),
            **self._diagnostics(),
        }
        if self.network is not None:
            args["private_endpoint"] = self.network.private_endpoint()
        if self.azure.cmk.enabled:
            args["customer_managed_key"] = self.keys.customer_managed_key(self.azure.cmk.data_key)
        if any(endpoint.monitors() for endpoint in ml.endpoints.values()):
            args["model_monitoring"] = True
        workspace = MlWorkspace(f"{name}-ml", args, opts=child_options(self))
        if self.aks is not None:
            role_assignment(
                f"{name}-aks-acr-pull",
                subscription_id=self.azure.subscription_id,
                role=AzureRole.acr_pull,
                principal_id=self.aks.kubelet_object_id,
                scope=workspace.registry_id,
                description="cluster nodes pull images from the workspace registry",
                parent=self,
            )
        return workspace

    def _endpoint(self, name: str, endpoint_name: str, spec: OnlineEndpointConfig) -> OnlineEndpoint:
        assert self.ml is not None
        args: OnlineEndpointArgs = {
            "endpoint_name": endpoint_name,
            "workspace_name": self.ml.workspace_name,
            "resource_group_name": self.group_name,
            "location": self.azure.location,
            "subscription_id": self.azure.subscription_id,
            "auth_mode": spec.auth_mode,
            "public_network_access": spec.public_network_access,
            "deployments": {
                deployment_name: _deployment(deployment, spec.monitors().get(deployment_name))
                for deployment_name, deployment in spec.deployments.items()
            },
            "traffic": dict(spec.traffic),
            "mirror_traffic": dict(spec.mirror_traffic),
            "slo": {
                "latency_p95_ms": spec.slo.latency_p95_ms,
                "latency_p99_ms": spec.slo.latency_p99_ms,
                "error_rate_percent": spec.slo.error_rate_percent,
            },
            "tags": self.tags,
            **self._diagnostics(),
        }
        if self.monitoring is not None and self.azure.monitoring is not None:
            args["alert_routing"] = self.monitoring.alert_routing()
            args["alerts"] = {"utilization_percent": self.azure.monitoring.utilization_percent}
        return OnlineEndpoint(f"{name}-endpoint-{endpoint_name}", args, opts=child_options(self, depends_on=[self.ml]))

    def _model_monitor(self, name: str, endpoint_name: str, spec: OnlineEndpointConfig) -> AzureModelMonitor:
        """Each monitored deployment's monitor schedule, alerted through the stack's routing; retraining."""
        ml, endpoint, routing = self.ml, self.endpoints[endpoint_name], self.azure.monitoring
        assert ml is not None and self.azure.ml is not None and routing is not None and ml.jobs_identity_id is not None
        monitors = spec.monitors()
        first = next(iter(monitors.values()))
        args: AzureModelMonitorArgs = {
            "endpoint_name": endpoint_name,
            "workspace_name": ml.workspace_name,
            "compute_identity_id": ml.jobs_identity_id,
            "resource_group_name": self.group_name,
            "location": self.azure.location,
            "subscription_id": self.azure.subscription_id,
            "deployments": {
                deployment: {
                    "deployment_id": endpoint.deployments[deployment].id,
                    "model_id": self._model_id(endpoint, deployment, spec.deployments[deployment]),
                    "collected_data": {
                        "model_inputs": endpoint.collected_data[deployment]["model_inputs"],
                        "model_outputs": endpoint.collected_data[deployment]["model_outputs"],
                    },
                    "monitor": monitor_args(block),
                }
                for deployment, block in monitors.items()
            },
            "alert_emails": list(routing.alerts.emails),
            "spark_instance_type": first.spark_instance_type,
            "tags": self.tags,
        }
        if self.monitoring is not None and ml.events_topic_name is not None:
            args["alert_routing"] = self.monitoring.alert_routing()
            args["events_topic_name"] = ml.events_topic_name
        if spec.monitoring is not None and spec.monitoring.retraining is not None:
            args["retraining"] = retraining_args(spec.monitoring.retraining)
        return AzureModelMonitor(
            f"{name}-monitor-{endpoint_name}", args, opts=child_options(self, depends_on=[ml, endpoint])
        )

    def _model_id(self, endpoint: OnlineEndpoint, deployment: str, spec: OnlineDeploymentConfig) -> pulumi.Input[str]:
        """The ARM id of the model version a deployment serves."""
        if deployment in endpoint.model_versions:
            return endpoint.model_versions[deployment].id
        assert self.azure.ml is not None and isinstance(spec.model, str)
        return model_asset_id(
            self.azure.subscription_id, self.azure.resource_group, self.azure.ml.workspace_name, spec.model
        )

    def _budget(self, name: str) -> AzureBudget:
        budget = self.azure.budget
        assert budget is not None
        scope = (
            self.resource_group.id
            if self.azure.budget_scope == "resource_group"
            else pulumi.Output.from_input(f"/subscriptions/{self.azure.subscription_id}")
        )
        args: AzureBudgetArgs = {
            "budget_name": f"{self.azure.resource_group}-monthly",
            "scope": scope,
            "amount": budget.amount,
            "start_date": budget.start_date,
            "actual_thresholds": list(budget.actual_thresholds),
            "forecast_thresholds": list(budget.forecast_thresholds),
            "contact_emails": list(budget.contact_emails),
        }
        if budget.end_date:
            args["end_date"] = budget.end_date
        if self.monitoring is not None:
            args["alert_routing"] = self.monitoring.alert_routing()
        if budget.tag_filter:
            args["tag_filter"] = dict(budget.tag_filter)
        return AzureBudget(f"{name}-budget", args, opts=child_options(self))

    def _cost(self, name: str) -> AzureCostManagement:
        cost, budget = self.azure.cost, self.azure.budget
        assert cost is not None
        args: AzureCostManagementArgs = {
            "subscription_id": self.azure.subscription_id,
            "display_name": self.azure.resource_group,
            "tag_inheritance": cost.tag_inheritance,
        }
        if cost.anomaly_alert and budget is not None:
            # Cost Management needs an end to the alert: the budget's, else ten years after its start.
            start = datetime.date.fromisoformat(budget.start_date)
            args["anomaly_alert"] = {
                "emails": list(budget.contact_emails),
                "start_date": budget.start_date,
                "end_date": budget.end_date or start.replace(year=start.year + 10).isoformat(),
            }
        if self.monitoring is not None:
            args["alert_routing"] = self.monitoring.alert_routing()
        return AzureCostManagement(f"{name}-cost", args, opts=child_options(self))

    def _audit(self, name: str) -> AzureAuditTrail:
        audit, monitoring = self.azure.audit, self.monitoring
        assert audit is not None and monitoring is not None
        args: AzureAuditTrailArgs = {
            "storage_account_name": audit.storage_account_name,
            "resource_group_name": self.group_name,
            "resource_group_id": self.resource_group.id,
            "location": self.azure.location,
            "subscription_id": self.azure.subscription_id,
            "diagnostics": monitoring.diagnostics(),
            "categories": list(audit.categories),
            "worm_retention_days": audit.worm_retention_days,
            "storage_sku": "Standard_ZRS" if self.protect else "Standard_LRS",
            "alert_routing": monitoring.alert_routing(),
            "tags": self.tags,
            "protect": self.protect,
        }
        if audit.locked:
            args["lock"] = {"level": LockLevel.CanNotDelete}
        if audit.delivery_writer_principal_id is not None:
            args["delivery_writer_principal_id"] = audit.delivery_writer_principal_id
        if self.network is not None:
            args["private_endpoint"] = self.network.private_endpoint()
        if self.azure.cmk.enabled:
            args["customer_managed_key"] = self.keys.customer_managed_key(self.azure.cmk.audit_key)
        return AzureAuditTrail(f"{name}-audit", args, opts=child_options(self))

    def _outputs(self) -> None:
        """What a team's stack builds on: typed outputs, registered once."""
        self.resource_group_name = self.group_name
        self.location = pulumi.Output.from_input(self.azure.location)
        self.subscription_id = pulumi.Output.from_input(self.azure.subscription_id)
        self.gpu_pool_names = sorted(self.gpu_pools)
        scaler = self.keda.prometheus_scaler() if self.keda else None
        self.keda_server_address = pulumi.Output.from_input(scaler["server_address"]) if scaler else None
        self.keda_identity_id = (
            pulumi.Output.from_input(scaler["identity_id"]) if scaler and "identity_id" in scaler else None
        )
        self.key_vault_id, self.key_vault_uri = self.keys.vault_id, self.keys.vault_uri
        self.key_ids, self.key_uris = self.keys.key_ids, self.keys.key_uris
        self.vnet_id = self.network.vnet_id if self.network else None
        self.subnet_ids = dict(self.network.subnet_ids) if self.network else {}
        self.cluster_id = self.aks.cluster_id if self.aks else None
        self.cluster_name = self.aks.cluster_name if self.aks else None
        self.oidc_issuer_url = self.aks.oidc_issuer_url if self.aks else None
        self.log_analytics_workspace_id = self.monitoring.log_analytics_workspace_id if self.monitoring else None
        self.monitor_workspace_id = self.monitoring.monitor_workspace_id if self.monitoring else None
        self.action_group_id = self.monitoring.action_group_id if self.monitoring else None
        self.ml_workspace_name = self.ml.workspace_name if self.ml else None
        self.endpoint_ids = {name: endpoint.endpoint_id for name, endpoint in self.endpoints.items()}
        self.audit_delivery_url = self.audit.delivery_container_url if self.audit else None
        outputs = {
            "resourceGroupName": self.resource_group_name,
            "location": self.location,
            "subscriptionId": self.subscription_id,
            "gpuPoolNames": self.gpu_pool_names,
            "kedaServerAddress": self.keda_server_address,
            "kedaIdentityId": self.keda_identity_id,
            "keyVaultId": self.key_vault_id,
            "keyVaultUri": self.key_vault_uri,
            "keyIds": self.key_ids,
            "keyUris": self.key_uris,
            "vnetId": self.vnet_id,
            "subnetIds": self.subnet_ids,
            "clusterId": self.cluster_id,
            "clusterName": self.cluster_name,
            "oidcIssuerUrl": self.oidc_issuer_url,
            "kubeconfig": self.kubeconfig,
            "logAnalyticsWorkspaceId": self.log_analytics_workspace_id,
            "monitorWorkspaceId": self.monitor_workspace_id,
            "actionGroupId": self.action_group_id,
            "mlWorkspaceName": self.ml_workspace_name,
            "endpointIds": self.endpoint_ids,
            "auditDeliveryUrl": self.audit_delivery_url,
        }
        self.register_outputs({key: value for key, value in outputs.items() if value is not None})


def _workloads(teams: Mapping[str, AzureTeamConfig]) -> list[tuple[str, str]]:
    return [(team, workload) for team, spec in teams.items() for workload in spec.workloads]


def _key(key: AzureKeyConfig) -> KeySpecArgs:
    args: KeySpecArgs = {
        "key_type": key.key_type.value,
        "rotate_after_days": key.rotate_after_days,
        "expire_after_days": key.expire_after_days,
        "notify_before_expiry_days": key.notify_before_expiry_days,
    }
    if key.key_size:
        args["key_size"] = key.key_size
    if key.curve:
        args["curve"] = key.curve
    return args


def _probe(probe: ProbeConfig) -> ProbeArgs:
    return {
        "initial_delay": probe.initial_delay,
        "period": probe.period,
        "timeout": probe.timeout,
        "failure_threshold": probe.failure_threshold,
        "success_threshold": probe.success_threshold,
    }


def _deployment(deployment: OnlineDeploymentConfig, monitor: AzureModelMonitoringConfig | None) -> OnlineDeploymentArgs:
    """A deployment of the stack config as the endpoint takes it: a model in Azure ML, or a registry version; a
    monitored one collects its inputs and outputs at the monitor's sampling rate."""
    args: OnlineDeploymentArgs = {
        "instance_type": deployment.instance_type,
        "min_instances": deployment.min_instances,
        "max_instances": deployment.max_instances,
        "target_utilization_percentage": deployment.target_utilization_percentage,
        "request_timeout_ms": deployment.request_timeout_ms,
        "max_concurrent_requests_per_instance": deployment.max_concurrent_requests_per_instance,
        "max_queue_wait_ms": deployment.max_queue_wait_ms,
        "liveness_probe": _probe(deployment.liveness_probe),
        "readiness_probe": _probe(deployment.readiness_probe),
    }
    if isinstance(deployment.model, str):
        args["model"] = deployment.model
    else:
        args["registered_model"] = {
            "name": deployment.model.name,
            "version": deployment.model.version,
            "artifact_uri": deployment.model.artifact_uri,
            "registry": deployment.model.registry,
        }
    if deployment.environment:
        args["environment"] = deployment.environment
    if deployment.expected_requests_per_second is not None:
        args["expected_requests_per_second"] = deployment.expected_requests_per_second
    off_peak = deployment.off_peak
    if off_peak is not None:
        args["off_peak"] = OffPeakScalingArgs(
            days=list(off_peak.days),
            start_hour=off_peak.start_hour,
            end_hour=off_peak.end_hour,
            time_zone=off_peak.time_zone,
            min_instances=off_peak.min_instances,
            max_instances=off_peak.max_instances,
        )
    if monitor is not None:
        args["data_collection"] = DataCollectionArgs(
            sampling_rate=monitor.sampling_rate, rolling_rate=monitor.rolling_rate
        )
    return args

"""Private AKS cluster for GPU workloads.

Entra ID with Azure RBAC and no local accounts; workload identity and OIDC issuer; Azure CNI overlay with the Cilium
dataplane and network policy; a system pool tainted ``CriticalAddonsOnly``; OS disks encrypted through a disk
encryption set and Kubernetes secrets through Key Vault KMS when keys are given; upgrade channels with a weekly
maintenance window; Container Insights to Log Analytics and managed Prometheus to an Azure Monitor workspace.
GPU pools are separate ``AksGpuNodePool`` components.
"""

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Network
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import compute, containerservice, managedidentity, monitor
from pulumi_azure_native.containerservice.outputs import UserAssignedIdentityManagedClusterResponse

from aiscale.components.common.azure_diagnostics import AzureDiagnosticsArgs, check_diagnostics, diagnostic_setting
from aiscale.components.common.azure_roles import AzureRole, role_assignment
from aiscale.components.common.control_plane import CONTROL_PLANE_DEFAULTS, ControlPlaneAccessArgs, check_control_plane
from aiscale.components.common.customer_managed_key import AzureCustomerManagedKeyArgs, key_role_assignment
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.maintenance import MaintenanceWindowArgs, check_maintenance_window
from aiscale.components.common.options import after, child_options
from aiscale.components.common.protection import ResourceLockArgs, check_lock, resource_lock
from aiscale.components.common.tags import Tags, azure_tags
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core import rules
from aiscale.core.config.azure import AksConfig, AksSystemPoolConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("AksCluster")
PREVIOUS_TYPE = "aiscale:azure:AksCluster"
CRITICAL_ADDONS_ONLY = "CriticalAddonsOnly=true:NoSchedule"
NETWORK_POLICIES = ("cilium", "azure", "calico")


class AksSystemPoolArgs(TypedDict):
    """The system node pool: cluster add-ons only (tainted ``CriticalAddonsOnly``)."""

    vm_size: str
    """VM size of the nodes."""
    min_nodes: int
    """Lowest node count, at least 1."""
    max_nodes: int
    """Highest node count the autoscaler may reach."""
    os_disk_type: NotRequired[str]
    """``Managed`` or ``Ephemeral``."""
    encryption_at_host: NotRequired[bool]
    """Encrypt temp and cache disks at the host (needs the subscription feature)."""


SYSTEM_POOL_DEFAULTS = declare(
    AksSystemPoolArgs,
    os_disk_type=stack_default(AksSystemPoolConfig, "os_disk_type"),
    encryption_at_host=True,
)
"""Defaults of the optional args of ``AksSystemPoolArgs``."""


class PrometheusArgs(TypedDict):
    """Where managed Prometheus stores the cluster's metrics."""

    monitor_workspace_id: pulumi.Input[str]
    """Azure Monitor workspace that stores the cluster's Prometheus metrics."""


class AksClusterArgs(TypedDict):
    """Arguments of :class:`AksCluster`."""

    cluster_name: str
    """Name of the cluster; the node resource group and identity names are derived from it."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the component's resources."""
    location: pulumi.Input[str]
    """Azure region of the resources (``westeurope``)."""
    subscription_id: pulumi.Input[str]
    """Subscription of the role assignments (built-in role definition ids are per subscription)."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant."""
    admin_group_object_ids: Sequence[str]
    """Entra ID groups that administer the cluster (Azure RBAC for Kubernetes)."""
    vnet_id: pulumi.Input[str]
    """The cluster identity gets Network Contributor on it (node subnets, load balancers)."""
    system_subnet_id: pulumi.Input[str]
    """Subnet of the system pool."""
    system_pool: AksSystemPoolArgs
    """The system node pool."""
    log_analytics_workspace_id: pulumi.Input[str]
    """Container Insights (and Defender) send their data here."""
    kubernetes_version: NotRequired[str]
    """Kubernetes version (``1.33``); unset: the region's default."""
    tier: NotRequired[str]
    """``Free``, ``Standard`` (uptime SLA) or ``Premium``."""
    control_plane: NotRequired[ControlPlaneAccessArgs]
    """Who reaches the API server (default: private only)."""
    private_dns_zone_id: NotRequired[pulumi.Input[str]]
    """Custom ``privatelink.<region>.azmk8s.io`` zone of a private API server; AKS-managed (``system``) when unset."""
    api_server_subnet_id: NotRequired[pulumi.Input[str]]
    """Delegated subnet for API server VNet integration."""
    network_policy: NotRequired[str]
    """``cilium``, ``azure`` or ``calico``."""
    pod_cidr: NotRequired[str]
    """Overlay pod range."""
    service_cidr: NotRequired[str]
    """Service range; the cluster DNS is its tenth address."""
    upgrade_channel: NotRequired[str]
    """``patch`` (default), ``stable``, ``rapid`` or ``node-image``."""
    node_os_upgrade_channel: NotRequired[str]
    """``NodeImage``, ``SecurityPatch`` or ``Unmanaged``."""
    maintenance_window: NotRequired[MaintenanceWindowArgs]
    """Weekly window (UTC) for Kubernetes and node upgrades."""
    disk_encryption_key: NotRequired[AzureCustomerManagedKeyArgs]
    """Encrypt OS and data disks through a disk encryption set with this key."""
    secrets_encryption_key: NotRequired[AzureCustomerManagedKeyArgs]
    """Encrypt Kubernetes secrets with this key (KMS, private key vault access)."""
    prometheus: NotRequired[PrometheusArgs]
    """Managed Prometheus: send the cluster's metrics to this Azure Monitor workspace."""
    defender: NotRequired[bool]
    """Microsoft Defender for Containers runtime protection (default False)."""
    azure_policy: NotRequired[bool]
    """The Azure Policy add-on."""
    cost_analysis: NotRequired[bool]
    """AKS cost analysis: Cost Management splits the cluster's cost by namespace (needs tier ``Standard`` or
    ``Premium``)."""
    keda: NotRequired[bool]
    """The KEDA add-on (``workload_auto_scaler_profile``): event-driven autoscaling of workloads."""
    diagnostics: NotRequired[AzureDiagnosticsArgs]
    """Send control plane logs (``audit`` by default) to Log Analytics."""
    tags: NotRequired[Tags]
    """Azure tags of the cluster, its identity and disk encryption set."""
    protect: NotRequired[bool]
    """Pulumi refuses to delete the cluster and its disk encryption set."""
    lock: NotRequired[ResourceLockArgs]
    """An Azure management lock on the cluster (``CanNotDelete``: ``ReadOnly`` would block scaling)."""


DEFAULTS = declare(
    AksClusterArgs,
    network_policy=stack_default(AksConfig, "network_policy"),
    pod_cidr=stack_default(AksConfig, "pod_cidr"),
    service_cidr=stack_default(AksConfig, "service_cidr"),
    node_os_upgrade_channel=stack_default(AksConfig, "node_os_upgrade_channel"),
    azure_policy=stack_default(AksConfig, "azure_policy_addon"),
    # Environment presets in the stack file (Free and off in dev): a cluster on its own is Standard, cost analysis off.
    tier="Standard",
    cost_analysis=False,
    # The blueprint turns it on for clusters that run teams' workloads.
    keda=False,
)
"""Defaults of the optional args of ``AksClusterArgs``."""


def _validate(args: AksClusterArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    check_control_plane(COMPONENT, args.get("control_plane", {}), ranges_need_public=True)
    if "private_dns_zone_id" in args and not args.get("control_plane", {}).get(
        "private", CONTROL_PLANE_DEFAULTS["private"]
    ):
        fail("private_dns_zone_id", "applies to a private API server only")
    if not args["admin_group_object_ids"]:
        fail("admin_group_object_ids", "at least one Entra ID group must administer the cluster")
    pool = args["system_pool"]
    if not 1 <= pool["min_nodes"] <= pool["max_nodes"]:
        fail("system_pool", f"need 1 <= min_nodes ({pool['min_nodes']}) <= max_nodes ({pool['max_nodes']})")
    policy = args.get("network_policy", DEFAULTS["network_policy"])
    if policy not in NETWORK_POLICIES:
        fail("network_policy", f"{policy!r} is not one of {', '.join(NETWORK_POLICIES)}")
    problem = rules.cost_analysis_problem(
        args.get("cost_analysis", DEFAULTS["cost_analysis"]), args.get("tier", DEFAULTS["tier"])
    )
    if problem:
        fail("cost_analysis", problem)
    check_maintenance_window(COMPONENT, args.get("maintenance_window"))
    check_diagnostics(COMPONENT, args.get("diagnostics"))
    check_lock(COMPONENT, args.get("lock"))
    azure_tags(COMPONENT, args.get("tags"))


class AksCluster(pulumi.ComponentResource):
    """A private AKS cluster for GPU workloads: Entra ID only, workload identity, CNI overlay with Cilium, CMK.

    Children: ``<name>-identity`` and its role assignments, ``<name>-des``, ``<name>-cluster``, maintenance
    configurations, managed Prometheus collection, diagnostics.
    """

    identity: managedidentity.UserAssignedIdentity
    cluster: containerservice.ManagedCluster
    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    """Issuer of the cluster's service account tokens (workload identity federation)."""
    kubelet_object_id: pulumi.Output[str]
    """Object id of the kubelet identity (image pulls)."""
    # An id, not the resource: a class annotation of its type would import pulumi_azure_native.compute everywhere.
    disk_encryption_set_id: pulumi.Output[str] | None
    """Id of the disk encryption set of the node disks (with ``disk_encryption_key``)."""

    def __init__(self, name: str, args: AksClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        # A user-assigned control-plane identity, so its permissions exist before the cluster does.
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=f"{args['cluster_name']}-identity",
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            tags=args.get("tags"),
            opts=child_options(self),
        )
        prerequisites = self._identity_roles(name, args)
        # Annotated here, not on the class: class annotations are evaluated, which would import all of
        # pulumi_azure_native.compute for clusters that have no disk encryption set.
        self.disk_encryption_set: compute.DiskEncryptionSet | None = None
        if "disk_encryption_key" in args:
            self.disk_encryption_set, key_user = self._disk_encryption_set(name, args, args["disk_encryption_key"])
            prerequisites.append(key_user)
        self.disk_encryption_set_id = self.disk_encryption_set.id if self.disk_encryption_set else None
        self.cluster = self._cluster(name, args, prerequisites)
        if "maintenance_window" in args:
            self._maintenance(name, args, args["maintenance_window"])
        if "prometheus" in args:
            self._prometheus(name, args, args["prometheus"])
        if "diagnostics" in args:
            diagnostic_setting(name, self.cluster.id, args["diagnostics"], self, default_category_groups=["audit"])
        if "lock" in args:
            resource_lock(f"{name}-cluster", scope=self.cluster.id, args=args["lock"], parent=self)

        self.kubelet_object_id = self.cluster.identity_profile.apply(_kubelet_object_id)
        self.cluster_id = self.cluster.id
        # The configured name, known in a preview, carrying the dependency on the cluster.
        self.cluster_name = after(self.cluster, args["cluster_name"])
        self.oidc_issuer_url = self.cluster.oidc_issuer_profile.apply(lambda p: (p.issuer_url if p else None) or "")
        self.register_outputs(
            {
                "clusterId": self.cluster_id,
                "clusterName": self.cluster_name,
                "oidcIssuerUrl": self.oidc_issuer_url,
                "kubeletObjectId": self.kubelet_object_id,
            }
        )

    def _identity_roles(self, name: str, args: AksClusterArgs) -> list[pulumi.Resource]:
        """What the control-plane identity needs before the cluster exists: the VNet, the DNS zone, the KMS key."""
        subscription, principal = args["subscription_id"], self.identity.principal_id
        roles: list[pulumi.Resource] = [
            role_assignment(
                f"{name}-network-contributor",
                subscription_id=subscription,
                role=AzureRole.network_contributor,
                principal_id=principal,
                scope=args["vnet_id"],
                description="AKS manages node subnets and load balancers",
                parent=self,
            )
        ]
        if "private_dns_zone_id" in args:
            roles.append(
                role_assignment(
                    f"{name}-dns-contributor",
                    subscription_id=subscription,
                    role=AzureRole.private_dns_zone_contributor,
                    principal_id=principal,
                    scope=args["private_dns_zone_id"],
                    description="AKS writes the private API server record",
                    parent=self,
                )
            )
        key = args.get("secrets_encryption_key")
        if key is not None:
            roles += [
                key_role_assignment(
                    f"{name}-kms-crypto-user",
                    key=key,
                    role=AzureRole.key_vault_crypto_user,
                    principal_id=principal,
                    subscription_id=subscription,
                    description="AKS KMS encrypts Kubernetes secrets",
                    parent=self,
                ),
                # Private key vault access: AKS creates a private link to the vault for KMS.
                role_assignment(
                    f"{name}-kms-vault-contributor",
                    subscription_id=subscription,
                    role=AzureRole.key_vault_contributor,
                    principal_id=principal,
                    scope=key["key_vault_id"],
                    description="AKS KMS reaches the vault privately",
                    parent=self,
                ),
            ]
        return roles

    def _disk_encryption_set(
        self, name: str, args: AksClusterArgs, key: AzureCustomerManagedKeyArgs
    ) -> "tuple[compute.DiskEncryptionSet, pulumi.Resource]":  # quoted: evaluating it imports all of compute
        """``<name>-des`` with the disk key, and its identity's wrap/unwrap role on the key."""
        encryption_set = compute.DiskEncryptionSet(
            f"{name}-des",
            disk_encryption_set_name=f"{args['cluster_name']}-des",
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            identity=compute.EncryptionSetIdentityArgs(type="SystemAssigned"),
            encryption_type="EncryptionAtRestWithCustomerKey",
            active_key=compute.KeyForDiskEncryptionSetArgs(
                key_url=key["key_versioned_uri"], source_vault=compute.SourceVaultArgs(id=key["key_vault_id"])
            ),
            rotation_to_latest_key_version_enabled=True,
            tags=args.get("tags"),
            opts=child_options(self, protect=args.get("protect", False)),
        )
        key_user = key_role_assignment(
            f"{name}-des-key-user",
            key=key,
            principal_id=encryption_set.identity.apply(lambda i: i.principal_id if i else ""),
            subscription_id=args["subscription_id"],
            description="the disk encryption set wraps disk keys",
            parent=self,
        )
        return encryption_set, key_user

    def _cluster(
        self, name: str, args: AksClusterArgs, prerequisites: list[pulumi.Resource]
    ) -> containerservice.ManagedCluster:
        """``<name>-cluster``: Entra ID and Azure RBAC, no local accounts, CNI overlay, the system pool."""
        secrets_key = args.get("secrets_encryption_key")
        service_cidr = args.get("service_cidr", DEFAULTS["service_cidr"])
        network_policy = args.get("network_policy", DEFAULTS["network_policy"])
        return containerservice.ManagedCluster(
            f"{name}-cluster",
            resource_name_=args["cluster_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            dns_prefix=args["cluster_name"],
            kubernetes_version=args.get("kubernetes_version"),
            node_resource_group=f"{args['cluster_name']}-nodes",
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier=args.get("tier", DEFAULTS["tier"])),
            identity=containerservice.ManagedClusterIdentityArgs(
                type=containerservice.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=[self.identity.id]
            ),
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True,
                enable_azure_rbac=True,
                tenant_id=args["tenant_id"],
                admin_group_object_ids=list(args["admin_group_object_ids"]),
            ),
            enable_rbac=True,
            disable_local_accounts=True,
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
                azure_key_vault_kms=containerservice.AzureKeyVaultKmsArgs(
                    enabled=True,
                    key_id=secrets_key["key_versioned_uri"],
                    key_vault_network_access="Private",
                    key_vault_resource_id=secrets_key["key_vault_id"],
                )
                if secrets_key is not None
                else None,
                defender=containerservice.ManagedClusterSecurityProfileDefenderArgs(
                    log_analytics_workspace_resource_id=args["log_analytics_workspace_id"],
                    security_monitoring=containerservice.ManagedClusterSecurityProfileDefenderSecurityMonitoringArgs(
                        enabled=True
                    ),
                )
                if args.get("defender", False)
                else None,
            ),
            api_server_access_profile=_api_server_access(args),
            public_network_access="Enabled" if _public(args) else "Disabled",
            network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure",
                network_plugin_mode="overlay",
                network_dataplane="cilium" if network_policy == "cilium" else "azure",
                network_policy=network_policy,
                pod_cidr=args.get("pod_cidr", DEFAULTS["pod_cidr"]),
                service_cidr=service_cidr,
                dns_service_ip=_dns_service_ip(service_cidr),
                outbound_type="loadBalancer",
                load_balancer_sku="standard",
            ),
            agent_pool_profiles=[_system_pool(args)],
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel=args.get("upgrade_channel", "patch"),
                node_os_upgrade_channel=args.get("node_os_upgrade_channel", DEFAULTS["node_os_upgrade_channel"]),
            ),
            disk_encryption_set_id=self.disk_encryption_set.id if self.disk_encryption_set else None,
            addon_profiles={
                "omsagent": containerservice.ManagedClusterAddonProfileArgs(
                    enabled=True,
                    config={
                        "logAnalyticsWorkspaceResourceID": args["log_analytics_workspace_id"],
                        "useAADAuth": "true",
                    },
                ),
                "azurepolicy": containerservice.ManagedClusterAddonProfileArgs(
                    enabled=args.get("azure_policy", DEFAULTS["azure_policy"])
                ),
            },
            metrics_profile=containerservice.ManagedClusterMetricsProfileArgs(
                cost_analysis=containerservice.ManagedClusterCostAnalysisArgs(enabled=True)
            )
            if args.get("cost_analysis", DEFAULTS["cost_analysis"])
            else None,
            azure_monitor_profile=containerservice.ManagedClusterAzureMonitorProfileArgs(
                metrics=containerservice.ManagedClusterAzureMonitorProfileMetricsArgs(enabled=True)
            )
            if "prometheus" in args
            else None,
            workload_auto_scaler_profile=containerservice.ManagedClusterWorkloadAutoScalerProfileArgs(
                keda=containerservice.ManagedClusterWorkloadAutoScalerProfileKedaArgs(enabled=True)
            )
            if args.get("keda", DEFAULTS["keda"])
            else None,
            tags=args.get("tags"),
            opts=child_options(
                self,
                protect=args.get("protect", False),
                depends_on=prerequisites,
                # The autoscaler owns the system pool's node count.
                ignore_changes=["agentPoolProfiles[0].count"],
            ),
        )

    def _maintenance(self, name: str, args: AksClusterArgs, window: MaintenanceWindowArgs) -> None:
        """``<name>-maintenance-kubernetes`` and ``-node-os``: both upgrade schedules in the weekly window."""
        for config_name, suffix in (
            ("aksManagedAutoUpgradeSchedule", "kubernetes"),
            ("aksManagedNodeOSUpgradeSchedule", "node-os"),
        ):
            containerservice.MaintenanceConfiguration(
                f"{name}-maintenance-{suffix}",
                config_name=config_name,
                resource_group_name=args["resource_group_name"],
                resource_name_=after(self.cluster, args["cluster_name"]),
                maintenance_window=containerservice.MaintenanceWindowArgs(
                    duration_hours=window["duration_hours"],
                    start_time=f"{window['start_hour']:02d}:00",
                    utc_offset="+00:00",
                    schedule=containerservice.ScheduleArgs(
                        weekly=containerservice.WeeklyScheduleArgs(day_of_week=window["day_of_week"], interval_weeks=1)
                    ),
                ),
                opts=child_options(self),
            )

    def _prometheus(self, name: str, args: AksClusterArgs, prometheus: PrometheusArgs) -> None:
        """Managed Prometheus: a data collection endpoint and rule sending the cluster's metrics to the workspace."""
        group, location, tags = args["resource_group_name"], args["location"], args.get("tags")
        endpoint = monitor.DataCollectionEndpoint(
            f"{name}-prometheus-dce",
            data_collection_endpoint_name=f"{args['cluster_name']}-prometheus",
            resource_group_name=group,
            location=location,
            kind="Linux",
            tags=tags,
            opts=child_options(self),
        )
        rule = monitor.DataCollectionRule(
            f"{name}-prometheus-dcr",
            data_collection_rule_name=f"{args['cluster_name']}-prometheus",
            resource_group_name=group,
            location=location,
            kind="Linux",
            data_collection_endpoint_id=endpoint.id,
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                prometheus_forwarder=[
                    monitor.PrometheusForwarderDataSourceArgs(
                        name="prometheus", streams=["Microsoft-PrometheusMetrics"]
                    )
                ]
            ),
            destinations=monitor.DataCollectionRuleDestinationsArgs(
                monitoring_accounts=[
                    monitor.MonitoringAccountDestinationArgs(
                        name="monitor-workspace", account_resource_id=prometheus["monitor_workspace_id"]
                    )
                ]
            ),
            # Managed Prometheus's stream is not among the SDK's KnownDataFlowStreams; the input takes text.
            data_flows=[
                monitor.DataFlowArgs(streams=["Microsoft-PrometheusMetrics"], destinations=["monitor-workspace"])
            ],
            tags=tags,
            opts=child_options(self),
        )
        monitor.DataCollectionRuleAssociation(
            f"{name}-prometheus-dcra",
            association_name=f"{args['cluster_name']}-prometheus",
            resource_uri=self.cluster.id,
            data_collection_rule_id=rule.id,
            opts=child_options(self),
        )


def _kubelet_object_id(profile: Mapping[str, UserAssignedIdentityManagedClusterResponse] | None) -> str:
    kubelet = (profile or {}).get("kubeletidentity")
    return (kubelet.object_id if kubelet else None) or ""


def _public(args: AksClusterArgs) -> bool:
    return not args.get("control_plane", {}).get("private", CONTROL_PLANE_DEFAULTS["private"])


def _api_server_access(args: AksClusterArgs) -> containerservice.ManagedClusterAPIServerAccessProfileArgs:
    """Private API server (AKS-managed or custom DNS zone), or a public one for authorized ranges only."""
    private = not _public(args)
    return containerservice.ManagedClusterAPIServerAccessProfileArgs(
        enable_private_cluster=private,
        enable_private_cluster_public_fqdn=False if private else None,
        private_dns_zone=args.get("private_dns_zone_id", "system") if private else None,
        authorized_ip_ranges=list(args.get("control_plane", {}).get("authorized_ranges", [])) or None,
        enable_vnet_integration=True if "api_server_subnet_id" in args else None,
        subnet_id=args.get("api_server_subnet_id"),
        disable_run_command=True,
    )


def _system_pool(args: AksClusterArgs) -> containerservice.ManagedClusterAgentPoolProfileArgs:
    pool = args["system_pool"]
    return containerservice.ManagedClusterAgentPoolProfileArgs(
        name="system",
        mode="System",
        vm_size=pool["vm_size"],
        os_type="Linux",
        os_sku="AzureLinux",
        os_disk_type=pool.get("os_disk_type", SYSTEM_POOL_DEFAULTS["os_disk_type"]),
        enable_auto_scaling=True,
        count=pool["min_nodes"],
        min_count=pool["min_nodes"],
        max_count=pool["max_nodes"],
        vnet_subnet_id=args["system_subnet_id"],
        node_taints=[CRITICAL_ADDONS_ONLY],
        enable_node_public_ip=False,
        enable_encryption_at_host=pool.get("encryption_at_host", SYSTEM_POOL_DEFAULTS["encryption_at_host"]),
        type="VirtualMachineScaleSets",
        upgrade_settings=containerservice.AgentPoolUpgradeSettingsArgs(max_surge="33%"),
    )


def _dns_service_ip(service_cidr: str) -> str:
    """The conventional cluster DNS address: the tenth address of the service range."""
    return str(IPv4Network(service_cidr)[10])

"""Private AKS cluster for GPU workloads.

Entra ID with Azure RBAC and no local accounts; workload identity and OIDC issuer; Azure CNI overlay with the Cilium
dataplane and network policy; a system pool tainted ``CriticalAddonsOnly``; OS disks encrypted through a disk
encryption set and Kubernetes secrets through Key Vault KMS when keys are given; upgrade channels with a weekly
maintenance window; Container Insights to Log Analytics and managed Prometheus to an Azure Monitor workspace.
GPU pools are separate ``GpuNodePool`` components.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Network
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import compute, containerservice, managedidentity, monitor

from aiscale.components.common.azure_diagnostics import DiagnosticsArgs, diagnostic_setting
from aiscale.components.common.azure_roles import AzureRole, role_assignment
from aiscale.components.common.options import after, child_options
from aiscale.core.errors import InvalidArgumentError

COMPONENT = "aiscale:azure:AksCluster"
CRITICAL_ADDONS_ONLY = "CriticalAddonsOnly=true:NoSchedule"


class ApiServerArgs(TypedDict):
    private: NotRequired[bool]
    """Private API server (default True)."""
    authorized_ip_ranges: NotRequired[Sequence[str]]
    """Only with a public API server: the source ranges allowed."""
    private_dns_zone_id: NotRequired[pulumi.Input[str]]
    """Custom ``privatelink.<region>.azmk8s.io`` zone; ``system`` (AKS-managed) when unset."""
    vnet_integration_subnet_id: NotRequired[pulumi.Input[str]]
    """Delegated subnet for API server VNet integration."""


class SystemPoolArgs(TypedDict):
    vm_size: str
    min_nodes: int
    max_nodes: int
    os_disk_type: NotRequired[str]
    encryption_at_host: NotRequired[bool]
    """Encrypt temp and cache disks at the host (default True; needs the subscription feature)."""


class MaintenanceWindowArgs(TypedDict):
    day_of_week: str
    start_hour: int
    duration_hours: int


class CustomerManagedKeyArgs(TypedDict):
    """A Key Vault key used for customer-managed encryption."""

    key_vault_id: pulumi.Input[str]
    key_id: pulumi.Input[str]
    """ARM resource id of the key (role assignment scope)."""
    key_version_url: pulumi.Input[str]
    """Versioned key URL (what disk encryption sets and AKS KMS require)."""


class PrometheusArgs(TypedDict):
    monitor_workspace_id: pulumi.Input[str]
    """Azure Monitor workspace that stores the cluster's Prometheus metrics."""


class AksClusterArgs(TypedDict):
    """Arguments of :class:`AksCluster`."""

    cluster_name: str
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    admin_group_object_ids: Sequence[str]
    vnet_id: pulumi.Input[str]
    """The cluster identity gets Network Contributor on it (node subnets, load balancers)."""
    system_subnet_id: pulumi.Input[str]
    system_pool: SystemPoolArgs
    log_analytics_workspace_id: pulumi.Input[str]
    kubernetes_version: NotRequired[str]
    tier: NotRequired[str]
    """``Free``, ``Standard`` (default: uptime SLA) or ``Premium``."""
    api_server: NotRequired[ApiServerArgs]
    network_policy: NotRequired[str]
    """``cilium`` (default), ``azure`` or ``calico``."""
    pod_cidr: NotRequired[str]
    service_cidr: NotRequired[str]
    upgrade_channel: NotRequired[str]
    node_os_upgrade_channel: NotRequired[str]
    maintenance_window: NotRequired[MaintenanceWindowArgs]
    disk_encryption_key: NotRequired[CustomerManagedKeyArgs]
    """Encrypt OS and data disks through a disk encryption set with this key."""
    etcd_encryption_key: NotRequired[CustomerManagedKeyArgs]
    """Encrypt Kubernetes secrets with this key (KMS, private key vault access)."""
    prometheus: NotRequired[PrometheusArgs]
    defender: NotRequired[bool]
    azure_policy: NotRequired[bool]
    diagnostics: NotRequired[DiagnosticsArgs]
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    protect: NotRequired[bool]


def _validate(args: AksClusterArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    api = args.get("api_server", {})
    private = api.get("private", True)
    ranges = list(api.get("authorized_ip_ranges", []))
    if private and ranges:
        fail("api_server.authorized_ip_ranges", "apply to a public API server only")
    if not private and not ranges:
        fail("api_server.authorized_ip_ranges", "a public API server needs them (it would be open to the internet)")
    if "0.0.0.0/0" in ranges:
        fail("api_server.authorized_ip_ranges", "must not contain 0.0.0.0/0")
    if not args["admin_group_object_ids"]:
        fail("admin_group_object_ids", "at least one Entra ID group must administer the cluster")
    pool = args["system_pool"]
    if not 1 <= pool["min_nodes"] <= pool["max_nodes"]:
        fail("system_pool", f"need 1 <= min_nodes ({pool['min_nodes']}) <= max_nodes ({pool['max_nodes']})")
    policy = args.get("network_policy", "cilium")
    if policy not in ("cilium", "azure", "calico"):
        fail("network_policy", f"{policy!r} is not one of cilium, azure, calico")
    window = args.get("maintenance_window")
    if window and window["duration_hours"] < 4:
        fail("maintenance_window.duration_hours", "AKS needs at least 4 hours")


class AksCluster(pulumi.ComponentResource):
    """``<name>-identity``, role assignments, ``<name>-des``, ``<name>-cluster``, maintenance, monitoring."""

    identity: managedidentity.UserAssignedIdentity
    cluster: containerservice.ManagedCluster
    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    kubelet_object_id: pulumi.Output[str]

    def __init__(self, name: str, args: AksClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        _validate(args)
        group, location, tags = args["resource_group_name"], args["location"], args.get("tags")
        subscription = args["subscription_id"]
        api = args.get("api_server", {})
        private = api.get("private", True)

        # A user-assigned control-plane identity, so its permissions exist before the cluster does.
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=f"{args['cluster_name']}-identity",
            resource_group_name=group,
            location=location,
            tags=tags,
            opts=child_options(self),
        )
        principal = self.identity.principal_id
        prerequisites: list[pulumi.Resource] = [
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
        if "private_dns_zone_id" in api:
            prerequisites.append(
                role_assignment(
                    f"{name}-dns-contributor",
                    subscription_id=subscription,
                    role=AzureRole.private_dns_zone_contributor,
                    principal_id=principal,
                    scope=api["private_dns_zone_id"],
                    description="AKS writes the private API server record",
                    parent=self,
                )
            )

        etcd = args.get("etcd_encryption_key")
        if etcd is not None:
            prerequisites += [
                role_assignment(
                    f"{name}-kms-crypto-user",
                    subscription_id=subscription,
                    role=AzureRole.key_vault_crypto_user,
                    principal_id=principal,
                    scope=etcd["key_id"],
                    description="AKS KMS encrypts Kubernetes secrets",
                    parent=self,
                ),
                # Private key vault access: AKS creates a private link to the vault for KMS.
                role_assignment(
                    f"{name}-kms-vault-contributor",
                    subscription_id=subscription,
                    role=AzureRole.key_vault_contributor,
                    principal_id=principal,
                    scope=etcd["key_vault_id"],
                    description="AKS KMS reaches the vault privately",
                    parent=self,
                ),
            ]

        # Annotated here, not on the class: pulumi evaluates class annotations, which would import all of
        # pulumi_azure_native.compute for clusters that have no disk encryption set.
        self.disk_encryption_set: compute.DiskEncryptionSet | None = None
        disk_key = args.get("disk_encryption_key")
        if disk_key is not None:
            self.disk_encryption_set = compute.DiskEncryptionSet(
                f"{name}-des",
                disk_encryption_set_name=f"{args['cluster_name']}-des",
                resource_group_name=group,
                location=location,
                identity=compute.EncryptionSetIdentityArgs(type="SystemAssigned"),
                encryption_type="EncryptionAtRestWithCustomerKey",
                active_key=compute.KeyForDiskEncryptionSetArgs(
                    key_url=disk_key["key_version_url"],
                    source_vault=compute.SourceVaultArgs(id=disk_key["key_vault_id"]),
                ),
                rotation_to_latest_key_version_enabled=True,
                tags=tags,
                opts=child_options(self, protect=args.get("protect", False)),
            )
            prerequisites.append(
                role_assignment(
                    f"{name}-des-key-user",
                    subscription_id=subscription,
                    role=AzureRole.key_vault_crypto_service_encryption_user,
                    principal_id=self.disk_encryption_set.identity.apply(lambda i: i.principal_id if i else ""),
                    scope=disk_key["key_id"],
                    description="the disk encryption set wraps disk keys",
                    parent=self,
                )
            )

        pool = args["system_pool"]
        self.cluster = containerservice.ManagedCluster(
            f"{name}-cluster",
            resource_name_=args["cluster_name"],
            resource_group_name=group,
            location=location,
            dns_prefix=args["cluster_name"],
            kubernetes_version=args.get("kubernetes_version"),
            node_resource_group=f"{args['cluster_name']}-nodes",
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier=args.get("tier", "Standard")),
            identity=containerservice.ManagedClusterIdentityArgs(
                type="UserAssigned", user_assigned_identities=[self.identity.id]
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
                    key_id=etcd["key_version_url"],
                    key_vault_network_access="Private",
                    key_vault_resource_id=etcd["key_vault_id"],
                )
                if etcd is not None
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
            api_server_access_profile=containerservice.ManagedClusterAPIServerAccessProfileArgs(
                enable_private_cluster=private,
                enable_private_cluster_public_fqdn=False if private else None,
                private_dns_zone=api.get("private_dns_zone_id", "system") if private else None,
                authorized_ip_ranges=list(api.get("authorized_ip_ranges", [])) or None,
                enable_vnet_integration=True if "vnet_integration_subnet_id" in api else None,
                subnet_id=api.get("vnet_integration_subnet_id"),
                disable_run_command=True,
            ),
            public_network_access="Disabled" if private else "Enabled",
            network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure",
                network_plugin_mode="overlay",
                network_dataplane="cilium" if args.get("network_policy", "cilium") == "cilium" else "azure",
                network_policy=args.get("network_policy", "cilium"),
                pod_cidr=args.get("pod_cidr", "10.244.0.0/16"),
                service_cidr=args.get("service_cidr", "172.16.0.0/16"),
                dns_service_ip=_dns_service_ip(args.get("service_cidr", "172.16.0.0/16")),
                outbound_type="loadBalancer",
                load_balancer_sku="standard",
            ),
            agent_pool_profiles=[
                containerservice.ManagedClusterAgentPoolProfileArgs(
                    name="system",
                    mode="System",
                    vm_size=pool["vm_size"],
                    os_type="Linux",
                    os_sku="AzureLinux",
                    os_disk_type=pool.get("os_disk_type", "Managed"),
                    enable_auto_scaling=True,
                    count=pool["min_nodes"],
                    min_count=pool["min_nodes"],
                    max_count=pool["max_nodes"],
                    vnet_subnet_id=args["system_subnet_id"],
                    node_taints=[CRITICAL_ADDONS_ONLY],
                    enable_node_public_ip=False,
                    enable_encryption_at_host=pool.get("encryption_at_host", True),
                    type="VirtualMachineScaleSets",
                    upgrade_settings=containerservice.AgentPoolUpgradeSettingsArgs(max_surge="33%"),
                )
            ],
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel=args.get("upgrade_channel", "patch"),
                node_os_upgrade_channel=args.get("node_os_upgrade_channel", "NodeImage"),
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
                "azurepolicy": containerservice.ManagedClusterAddonProfileArgs(enabled=args.get("azure_policy", True)),
            },
            azure_monitor_profile=containerservice.ManagedClusterAzureMonitorProfileArgs(
                metrics=containerservice.ManagedClusterAzureMonitorProfileMetricsArgs(enabled=True)
            )
            if "prometheus" in args
            else None,
            tags=tags,
            opts=child_options(
                self,
                protect=args.get("protect", False),
                depends_on=prerequisites,
                # The autoscaler owns the system pool's node count.
                ignore_changes=["agentPoolProfiles[0].count"],
            ),
        )

        window = args.get("maintenance_window")
        if window is not None:
            for config_name, suffix in (
                ("aksManagedAutoUpgradeSchedule", "kubernetes"),
                ("aksManagedNodeOSUpgradeSchedule", "node-os"),
            ):
                containerservice.MaintenanceConfiguration(
                    f"{name}-maintenance-{suffix}",
                    config_name=config_name,
                    resource_group_name=group,
                    resource_name_=after(self.cluster, args["cluster_name"]),
                    maintenance_window=containerservice.MaintenanceWindowArgs(
                        duration_hours=window["duration_hours"],
                        start_time=f"{window['start_hour']:02d}:00",
                        utc_offset="+00:00",
                        schedule=containerservice.ScheduleArgs(
                            weekly=containerservice.WeeklyScheduleArgs(
                                day_of_week=window["day_of_week"], interval_weeks=1
                            )
                        ),
                    ),
                    opts=child_options(self),
                )

        self.kubelet_object_id = self.cluster.identity_profile.apply(
            lambda profile: (
                (profile or {}).get("kubeletidentity").object_id if profile and profile.get("kubeletidentity") else ""
            )
        )
        if "prometheus" in args:
            self._prometheus(name, args)
        if "diagnostics" in args:
            diagnostic_setting(name, self.cluster.id, {"log_category_groups": ["audit"], **args["diagnostics"]}, self)

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

    def _prometheus(self, name: str, args: AksClusterArgs) -> None:
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
                        name="monitor-workspace", account_resource_id=args["prometheus"]["monitor_workspace_id"]
                    )
                ]
            ),
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


def _dns_service_ip(service_cidr: str) -> str:
    """The conventional cluster DNS address: the tenth address of the service range."""
    return str(IPv4Network(service_cidr)[10])

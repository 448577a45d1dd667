"""Azure section of the stack configuration (``aiscale:azure``)."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from aiscale.core import gpu, monitoring, rules
from aiscale.core.config.base import AS_SECTION, AS_TEXT, TEXT_OR_SECTION, StrictModel, Uuid, preset
from aiscale.core.config.common import (
    BudgetConfig,
    EndpointSlo,
    GpuPoolScaling,
    MaintenanceWindowConfig,
    MonitoringConfig,
    RequestRate,
    TeamConfig,
    TeamName,
)
from aiscale.core.config.delivery import PromotionConfig, RegisteredModelConfig
from aiscale.core.config.monitoring import (
    AzureModelMonitoringConfig,
    OffPeakScalingConfig,
    TeamWorkloadsConfig,
    mig_pool_problems,
    workload_problem,
)

#: Azure allows at most five notifications on one budget.
AZURE_MAX_BUDGET_NOTIFICATIONS = 5

AzureRegion = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{2,30}$")]
KeyName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9-]{1,127}$")]


class KeyType(StrEnum):
    """Key Vault key types; ``-HSM`` types need the premium vault SKU."""

    RSA = "RSA"
    RSA_HSM = "RSA-HSM"
    EC = "EC"
    EC_HSM = "EC-HSM"


class VaultSku(StrEnum):
    standard = "standard"
    premium = "premium"


class KeyRole(StrEnum):
    """Built-in Key Vault data-plane roles a principal can be given on a key."""

    crypto_service_encryption_user = "crypto_service_encryption_user"
    """Wrap/unwrap only: what disk encryption sets, storage and Azure ML use for customer-managed keys."""
    crypto_user = "crypto_user"
    """Cryptographic operations with the key."""
    crypto_officer = "crypto_officer"
    """Manage the key (rotate, update policy); no secrets or certificates."""


class PrincipalType(StrEnum):
    ServicePrincipal = "ServicePrincipal"
    Group = "Group"
    User = "User"


class AzureKeyConfig(StrictModel):
    """A key in the stack's Key Vault, with its rotation policy."""

    key_type: KeyType = preset(dev=KeyType.RSA, staging=KeyType.RSA, prod=KeyType.RSA_HSM)
    """Key type; prod defaults to HSM-protected keys (CKV_AZURE_112)."""
    key_size: Literal[2048, 3072, 4096] | None = None
    """RSA key size in bits (Key Vault default 2048 when unset); not allowed for EC keys."""
    curve: Literal["P-256", "P-384", "P-521"] | None = None
    """Curve of an EC key; not allowed for RSA keys."""
    rotate_after_days: int = Field(default=90, ge=1, le=rules.MAX_KEY_ROTATION_DAYS)
    """A new key version is created this many days after the current one."""
    expire_after_days: int = Field(default=365, ge=2, le=3650)
    """Each key version expires this many days after it is created."""
    notify_before_expiry_days: int = Field(default=30, ge=1)
    """Event Grid ``Notify`` action this many days before a version expires."""

    @model_validator(mode="after")
    def _consistent(self) -> AzureKeyConfig:
        problem = rules.azure_key_lifetime_problem(
            self.rotate_after_days, self.expire_after_days, self.notify_before_expiry_days
        )
        if problem:
            raise ValueError(problem)
        is_ec = self.key_type in (KeyType.EC, KeyType.EC_HSM)
        if is_ec and self.key_size is not None:
            raise ValueError(f"key_size applies to RSA keys, not {self.key_type}; set curve instead")
        if not is_ec and self.curve is not None:
            raise ValueError(f"curve applies to EC keys, not {self.key_type}; set key_size instead")
        return self


class KeyAccessConfig(StrictModel):
    """A principal that may use keys of the vault (e.g. an identity of a service that encrypts with them)."""

    principal_id: Uuid
    """Object id of the Entra ID principal."""
    principal_type: PrincipalType = PrincipalType.ServicePrincipal
    role: KeyRole = KeyRole.crypto_service_encryption_user
    keys: list[KeyName] = Field(min_length=1)
    """Names of keys in ``key_vault.keys`` the role is granted on (scoped to each key, not the vault)."""


class AzureKeyVaultConfig(StrictModel):
    """The stack's Key Vault: RBAC, purge protection, no public network access by default."""

    name: Annotated[str, StringConstraints(min_length=3, max_length=24)]
    """Globally unique vault name (3-24 characters)."""
    sku: VaultSku = preset(dev=VaultSku.standard, staging=VaultSku.standard, prod=VaultSku.premium)
    """``premium`` is required for HSM-protected keys."""
    soft_delete_retention_days: int = preset(dev=7, staging=30, prod=90, ge=7, le=90)
    """Days a deleted vault or key stays recoverable."""
    purge_protection: bool = True
    """Required for customer-managed keys (disk encryption sets, Azure ML, storage); cannot be turned off later."""
    public_network_access: bool = False
    """Leave off and reach the vault through a private endpoint; on only with ``allowed_ip_ranges``."""
    allowed_ip_ranges: list[IPv4Network] = Field(default_factory=list)
    """Public IP ranges admitted by the vault firewall (only with ``public_network_access``)."""
    keys: dict[KeyName, AzureKeyConfig] = Field(default_factory=dict)
    """Keys by name."""
    key_access: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,40}$")], KeyAccessConfig] = Field(
        default_factory=dict
    )
    """Role assignments on individual keys, by a stable name (part of each assignment's identity)."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        problem = rules.key_vault_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AzureKeyVaultConfig:
        hsm_keys = sorted(n for n, k in self.keys.items() if k.key_type in (KeyType.RSA_HSM, KeyType.EC_HSM))
        if hsm_keys and self.sku is not VaultSku.premium:
            raise ValueError(f"keys {hsm_keys} are HSM-protected and need sku 'premium', not '{self.sku}'")
        if self.allowed_ip_ranges and not self.public_network_access:
            raise ValueError("allowed_ip_ranges only apply with public_network_access: true")
        for access_name, access in self.key_access.items():
            unknown = sorted(set(access.keys) - set(self.keys))
            if unknown:
                raise ValueError(
                    f"key_access.{access_name} names keys {unknown} that are not in keys {sorted(self.keys)}"
                )
        return self


class AzureNetworkConfig(StrictModel):
    """The platform's virtual network: one subnet per role, an NSG on each, private DNS for private endpoints."""

    address_space: IPv4Network
    """VNet address space, e.g. ``10.20.0.0/16``."""
    system_subnet: IPv4Network
    """AKS system node pool."""
    gpu_subnet: IPv4Network
    """GPU node pools (sized for max_nodes of every pool)."""
    endpoints_subnet: IPv4Network
    """Private endpoints of Key Vault, storage, registry and the ML workspace."""
    api_server_subnet: IPv4Network | None = None
    """Delegated subnet for AKS API server VNet integration (``/28`` or larger); only with ``aks.api_server.vnet_integration``."""
    manage_private_dns: bool = True
    """Create the ``privatelink.*`` zones and DNS zone groups. Turn off when an Azure Policy (DeployIfNotExists) owns the records."""

    @model_validator(mode="after")
    def _layout(self) -> AzureNetworkConfig:
        subnets = {
            name: net
            for name, net in (
                ("system_subnet", self.system_subnet),
                ("gpu_subnet", self.gpu_subnet),
                ("endpoints_subnet", self.endpoints_subnet),
                ("api_server_subnet", self.api_server_subnet),
            )
            if net is not None
        }
        for name, net in subnets.items():
            if not net.subnet_of(self.address_space):
                raise ValueError(f"{name} {net} is not inside address_space {self.address_space}")
        names = list(subnets)
        for index, first in enumerate(names):
            for second in names[index + 1 :]:
                if subnets[first].overlaps(subnets[second]):
                    raise ValueError(f"{first} {subnets[first]} overlaps {second} {subnets[second]}")
        if self.api_server_subnet is not None and self.api_server_subnet.prefixlen > 28:
            raise ValueError(f"api_server_subnet {self.api_server_subnet} must be /28 or larger")
        return self


class CmkConfig(StrictModel):
    """Customer-managed keys: which Key Vault key encrypts what."""

    enabled: bool = preset(dev=False, staging=True, prod=True)
    """Encrypt node disks, etcd secrets, the ML workspace, its storage and registry with keys from ``key_vault``."""
    disk_key: KeyName = "disks"
    """Key of the disk encryption set (AKS OS and data disks)."""
    etcd_key: KeyName = "etcd"
    """Key for Kubernetes secrets encryption (AKS KMS)."""
    data_key: KeyName = "data"
    """Key for the ML workspace, its storage account and container registry."""
    audit_key: KeyName = "data"
    """Key of the audit storage account (``audit``)."""


class AksApiServerConfig(StrictModel):
    """How the Kubernetes API server is reached."""

    private: bool = True
    """Private API server (no public endpoint)."""
    authorized_ip_ranges: list[IPv4Network] = Field(default_factory=list)
    """With a public API server: the only source ranges allowed (never the whole internet)."""
    vnet_integration: bool = False
    """Project the API server into ``network.api_server_subnet``."""

    @model_validator(mode="after")
    def _exposure(self) -> AksApiServerConfig:
        if self.private and self.authorized_ip_ranges:
            raise ValueError("authorized_ip_ranges apply to a public API server; remove them or set private: false")
        if not self.private and not self.authorized_ip_ranges:
            raise ValueError("a public API server needs authorized_ip_ranges (it would be open to the internet)")
        if any(r.prefixlen == 0 for r in self.authorized_ip_ranges):
            raise ValueError("authorized_ip_ranges must not contain 0.0.0.0/0")
        return self


class AksSystemPoolConfig(StrictModel):
    """The system node pool: cluster add-ons only (tainted ``CriticalAddonsOnly``)."""

    vm_size: Annotated[str, StringConstraints(pattern=r"^Standard_[A-Za-z0-9_]+$")] = "Standard_D4ds_v5"
    min_nodes: int = preset(dev=1, staging=2, prod=3, ge=1, le=100)
    max_nodes: int = preset(dev=3, staging=5, prod=5, ge=1, le=100)
    os_disk_type: Literal["Managed", "Ephemeral"] = "Managed"

    @model_validator(mode="after")
    def _bounds(self) -> AksSystemPoolConfig:
        if self.min_nodes > self.max_nodes:
            raise ValueError(f"min_nodes ({self.min_nodes}) must not exceed max_nodes ({self.max_nodes})")
        return self


class AksConfig(StrictModel):
    """The AKS cluster."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,61}[a-zA-Z0-9]$")]
    kubernetes_version: Annotated[str, StringConstraints(pattern=r"^1\.[0-9]{2}(\.[0-9]+)?$")] | None = None
    """``1.33`` (patch chosen by the upgrade channel); unset takes the region default."""
    tier: Literal["Free", "Standard", "Premium"] = preset(dev="Free", staging="Standard", prod="Standard")
    """``Standard`` carries the uptime SLA (required in prod by policy)."""
    cost_analysis: bool = preset(dev=False, staging=True, prod=True)
    """AKS cost analysis: Cost Management splits the cluster's cost by namespace (one namespace per team), so a
    shared GPU cluster is charged back to its teams. Needs tier ``Standard`` or ``Premium``."""
    admin_group_object_ids: list[Uuid] = Field(min_length=1)
    """Entra ID groups that administer the cluster (Azure RBAC for Kubernetes)."""
    api_server: AksApiServerConfig = Field(default_factory=AksApiServerConfig)
    system_pool: AksSystemPoolConfig
    upgrade_channel: Literal["patch", "stable", "rapid", "node-image"] = preset(
        dev="patch", staging="patch", prod="stable"
    )
    node_os_upgrade_channel: Literal["NodeImage", "SecurityPatch", "Unmanaged"] = "NodeImage"
    maintenance_window: MaintenanceWindowConfig = Field(default_factory=MaintenanceWindowConfig)
    network_policy: Literal["cilium", "azure", "calico"] = "cilium"
    """Network policy engine; ``cilium`` runs on the Cilium dataplane (Azure CNI overlay)."""
    # Defaults already networks: not validated again (the stack file's JSON form takes text only).
    pod_cidr: IPv4Network = Field(default=IPv4Network("10.244.0.0/16"), validate_default=False)
    service_cidr: IPv4Network = Field(default=IPv4Network("172.16.0.0/16"), validate_default=False)
    defender: bool = preset(dev=False, staging=False, prod=True)
    """Microsoft Defender for Containers runtime protection (cost per core)."""
    azure_policy_addon: bool = True
    """Azure Policy add-on (in-cluster admission guardrails)."""
    kubelogin: Literal["azurecli", "workloadidentity", "devicecode", "msi", "spn"] = preset(
        dev="azurecli", staging="workloadidentity", prod="workloadidentity"
    )
    """How Pulumi signs in to the cluster (local accounts are off): ``azurecli`` on a laptop, ``workloadidentity``
    in CI with OIDC federation. The machine running ``pulumi up`` needs ``kubelogin``."""

    @field_validator("cost_analysis")
    @classmethod
    def _cost_analysis_tier(cls, value: bool, info: ValidationInfo) -> bool:
        problem = rules.cost_analysis_problem(value, str(info.data.get("tier")))
        if problem:
            raise ValueError(problem)
        return value


GpuPoolName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{0,11}$")]


class AzureGpuPoolConfig(GpuPoolScaling):
    """An AKS GPU node pool (a separate ``AgentPool``)."""

    vm_size: str
    """A GPU VM size from the table in ``aiscale.core.gpu`` (e.g. ``Standard_NC24ads_A100_v4``)."""
    purpose: Literal["serving", "training", "batch"] = "serving"
    """Becomes the ``aiscale.io/purpose`` node label; workloads select pools by it."""
    spot_max_price: float | None = None
    """Highest hourly price for spot nodes; ``-1`` (the default with spot) caps at the on-demand price."""
    eviction_policy: Literal["Delete", "Deallocate"] = "Delete"
    """What happens to evicted spot nodes."""
    mig_profile: Literal["MIG1g", "MIG2g", "MIG3g", "MIG4g", "MIG7g"] | None = None
    """Multi-Instance GPU partitioning; only on sizes whose GPU supports MIG."""
    encryption_at_host: bool = True
    """Encrypt temp and cache disks on the host (needs the subscription feature EncryptionAtHost)."""
    os_disk_size_gb: int = Field(default=128, ge=30, le=2048)
    max_surge: Annotated[str, StringConstraints(pattern=r"^([1-9][0-9]?|100)%$|^[1-9][0-9]*$")] = "10%"
    drain_timeout_minutes: int = Field(default=30, ge=1, le=1440)
    zones: list[Literal["1", "2", "3"]] = Field(default_factory=list)
    labels: dict[Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9./_-]{1,253}$")], str] = Field(
        default_factory=dict
    )
    team: TeamName | None = None
    """The team (of ``teams``) that owns the pool: its nodes carry the ``team`` tag and ``aiscale.io/team``
    label, so the pool's cost is the team's. Unset: a pool shared by every team."""

    @model_validator(mode="after")
    def _sku(self) -> AzureGpuPoolConfig:
        problem = gpu.azure_pool_problem(self.vm_size, self.mig_profile)
        if problem:
            raise ValueError(problem)
        if self.spot_max_price is not None and not self.spot:
            raise ValueError("spot_max_price only applies to spot pools (spot: true)")
        if self.spot_max_price is not None and self.spot_max_price != -1 and self.spot_max_price <= 0:
            raise ValueError("spot_max_price must be -1 (on-demand cap) or a positive price")
        return self


EndpointName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$")]
DeploymentName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$")]


class ProbeConfig(StrictModel):
    """Liveness/readiness probe of a managed online deployment (seconds)."""

    initial_delay: int = Field(default=10, ge=1, le=3600)
    period: int = Field(default=10, ge=1, le=300)
    timeout: int = Field(default=2, ge=1, le=300)
    failure_threshold: int = Field(default=30, ge=1, le=1000)
    success_threshold: int = Field(default=1, ge=1, le=1)


class OnlineDeploymentConfig(StrictModel):
    """A managed online deployment: one model version on its own instances."""

    model: Annotated[
        Annotated[
            Annotated[str, StringConstraints(pattern=r"^azureml:[A-Za-z0-9_.-]+:[0-9]+$|^/subscriptions/.+$")],
            AS_TEXT,
        ]
        | Annotated[RegisteredModelConfig, AS_SECTION],
        TEXT_OR_SECTION,
    ]
    """A model already in Azure ML (``azureml:<name>:<version>`` or an ARM id), or an MLflow registry version
    pinned by ``aiscale promote`` (registered in the workspace as a model version by the stack)."""
    instance_type: Annotated[str, StringConstraints(pattern=r"^Standard_[A-Za-z0-9_]+$")]
    """VM size of the deployment's instances (GPU sizes from the GPU table, or CPU sizes)."""
    environment: Annotated[str, StringConstraints(pattern=r"^azureml:.+$|^/subscriptions/.+$")] | None = None
    """Environment for non-MLflow models; MLflow models need none."""
    min_instances: int = preset(dev=1, staging=1, prod=2, ge=1, le=100)
    max_instances: int = Field(default=3, ge=1, le=100)
    target_utilization_percentage: int = Field(default=70, ge=1, le=100)
    """Utilisation the autoscaler holds: GPU utilisation on GPU instance types, CPU utilisation otherwise."""
    off_peak: OffPeakScalingConfig | None = None
    """Lower instance bounds during quiet hours."""
    request_timeout_ms: int = Field(default=5000, ge=1, le=180_000)
    max_concurrent_requests_per_instance: int = Field(default=1, ge=1, le=1000)
    max_queue_wait_ms: int = Field(default=500, ge=0, le=60_000)
    expected_requests_per_second: RequestRate | None = None
    """Expected average request rate: the cost estimate gives the cost per 1,000 predictions at the floor and the
    ceiling capacity from it. Unset: no per-prediction figure."""
    liveness_probe: ProbeConfig = Field(default_factory=ProbeConfig)
    readiness_probe: ProbeConfig = Field(default_factory=ProbeConfig)
    monitoring: AzureModelMonitoringConfig | None = None
    """This deployment's own monitor (else the endpoint's monitoring block applies)."""

    @model_validator(mode="after")
    def _bounds(self) -> OnlineDeploymentConfig:
        if self.min_instances > self.max_instances:
            raise ValueError(
                f"min_instances ({self.min_instances}) must not exceed max_instances ({self.max_instances})"
            )
        return self


class OnlineEndpointConfig(StrictModel):
    """A managed online endpoint with its deployments and traffic, reviewed as configuration."""

    auth_mode: Literal["aad_token", "aml_token"] = "aad_token"
    """Token authentication only: key auth would put keys into Pulumi state."""
    public_network_access: bool = False
    deployments: dict[DeploymentName, OnlineDeploymentConfig] = Field(min_length=1)
    traffic: dict[DeploymentName, int]
    """Live traffic per deployment, percentages summing to 100."""
    mirror_traffic: dict[DeploymentName, int] = Field(default_factory=dict)
    """Shadow traffic copied to deployments that take no live traffic; at most 50 in total."""
    slo: EndpointSlo
    promotion: PromotionConfig | None = None
    """Promotion gates and progressive delivery (``aiscale promote``, ``aiscale rollout``)."""
    monitoring: AzureModelMonitoringConfig | None = None
    """Model monitoring of every deployment without its own block (prod: every serving deployment is monitored)."""

    @model_validator(mode="after")
    def _traffic(self, info: ValidationInfo) -> OnlineEndpointConfig:
        problem = rules.endpoint_traffic_problem(dict(self.traffic), dict(self.mirror_traffic), set(self.deployments))
        if problem:
            raise ValueError(problem)
        for name, deployment in self.deployments.items():
            if deployment.monitoring is not None and deployment.monitoring.retraining is not None:
                raise ValueError(
                    f"deployments.{name}.monitoring.retraining: retraining belongs to the endpoint's monitoring "
                    "block (one pipeline per model, not per deployment)"
                )
        problem = monitoring.coverage_problem(
            str((info.context or {}).get("environment")), dict(self.traffic), monitoring.watching(self.monitors())
        )
        if problem:
            raise ValueError(problem)
        if self.promotion is not None:
            problem = rules.promotion_problem(self.promotion, self.deployments)
            if problem:
                raise ValueError(f"promotion: {problem}")
        return self

    def monitors(self) -> dict[str, AzureModelMonitoringConfig]:
        """The monitor of each monitored deployment: its own block, else the endpoint's."""
        found = {name: d.monitoring or self.monitoring for name, d in self.deployments.items()}
        return {name: block for name, block in found.items() if block is not None}


class AzureMlConfig(StrictModel):
    """The Azure ML workspace, its dependent resources and its online endpoints."""

    workspace_name: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$")]
    storage_account_name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{3,24}$")]
    container_registry_name: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9]{5,50}$")]
    key_vault_name: Annotated[str, StringConstraints(min_length=3, max_length=24)]
    """The workspace's own vault for secrets (separate from the platform's key vault)."""
    isolation_mode: Literal["AllowInternetOutbound", "AllowOnlyApprovedOutbound"] = preset(
        dev="AllowInternetOutbound", staging="AllowOnlyApprovedOutbound", prod="AllowOnlyApprovedOutbound"
    )
    """Managed network isolation of the workspace."""
    high_business_impact: bool = preset(dev=False, staging=False, prod=True)
    """HBI workspace: less diagnostic data collected by Microsoft, encrypted local scratch."""
    endpoints: dict[EndpointName, OnlineEndpointConfig] = Field(default_factory=dict)

    @field_validator("key_vault_name")
    @classmethod
    def _vault_name(cls, value: str) -> str:
        problem = rules.key_vault_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class AzureTeamConfig(TeamConfig, TeamWorkloadsConfig):
    """A team on the AKS cluster."""

    group_object_id: Uuid
    """Entra ID group of the team: deploys in its namespace, may fetch cluster credentials."""


ActivityLogCategory = Literal[
    "Administrative", "Security", "Policy", "Alert", "ServiceHealth", "Recommendation", "Autoscale", "ResourceHealth"
]


class AzureAuditConfig(StrictModel):
    """The subscription's audit trail: the activity log in Log Analytics and in write-once (WORM) blob storage."""

    storage_account_name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{3,24}$")]
    """Globally unique name of the audit storage account (3-24 lowercase letters and digits)."""
    categories: list[ActivityLogCategory] = Field(
        default_factory=lambda: ["Administrative", "Security", "Policy", "Alert"], min_length=1
    )
    """Activity log categories exported: who changed what (``Administrative``), Defender findings (``Security``),
    Azure Policy decisions (``Policy``) and fired alerts (``Alert``) by default."""
    worm_retention_days: int = preset(dev=1, staging=7, prod=365, ge=1, le=146_000)
    """Days each exported blob stays write-once (a time-based retention policy on the containers, protected append
    writes allowed): nobody can change or delete it before then, whatever their role."""
    table_retention_days: int = preset(dev=90, staging=365, prod=2557, ge=4, le=4383)
    """Total retention of the audit tables in Log Analytics (``AzureActivity``, ``AZKVAuditLogs``); beyond the
    workspace's interactive retention the rows stay searchable in the long-term tier."""
    locked: bool = preset(dev=False, staging=False, prod=True)
    """A ``CanNotDelete`` management lock on the audit storage account. The WORM policy already keeps every blob
    for its period; with the lock nobody deletes the account either, until an Owner removes the lock. Needs
    ``protect_stateful`` (Pulumi must not try to delete what the lock keeps)."""
    delivery_writer_principal_id: Uuid | None = None
    """Object id of the CI identity that ships ``aiscale promote`` / ``aiscale rollout`` decisions (the audit JSON
    lines) into the ``aiscale-delivery`` container: it gets Storage Blob Data Contributor on that container only."""

    @field_validator("categories")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"has duplicates: {value}")
        return value


class AzureCostConfig(StrictModel):
    """Cost attribution settings of the subscription (Cost Management)."""

    anomaly_alert: bool = True
    """A daily cost anomaly alert (a Cost Management insight alert, subscription scope) mailed to the budget's
    contacts, with the runbook link when monitoring is configured. Needs the budget section."""
    tag_inheritance: bool = False
    """Cost Management applies the subscription's and resource groups' tags to the cost records of resources that
    lack them (the nodes AKS creates, for instance). A setting of the whole subscription: turn it on only where
    the stack owns the subscription."""


class AzureConfig(StrictModel):
    """Where and how aiscale deploys on Azure."""

    subscription_id: Uuid
    tenant_id: Uuid
    """Entra ID tenant of the Key Vault and of RBAC role assignments."""
    location: AzureRegion
    """Azure region, e.g. ``westeurope``."""
    resource_group: Annotated[str, StringConstraints(pattern=r"^[-\w.()]{1,89}[-\w()]$")]
    """Resource group the platform is deployed into (created by the stack)."""
    key_vault: AzureKeyVaultConfig
    cmk: CmkConfig = Field(default_factory=CmkConfig)
    network: AzureNetworkConfig | None = None
    aks: AksConfig | None = None
    gpu_pools: dict[GpuPoolName, AzureGpuPoolConfig] = Field(default_factory=dict)
    ml: AzureMlConfig | None = None
    budget: BudgetConfig | None = None
    budget_scope: Literal["resource_group", "subscription"] = "resource_group"
    lock: Literal["CanNotDelete", "ReadOnly"] | None = None
    """An Azure management lock on every stateful resource (key vaults, cluster, ML workspace, its storage and
    registry, the monitoring workspaces), on top of ``protect_stateful``. Deploying it needs
    ``Microsoft.Authorization/locks/write`` (Owner or User Access Administrator); ``ReadOnly`` also blocks scaling
    and key rotation policy changes, so ``CanNotDelete`` is the usual choice."""
    monitoring: MonitoringConfig | None = None
    teams: dict[TeamName, AzureTeamConfig] = Field(default_factory=dict)
    """Team namespaces on the AKS cluster, by team name (also the namespace name)."""
    audit: AzureAuditConfig | None = None
    """Export the subscription's activity log to Log Analytics and WORM storage, with alerts on sensitive
    operations (needs ``monitoring``)."""
    cost: AzureCostConfig | None = None
    """Cost anomaly alert and tag inheritance of the subscription."""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> AzureConfig:
        if self.cmk.enabled:
            # Only the consumers this stack deploys need their key: a keys-only stack needs none.
            needed = (
                ({self.cmk.disk_key, self.cmk.etcd_key} if self.aks is not None else set())
                | ({self.cmk.data_key} if self.ml is not None else set())
                | ({self.cmk.audit_key} if self.audit is not None else set())
            )
            missing = sorted(needed - set(self.key_vault.keys))
            if missing:
                raise ValueError(f"cmk.enabled needs keys {missing} in key_vault.keys")
        if (self.aks is not None or self.ml is not None) and self.network is None:
            raise ValueError("aks and ml need a network section")
        if self.gpu_pools and self.aks is None:
            raise ValueError("gpu_pools need an aks section")
        if self.aks is not None and self.network is not None:
            if self.aks.api_server.vnet_integration and self.network.api_server_subnet is None:
                raise ValueError("aks.api_server.vnet_integration needs network.api_server_subnet")
            for name in ("pod_cidr", "service_cidr"):
                cidr = getattr(self.aks, name)
                if cidr.overlaps(self.network.address_space):
                    raise ValueError(f"aks.{name} {cidr} overlaps network.address_space {self.network.address_space}")
        if self.budget is not None:
            notifications = len(self.budget.actual_thresholds) + len(self.budget.forecast_thresholds)
            if notifications > AZURE_MAX_BUDGET_NOTIFICATIONS:
                raise ValueError(
                    f"Azure allows at most {AZURE_MAX_BUDGET_NOTIFICATIONS} budget notifications; got {notifications}"
                )
            if len(self.budget.tag_filter) > 1:
                raise ValueError("Azure budgets filter on a single tag; keep one entry in budget.tag_filter")
        if (self.aks is not None or self.ml is not None) and self.monitoring is None:
            raise ValueError("aks and ml need a monitoring section (logs and alerts)")
        problem = gpu.mixed_driver_problem({name: pool.driver for name, pool in self.gpu_pools.items()})
        if problem:
            raise ValueError(f"gpu_pools: {problem}")
        if self.teams and self.aks is None:
            raise ValueError("teams need an aks section (their namespaces live on the cluster)")
        owners = sorted(f"gpu_pools.{name}.team" for name, pool in self.gpu_pools.items() if pool.team is not None)
        unknown = [field for field in owners if self.gpu_pools[field.split(".")[1]].team not in self.teams]
        if unknown:
            raise ValueError(f"{', '.join(unknown)} must name one of teams {sorted(self.teams)}")
        if self.audit is not None and self.monitoring is None:
            raise ValueError("audit needs a monitoring section (the activity log goes to its Log Analytics workspace)")
        if self.cost is not None and self.cost.anomaly_alert and self.budget is None:
            raise ValueError("cost.anomaly_alert mails budget.contact_emails: add a budget section or turn it off")
        capacity = sum(pool.max_nodes * gpu.azure_gpu_skus()[pool.vm_size].gpus for pool in self.gpu_pools.values())
        for team_name, team in self.teams.items():
            if team.gpu_quota > capacity:
                raise ValueError(
                    f"teams.{team_name}.gpu_quota ({team.gpu_quota}) exceeds the GPUs of all pools at max_nodes "
                    f"({capacity})"
                )
        environment = str((info.context or {}).get("environment"))
        problem = workload_problem(environment, self.teams, set(self.gpu_pools))
        if problem:
            raise ValueError(problem)
        if environment == "prod":
            for path, problem in mig_pool_problems(self.mig_pools(), "mig_profile"):
                raise ValueError(f"{path}: {problem}")
        return self

    def mig_pools(self) -> dict[str, tuple[int, bool]]:
        """Each GPU pool's min_nodes and whether it is MIG-partitioned."""
        return {name: (pool.min_nodes, pool.mig_profile is not None) for name, pool in self.gpu_pools.items()}

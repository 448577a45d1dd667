"""The stack configuration as blueprint arguments (generated: do not edit).

python -m aiscale.core.config.args_source > blueprints/platform_args.py

TypedDicts of the ``aiscale:*`` configuration for the blueprints' args-style constructors and the package schema.
Defaults, presets and validation belong to ``aiscale.core.config``: the args are validated into a ``StackConfig``.
"""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi


class AzureKeyConfigArgs(TypedDict):
    """A key in the stack's Key Vault, with its rotation policy."""

    key_type: NotRequired[str]
    """Key type; prod defaults to HSM-protected keys (CKV_AZURE_112). One of ``RSA``, ``RSA-HSM``, ``EC``, ``EC-HSM``. Default ``"RSA"`` / ``"RSA"`` / ``"RSA-HSM"``."""
    key_size: NotRequired[int]
    """RSA key size in bits (Key Vault default 2048 when unset); not allowed for EC keys. One of ``2048``, ``3072``, ``4096``."""
    curve: NotRequired[str]
    """Curve of an EC key; not allowed for RSA keys. One of ``P-256``, ``P-384``, ``P-521``."""
    rotate_after_days: NotRequired[int]
    """A new key version is created this many days after the current one. Default ``90``."""
    expire_after_days: NotRequired[int]
    """Each key version expires this many days after it is created. Default ``365``."""
    notify_before_expiry_days: NotRequired[int]
    """Event Grid ``Notify`` action this many days before a version expires. Default ``30``."""


class KeyAccessConfigArgs(TypedDict):
    """A principal that may use keys of the vault (e.g. an identity of a service that encrypts with them)."""

    principal_id: str
    """Object id of the Entra ID principal."""
    principal_type: NotRequired[str]
    """One of ``ServicePrincipal``, ``Group``, ``User``. Default ``"ServicePrincipal"``."""
    role: NotRequired[str]
    """One of ``crypto_service_encryption_user``, ``crypto_user``, ``crypto_officer``. Default ``"crypto_service_encryption_user"``."""
    keys: Sequence[str]
    """Names of keys in ``key_vault.keys`` the role is granted on (scoped to each key, not the vault)."""


class AzureKeyVaultConfigArgs(TypedDict):
    """The stack's Key Vault: RBAC, purge protection, no public network access by default."""

    name: str
    """Globally unique vault name (3-24 characters)."""
    sku: NotRequired[str]
    """``premium`` is required for HSM-protected keys. One of ``standard``, ``premium``. Default ``"standard"`` / ``"standard"`` / ``"premium"``."""
    soft_delete_retention_days: NotRequired[int]
    """Days a deleted vault or key stays recoverable. Default ``7`` / ``30`` / ``90``."""
    purge_protection: NotRequired[bool]
    """Required for customer-managed keys (disk encryption sets, Azure ML, storage); cannot be turned off later. Default ``true``."""
    public_network_access: NotRequired[bool]
    """Leave off and reach the vault through a private endpoint; on only with ``allowed_ip_ranges``. Default ``false``."""
    allowed_ip_ranges: NotRequired[Sequence[str]]
    """Public IP ranges admitted by the vault firewall (only with ``public_network_access``). Default ``[]``."""
    keys: NotRequired[Mapping[str, AzureKeyConfigArgs]]
    """Keys by name. Default ``{}``."""
    key_access: NotRequired[Mapping[str, KeyAccessConfigArgs]]
    """Role assignments on individual keys, by a stable name (part of each assignment's identity). Default ``{}``."""


class CmkConfigArgs(TypedDict):
    """Customer-managed keys: which Key Vault key encrypts what."""

    enabled: NotRequired[bool]
    """Encrypt node disks, etcd secrets, the ML workspace, its storage and registry with keys from ``key_vault``. Default ``false`` / ``true`` / ``true``."""
    disk_key: NotRequired[str]
    """Key of the disk encryption set (AKS OS and data disks). Default ``"disks"``."""
    etcd_key: NotRequired[str]
    """Key for Kubernetes secrets encryption (AKS KMS). Default ``"etcd"``."""
    data_key: NotRequired[str]
    """Key for the ML workspace, its storage account and container registry. Default ``"data"``."""
    audit_key: NotRequired[str]
    """Key of the audit storage account (``audit``). Default ``"data"``."""


class AzureNetworkConfigArgs(TypedDict):
    """The platform's virtual network: one subnet per role, an NSG on each, private DNS for private endpoints."""

    address_space: str
    """VNet address space, e.g. ``10.20.0.0/16``."""
    system_subnet: str
    """AKS system node pool."""
    gpu_subnet: str
    """GPU node pools (sized for max_nodes of every pool)."""
    endpoints_subnet: str
    """Private endpoints of Key Vault, storage, registry and the ML workspace."""
    api_server_subnet: NotRequired[str]
    """Delegated subnet for AKS API server VNet integration (``/28`` or larger); only with ``aks.api_server.vnet_integration``."""
    manage_private_dns: NotRequired[bool]
    """Create the ``privatelink.*`` zones and DNS zone groups. Turn off when an Azure Policy (DeployIfNotExists) owns the records. Default ``true``."""


class AksApiServerConfigArgs(TypedDict):
    """How the Kubernetes API server is reached."""

    private: NotRequired[bool]
    """Private API server (no public endpoint). Default ``true``."""
    authorized_ip_ranges: NotRequired[Sequence[str]]
    """With a public API server: the only source ranges allowed (never the whole internet). Default ``[]``."""
    vnet_integration: NotRequired[bool]
    """Project the API server into ``network.api_server_subnet``. Default ``false``."""


class AksSystemPoolConfigArgs(TypedDict):
    """The system node pool: cluster add-ons only (tainted ``CriticalAddonsOnly``)."""

    vm_size: NotRequired[str]
    """Default ``"Standard_D4ds_v5"``."""
    min_nodes: NotRequired[int]
    """Default ``1`` / ``2`` / ``3``."""
    max_nodes: NotRequired[int]
    """Default ``3`` / ``5`` / ``5``."""
    os_disk_type: NotRequired[str]
    """One of ``Managed``, ``Ephemeral``. Default ``"Managed"``."""


class MaintenanceWindowConfigArgs(TypedDict):
    """Weekly window (UTC) for Kubernetes and node upgrades (both clouds)."""

    day_of_week: NotRequired[str]
    """One of ``Monday``, ``Tuesday``, ``Wednesday``, ``Thursday``, ``Friday``, ``Saturday``, ``Sunday``. Default ``"Sunday"``."""
    start_hour: NotRequired[int]
    """Default ``2``."""
    duration_hours: NotRequired[int]
    """AKS requires at least four hours; GKE at least four hours of maintenance per week. Default ``4``."""


class AksConfigArgs(TypedDict):
    """The AKS cluster."""

    name: str
    kubernetes_version: NotRequired[str]
    """``1.33`` (patch chosen by the upgrade channel); unset takes the region default."""
    tier: NotRequired[str]
    """``Standard`` carries the uptime SLA (required in prod by policy). One of ``Free``, ``Standard``, ``Premium``. Default ``"Free"`` / ``"Standard"`` / ``"Standard"``."""
    cost_analysis: NotRequired[bool]
    """AKS cost analysis: Cost Management splits the cluster's cost by namespace (one namespace per team), so a shared GPU cluster is charged back to its teams. Needs tier ``Standard`` or ``Premium``. Default ``false`` / ``true`` / ``true``."""
    admin_group_object_ids: Sequence[str]
    """Entra ID groups that administer the cluster (Azure RBAC for Kubernetes)."""
    api_server: NotRequired[AksApiServerConfigArgs]
    """How the Kubernetes API server is reached."""
    system_pool: AksSystemPoolConfigArgs
    """The system node pool: cluster add-ons only (tainted ``CriticalAddonsOnly``)."""
    upgrade_channel: NotRequired[str]
    """One of ``patch``, ``stable``, ``rapid``, ``node-image``. Default ``"patch"`` / ``"patch"`` / ``"stable"``."""
    node_os_upgrade_channel: NotRequired[str]
    """One of ``NodeImage``, ``SecurityPatch``, ``Unmanaged``. Default ``"NodeImage"``."""
    maintenance_window: NotRequired[MaintenanceWindowConfigArgs]
    """Weekly window (UTC) for Kubernetes and node upgrades (both clouds)."""
    network_policy: NotRequired[str]
    """Network policy engine; ``cilium`` runs on the Cilium dataplane (Azure CNI overlay). One of ``cilium``, ``azure``, ``calico``. Default ``"cilium"``."""
    pod_cidr: NotRequired[str]
    """Default ``"10.244.0.0/16"``."""
    service_cidr: NotRequired[str]
    """Default ``"172.16.0.0/16"``."""
    defender: NotRequired[bool]
    """Microsoft Defender for Containers runtime protection (cost per core). Default ``false`` / ``false`` / ``true``."""
    azure_policy_addon: NotRequired[bool]
    """Azure Policy add-on (in-cluster admission guardrails). Default ``true``."""
    kubelogin: NotRequired[str]
    """How Pulumi signs in to the cluster (local accounts are off): ``azurecli`` on a laptop, ``workloadidentity`` in CI with OIDC federation. The machine running ``pulumi up`` needs ``kubelogin``. One of ``azurecli``, ``workloadidentity``, ``devicecode``, ``msi``, ``spn``. Default ``"azurecli"`` / ``"workloadidentity"`` / ``"workloadidentity"``."""


class AzureGpuPoolConfigArgs(TypedDict):
    """An AKS GPU node pool (a separate ``AgentPool``)."""

    min_nodes: NotRequired[int]
    """Lowest node count; 0 scales the pool to zero when idle (the default outside prod). Default ``0`` / ``0`` / ``1``."""
    max_nodes: int
    """Highest node count the autoscaler may reach (also the cost ceiling)."""
    spot: NotRequired[bool]
    """Spot / preemptible capacity: much cheaper, can be evicted; for interruptible work only. Default ``false``."""
    expected_utilization_percent: NotRequired[int]
    """Expected average use of the autoscaling range: the cost estimate expects min_nodes + (max_nodes - min_nodes) x this / 100 nodes. Unset: the estimate gives only the floor (min_nodes) and the ceiling (max_nodes)."""
    driver: NotRequired[str]
    """Who installs the NVIDIA driver: ``platform`` (AKS or GKE, from the node image) or ``operator`` (the NVIDIA GPU operator, installed by the stack). One cluster uses one of the two for all its pools. One of ``platform``, ``operator``. Default ``"platform"``."""
    vm_size: str
    """A GPU VM size from the table in ``aiscale.core.gpu`` (e.g. ``Standard_NC24ads_A100_v4``)."""
    purpose: NotRequired[str]
    """Becomes the ``aiscale.io/purpose`` node label; workloads select pools by it. One of ``serving``, ``training``, ``batch``. Default ``"serving"``."""
    spot_max_price: NotRequired[float]
    """Highest hourly price for spot nodes; ``-1`` (the default with spot) caps at the on-demand price."""
    eviction_policy: NotRequired[str]
    """What happens to evicted spot nodes. One of ``Delete``, ``Deallocate``. Default ``"Delete"``."""
    mig_profile: NotRequired[str]
    """Multi-Instance GPU partitioning; only on sizes whose GPU supports MIG. One of ``MIG1g``, ``MIG2g``, ``MIG3g``, ``MIG4g``, ``MIG7g``."""
    encryption_at_host: NotRequired[bool]
    """Encrypt temp and cache disks on the host (needs the subscription feature EncryptionAtHost). Default ``true``."""
    os_disk_size_gb: NotRequired[int]
    """Default ``128``."""
    max_surge: NotRequired[str]
    """Default ``"10%"``."""
    drain_timeout_minutes: NotRequired[int]
    """Default ``30``."""
    zones: NotRequired[Sequence[str]]
    """One of ``1``, ``2``, ``3``. Default ``[]``."""
    labels: NotRequired[Mapping[str, str]]
    """Default ``{}``."""
    team: NotRequired[str]
    """The team (of ``teams``) that owns the pool: its nodes carry the ``team`` tag and ``aiscale.io/team`` label, so the pool's cost is the team's. Unset: a pool shared by every team."""


class OffPeakScalingConfigArgs(TypedDict):
    """Lower instance bounds during quiet hours (an Azure Monitor autoscale recurrence profile)."""

    days: Sequence[str]
    """One of ``Monday``, ``Tuesday``, ``Wednesday``, ``Thursday``, ``Friday``, ``Saturday``, ``Sunday``."""
    start_hour: int
    """Hour the off-peak bounds start (in ``time_zone``)."""
    end_hour: int
    """Hour the normal bounds come back."""
    time_zone: NotRequired[str]
    """Windows time zone name (``W. Europe Standard Time``) or ``UTC``. Default ``"UTC"``."""
    min_instances: int
    max_instances: int


class ProbeConfigArgs(TypedDict):
    """Liveness/readiness probe of a managed online deployment (seconds)."""

    initial_delay: NotRequired[int]
    """Default ``10``."""
    period: NotRequired[int]
    """Default ``10``."""
    timeout: NotRequired[int]
    """Default ``2``."""
    failure_threshold: NotRequired[int]
    """Default ``30``."""
    success_threshold: NotRequired[int]
    """Default ``1``."""


class SignalConfigArgs(TypedDict):
    """One monitoring signal: the metric it computes and the threshold that raises an alert."""

    metric: NotRequired[str]
    """Azure ML: ``jensen_shannon_distance`` (default for drift), ``population_stability_index``, ``normalized_wasserstein_distance``, ``two_sample_kolmogorov_smirnov_test``, ``pearsons_chi_squared_test``; ``null_value_rate`` (default for data quality), ``data_type_error_rate``, ``out_of_bounds_rate``. Vertex AI: ``distribution_distance`` (its only one)."""
    threshold: float
    """Value of the metric above which the signal alerts."""


class SignalsConfigArgs(TypedDict):
    """Which signals a monitor computes (at least one)."""

    data_drift: NotRequired[SignalConfigArgs]
    """Drift of the model's inputs from the reference data."""
    prediction_drift: NotRequired[SignalConfigArgs]
    """Drift of the model's outputs (Azure ML only)."""
    data_quality: NotRequired[SignalConfigArgs]
    """Null, out-of-range and mistyped values in the inputs (Azure ML only)."""


class PastWindowConfigArgs(TypedDict):
    """A fixed window of past production data (Azure ML only)."""

    start: str
    """First day, ``YYYY-MM-DD``."""
    end: str
    """Last day, ``YYYY-MM-DD``."""


class ReferenceDataConfigArgs(TypedDict):
    """What production data is compared with: the training data, or a fixed past window of production data."""

    training_data: NotRequired[str]
    """Azure ML: a data asset (``azureml:<name>:<version>``, an MLTable); Vertex AI: ``gs://.../*.csv`` or ``*.jsonl``, or ``bq://<project>.<dataset>.<table>``."""
    target_column: NotRequired[str]
    """Column of the training data the model predicts (required with ``training_data``)."""
    past_window: NotRequired[PastWindowConfigArgs]
    """A fixed window of past production data (Azure ML only)."""


class ScheduleConfigArgs(TypedDict):
    """When a job runs: exactly one of every N hours, daily at an hour (UTC), or a cron expression (UTC)."""

    every_hours: NotRequired[int]
    daily_at_hour: NotRequired[int]
    cron: NotRequired[str]
    """Five fields: minute hour day-of-month month day-of-week."""


class RetrainingConfigArgs(TypedDict):
    """A retraining pipeline run on a schedule (the endpoint's monitoring block only)."""

    pipeline: str
    """Azure ML: ARM id of a pipeline job to run again (``/subscriptions/.../jobs/<name>``); Vertex AI: a compiled pipeline template (``gs://.../pipeline.json`` or ``https://<region>-kfp.pkg.dev/...``)."""
    schedule: ScheduleConfigArgs
    """When a job runs: exactly one of every N hours, daily at an hour (UTC), or a cron expression (UTC)."""
    parameters: NotRequired[Mapping[str, Any]]
    """Pipeline parameters (Azure ML: literal inputs; Vertex AI: runtime parameter values). Default ``{}``."""
    pipeline_root: NotRequired[str]
    """Vertex AI: where the pipeline writes its artifacts (required there)."""


class AzureModelMonitoringConfigArgs(TypedDict):
    """Azure ML model monitoring: a data collector on the deployment and a monitor schedule on serverless Spark."""

    signals: SignalsConfigArgs
    """Which signals a monitor computes (at least one)."""
    features: NotRequired[Any]
    """Input features the data drift and data quality signals cover: ``all`` or a list. One of ``all``. Default ``"all"``."""
    production_window_days: NotRequired[int]
    """Days of production data each run analyses. Default ``7``."""
    reference: ReferenceDataConfigArgs
    """What production data is compared with: the training data, or a fixed past window of production data."""
    schedule: NotRequired[ScheduleConfigArgs]
    """When the monitor runs (dev: weekly, to stay cheap). Default ``{"every_hours": 168}`` / ``{"every_hours": 24}`` / ``{"every_hours": 24}``."""
    sampling_rate: NotRequired[float]
    """Share of requests collected for monitoring (Azure ML data collector, Vertex AI logging sample). Default ``0.1`` / ``0.25`` / ``0.5``."""
    task: NotRequired[str]
    """What the model does (Azure ML's monitoring target). One of ``classification``, ``regression``. Default ``"classification"``."""
    retraining: NotRequired[RetrainingConfigArgs]
    """A retraining pipeline run on a schedule (the endpoint's monitoring block only)."""
    paused: NotRequired[bool]
    """Stop the monitor's runs and keep it with its history (Azure ML disables the schedule, Vertex AI pauses the job). A paused monitor watches nothing: it does not count for prod's serving deployments. Default ``false``."""
    rolling_rate: NotRequired[str]
    """How often the data collector starts a new folder of collected data. One of ``Minute``, ``Hour``, ``Day``. Default ``"Hour"``."""
    spark_instance_type: NotRequired[str]
    """Serverless Spark pool of the monitoring job. One of ``standard_e4s_v3``, ``standard_e8s_v3``, ``standard_e16s_v3``, ``standard_e32s_v3``, ``standard_e64s_v3``. Default ``"standard_e4s_v3"`` / ``"standard_e4s_v3"`` / ``"standard_e8s_v3"``."""


class OnlineDeploymentConfigArgs(TypedDict):
    """A managed online deployment: one model version on its own instances."""

    model: Any
    """A model already in Azure ML (``azureml:<name>:<version>`` or an ARM id), or an MLflow registry version pinned by ``aiscale promote`` (registered in the workspace as a model version by the stack)."""
    instance_type: str
    """VM size of the deployment's instances (GPU sizes from the GPU table, or CPU sizes)."""
    environment: NotRequired[str]
    """Environment for non-MLflow models; MLflow models need none."""
    min_instances: NotRequired[int]
    """Default ``1`` / ``1`` / ``2``."""
    max_instances: NotRequired[int]
    """Default ``3``."""
    target_utilization_percentage: NotRequired[int]
    """Utilisation the autoscaler holds: GPU utilisation on GPU instance types, CPU utilisation otherwise. Default ``70``."""
    off_peak: NotRequired[OffPeakScalingConfigArgs]
    """Lower instance bounds during quiet hours."""
    request_timeout_ms: NotRequired[int]
    """Default ``5000``."""
    max_concurrent_requests_per_instance: NotRequired[int]
    """Default ``1``."""
    max_queue_wait_ms: NotRequired[int]
    """Default ``500``."""
    expected_requests_per_second: NotRequired[float]
    """Expected average request rate: the cost estimate gives the cost per 1,000 predictions at the floor and the ceiling capacity from it. Unset: no per-prediction figure."""
    liveness_probe: NotRequired[ProbeConfigArgs]
    """Liveness/readiness probe of a managed online deployment (seconds)."""
    readiness_probe: NotRequired[ProbeConfigArgs]
    """Liveness/readiness probe of a managed online deployment (seconds)."""
    monitoring: NotRequired[AzureModelMonitoringConfigArgs]
    """This deployment's own monitor (else the endpoint's monitoring block applies)."""


class EndpointSloConfigArgs(TypedDict):
    """Service level objectives of a model endpoint; alerts fire when they are missed."""

    latency_p95_ms: int
    latency_p99_ms: int
    error_rate_percent: NotRequired[float]
    """Share of requests answered with a server error (5xx) that is still acceptable. Default ``1.0``."""


class MetricGateConfigArgs(TypedDict):
    """A threshold on a metric logged on the model version's run (evaluation, load test)."""

    metric: str
    min: NotRequired[float]
    max: NotRequired[float]


class PromotionGatesConfigArgs(TypedDict):
    """What a model version must show before it is pinned in this environment."""

    metrics: NotRequired[Sequence[MetricGateConfigArgs]]
    """A threshold on a metric logged on the model version's run (evaluation, load test). Default ``[]``."""
    required_tags: NotRequired[Mapping[str, str]]
    """Tags the registry version must carry, e.g. ``validation_status: approved``. Default ``{}``."""
    primary_metric: NotRequired[str]
    """The candidate must be at least as good as the version the stable deployment serves on this metric."""
    higher_is_better: NotRequired[bool]
    """Default ``true``."""
    serving_in_staging: NotRequired[bool]
    """The version must already serve live traffic on the same endpoint of the staging stack. Default ``false`` / ``false`` / ``true``."""


class AnalysisMetricConfigArgs(TypedDict):
    """One metric of the analysis: a measurement succeeds at or below ``success_max`` and fails above ``failure_max``; between the two, or without data, it is inconclusive."""

    metric: str
    """One of ``latency_p95_ms``, ``latency_p99_ms``, ``error_rate_percent``."""
    success_max: float
    failure_max: float


class AnalysisConfigArgs(TypedDict):
    """Measurements of the candidate, modelled on Argo Rollouts' AnalysisRun."""

    interval_minutes: NotRequired[int]
    """Default ``5``."""
    count: NotRequired[int]
    """Measurements taken (the analysis window is ``count * interval_minutes``). Default ``6``."""
    failure_limit: NotRequired[int]
    """Failed measurements tolerated; one more rolls back. Default ``1``."""
    inconclusive_limit: NotRequired[int]
    """Inconclusive measurements tolerated; one more holds the rollout. Default ``2``."""
    min_requests: NotRequired[int]
    """A measurement with fewer candidate requests than this has no data (inconclusive, never success). Default ``50``."""
    metrics: Sequence[AnalysisMetricConfigArgs]
    """One metric of the analysis: a measurement succeeds at or below ``success_max`` and fails above"""


class RolloutConfigArgs(TypedDict):
    """How traffic moves to the candidate."""

    strategy: NotRequired[str]
    """``canary``: live traffic steps; ``blue_green``: mirror the first step's share, then switch all at once; ``shadow``: mirror only, never live (a candidate that passes stays for a human to switch). One of ``canary``, ``blue_green``, ``shadow``. Default ``"canary"``."""
    steps: NotRequired[Sequence[int]]
    """Candidate share after each promotion (canary); blue_green and shadow use the first step as mirror share. Default ``[10, 50, 100]``."""
    analysis: AnalysisConfigArgs
    """Measurements of the candidate, modelled on Argo Rollouts' AnalysisRun."""


class PromotionConfigArgs(TypedDict):
    """Promotion and progressive delivery of one endpoint: which deployment serves, which one is the candidate."""

    model: str
    """The registry alias candidates come from (``models:/fraud-detector@champion``)."""
    stable: str
    candidate: str
    artifact_uri_template: str
    """Where the platform reads a version's files, e.g. ``azureml://datastores/models/paths/{name}/{version}``: ``{version}`` (required) and ``{name}`` (the registered model's name) are the only placeholders."""
    gates: NotRequired[PromotionGatesConfigArgs]
    """What a model version must show before it is pinned in this environment."""
    rollout: RolloutConfigArgs
    """How traffic moves to the candidate."""
    audit_log: NotRequired[str]
    """Append-only log of every decision, relative to the project (it may not lead out of it). Default ``"audit/rollouts.jsonl"``."""


class OnlineEndpointConfigArgs(TypedDict):
    """A managed online endpoint with its deployments and traffic, reviewed as configuration."""

    auth_mode: NotRequired[str]
    """Token authentication only: key auth would put keys into Pulumi state. One of ``aad_token``, ``aml_token``. Default ``"aad_token"``."""
    public_network_access: NotRequired[bool]
    """Default ``false``."""
    deployments: Mapping[str, OnlineDeploymentConfigArgs]
    """A managed online deployment: one model version on its own instances."""
    traffic: Mapping[str, int]
    """Live traffic per deployment, percentages summing to 100."""
    mirror_traffic: NotRequired[Mapping[str, int]]
    """Shadow traffic copied to deployments that take no live traffic; at most 50 in total. Default ``{}``."""
    slo: EndpointSloConfigArgs
    """Service level objectives of a model endpoint; alerts fire when they are missed."""
    promotion: NotRequired[PromotionConfigArgs]
    """Promotion gates and progressive delivery (``aiscale promote``, ``aiscale rollout``)."""
    monitoring: NotRequired[AzureModelMonitoringConfigArgs]
    """Model monitoring of every deployment without its own block (prod: every serving deployment is monitored)."""


class AzureMlConfigArgs(TypedDict):
    """The Azure ML workspace, its dependent resources and its online endpoints."""

    workspace_name: str
    storage_account_name: str
    container_registry_name: str
    key_vault_name: str
    """The workspace's own vault for secrets (separate from the platform's key vault)."""
    isolation_mode: NotRequired[str]
    """Managed network isolation of the workspace. One of ``AllowInternetOutbound``, ``AllowOnlyApprovedOutbound``. Default ``"AllowInternetOutbound"`` / ``"AllowOnlyApprovedOutbound"`` / ``"AllowOnlyApprovedOutbound"``."""
    high_business_impact: NotRequired[bool]
    """HBI workspace: less diagnostic data collected by Microsoft, encrypted local scratch. Default ``false`` / ``false`` / ``true``."""
    endpoints: NotRequired[Mapping[str, OnlineEndpointConfigArgs]]
    """A managed online endpoint with its deployments and traffic, reviewed as configuration. Default ``{}``."""


class BudgetConfigArgs(TypedDict):
    """A monthly cost budget with notifications (both clouds)."""

    amount: float
    """Monthly amount in the billing currency."""
    currency: NotRequired[str]
    """ISO 4217 code; Google Cloud budgets need it, Azure uses the billing account's currency. Default ``"EUR"``."""
    start_date: str
    """First day of the first budgeted month, ``YYYY-MM-01``. Fixed in config: Azure rejects later changes."""
    end_date: NotRequired[str]
    """Optional last day (``YYYY-MM-DD``); open-ended when unset."""
    actual_thresholds: NotRequired[Sequence[int]]
    """Notify when actual spend reaches these percentages of the amount. Default ``[50, 80, 100]``."""
    forecast_thresholds: NotRequired[Sequence[int]]
    """Notify when forecast spend reaches these percentages. Default ``[100]``."""
    contact_emails: Sequence[str]
    tag_filter: NotRequired[Mapping[str, Sequence[str]]]
    """Count only resources carrying one of these tag (Azure) / label (GCP) values. Default ``{}``."""


class AlertRoutingConfigArgs(TypedDict):
    """Where alerts go (both clouds)."""

    emails: Sequence[str]
    webhook_url: NotRequired[pulumi.Input[str]]
    """Incoming webhook (chat, paging). A secret: ``pulumi config set --secret --path``. As an argument: a Pulumi secret."""
    runbook_base_url: str
    """Each alert links to ``<runbook_base_url>/<alert-name>``."""


class MonitoringConfigArgs(TypedDict):
    """Log retention, alert routing and alert thresholds (both clouds)."""

    log_retention_days: NotRequired[int]
    """Retention of the platform's logs (Log Analytics workspace; Cloud Logging ``_Default`` bucket). Default ``30`` / ``60`` / ``90``."""
    alerts: AlertRoutingConfigArgs
    """Where alerts go (both clouds)."""
    gpu_idle_hours: NotRequired[int]
    """Alert when a GPU pool has nodes but no GPU use for this long (unset: no idle alert). Default ``2`` / ``4`` / ``null``."""
    pool_at_max_minutes: NotRequired[int]
    """Alert when a GPU pool stays at max_nodes this long. Default ``30``."""
    utilization_percent: NotRequired[int]
    """CPU/GPU utilisation of endpoint instances that raises an alert. Default ``90``."""


class WorkloadScalingConfigArgs(TypedDict):
    """What a team's inference workload scales on (a KEDA Prometheus trigger on the managed Prometheus)."""

    signal: NotRequired[str]
    """``queue_depth``: requests waiting per replica; ``gpu_utilization``: DCGM GPU utilisation per replica (%). One of ``queue_depth``, ``gpu_utilization``. Default ``"queue_depth"``."""
    target: float
    """Value per replica the autoscaler holds."""
    queue_metric: NotRequired[str]
    """Gauge of waiting requests the model server exports (default: Triton's). Default ``"nv_inference_pending_request_count"``."""
    activation_query: NotRequired[str]
    """PromQL measured outside the workload's pods (a gateway's request rate to it): above 0 it wakes a workload scaled to zero. Required with ``min_replicas: 0``."""


class InferenceWorkloadConfigArgs(TypedDict):
    """A team's GPU model server on the cluster, autoscaled by KEDA."""

    image: str
    """Model server image with a tag or digest."""
    gpu_pools: Sequence[str]
    """GPU pools of the cluster the pods may run on."""
    min_replicas: NotRequired[int]
    """0 scales to zero when idle (not in prod; needs ``scaling.activation_query``). Default ``1``."""
    max_replicas: int
    gpus_per_replica: NotRequired[int]
    """Default ``1``."""
    cpu: NotRequired[str]
    """Default ``"4"``."""
    memory: NotRequired[str]
    """Default ``"16Gi"``."""
    port: NotRequired[int]
    """HTTP port of the model server (Triton: 8000). Default ``8000``."""
    metrics_port: NotRequired[int]
    """Port of the model server's Prometheus metrics (Triton: 8002). Default ``8002``."""
    scaling: WorkloadScalingConfigArgs
    """What a team's inference workload scales on (a KEDA Prometheus trigger on the managed Prometheus)."""


class AzureTeamConfigArgs(TypedDict):
    """A team on the AKS cluster."""

    workloads: NotRequired[Mapping[str, InferenceWorkloadConfigArgs]]
    """Model servers deployed in the team's namespace, each autoscaled by KEDA. Default ``{}``."""
    gpu_quota: int
    """GPUs the team's pods may request in total."""
    cpu_quota: str
    """CPU requests and limits in total (``"64"``)."""
    memory_quota: str
    """Memory requests and limits in total (``"256Gi"``)."""
    pod_security: NotRequired[str]
    """Pod Security Admission level; ``baseline`` only for GPU images that cannot run under ``restricted``. One of ``restricted``, ``baseline``. Default ``"restricted"``."""
    gateway_namespaces: NotRequired[Sequence[str]]
    """Namespaces (ingress controllers, gateways) allowed to reach the team's pods. Default ``[]``."""
    egress_cidrs: NotRequired[Sequence[str]]
    """Private ranges the team's pods may reach (private endpoints of storage, registries, databases). Default ``[]``."""
    https_egress: NotRequired[bool]
    """HTTPS to public addresses (token exchange, model downloads); off behind an egress firewall. Default ``true``."""
    group_object_id: str
    """Entra ID group of the team: deploys in its namespace, may fetch cluster credentials."""


class AzureAuditConfigArgs(TypedDict):
    """The subscription's audit trail: the activity log in Log Analytics and in write-once (WORM) blob storage."""

    storage_account_name: str
    """Globally unique name of the audit storage account (3-24 lowercase letters and digits)."""
    categories: NotRequired[Sequence[str]]
    """Activity log categories exported: who changed what (``Administrative``), Defender findings (``Security``), Azure Policy decisions (``Policy``) and fired alerts (``Alert``) by default. One of ``Administrative``, ``Security``, ``Policy``, ``Alert``, ``ServiceHealth``, ``Recommendation``, ``Autoscale``, ``ResourceHealth``. Default ``["Administrative", "Security", "Policy", "Alert"]``."""
    worm_retention_days: NotRequired[int]
    """Days each exported blob stays write-once (a time-based retention policy on the containers, protected append writes allowed): nobody can change or delete it before then, whatever their role. Default ``1`` / ``7`` / ``365``."""
    table_retention_days: NotRequired[int]
    """Total retention of the audit tables in Log Analytics (``AzureActivity``, ``AZKVAuditLogs``); beyond the workspace's interactive retention the rows stay searchable in the long-term tier. Default ``90`` / ``365`` / ``2557``."""
    locked: NotRequired[bool]
    """A ``CanNotDelete`` management lock on the audit storage account. The WORM policy already keeps every blob for its period; with the lock nobody deletes the account either, until an Owner removes the lock. Needs ``protect_stateful`` (Pulumi must not try to delete what the lock keeps). Default ``false`` / ``false`` / ``true``."""
    delivery_writer_principal_id: NotRequired[str]
    """Object id of the CI identity that ships ``aiscale promote`` / ``aiscale rollout`` decisions (the audit JSON lines) into the ``aiscale-delivery`` container: it gets Storage Blob Data Contributor on that container only."""


class AzureCostConfigArgs(TypedDict):
    """Cost attribution settings of the subscription (Cost Management)."""

    anomaly_alert: NotRequired[bool]
    """A daily cost anomaly alert (a Cost Management insight alert, subscription scope) mailed to the budget's contacts, with the runbook link when monitoring is configured. Needs the budget section. Default ``true``."""
    tag_inheritance: NotRequired[bool]
    """Cost Management applies the subscription's and resource groups' tags to the cost records of resources that lack them (the nodes AKS creates, for instance). A setting of the whole subscription: turn it on only where the stack owns the subscription. Default ``false``."""


class AzureConfigArgs(TypedDict):
    """Where and how aiscale deploys on Azure."""

    subscription_id: str
    tenant_id: str
    """Entra ID tenant of the Key Vault and of RBAC role assignments."""
    location: str
    """Azure region, e.g. ``westeurope``."""
    resource_group: str
    """Resource group the platform is deployed into (created by the stack)."""
    key_vault: AzureKeyVaultConfigArgs
    """The stack's Key Vault: RBAC, purge protection, no public network access by default."""
    cmk: NotRequired[CmkConfigArgs]
    """Customer-managed keys: which Key Vault key encrypts what."""
    network: NotRequired[AzureNetworkConfigArgs]
    """The platform's virtual network: one subnet per role, an NSG on each, private DNS for private endpoints."""
    aks: NotRequired[AksConfigArgs]
    """The AKS cluster."""
    gpu_pools: NotRequired[Mapping[str, AzureGpuPoolConfigArgs]]
    """An AKS GPU node pool (a separate ``AgentPool``). Default ``{}``."""
    ml: NotRequired[AzureMlConfigArgs]
    """The Azure ML workspace, its dependent resources and its online endpoints."""
    budget: NotRequired[BudgetConfigArgs]
    """A monthly cost budget with notifications (both clouds)."""
    budget_scope: NotRequired[str]
    """One of ``resource_group``, ``subscription``. Default ``"resource_group"``."""
    lock: NotRequired[str]
    """An Azure management lock on every stateful resource (key vaults, cluster, ML workspace, its storage and registry, the monitoring workspaces), on top of ``protect_stateful``. Deploying it needs ``Microsoft.Authorization/locks/write`` (Owner or User Access Administrator); ``ReadOnly`` also blocks scaling and key rotation policy changes, so ``CanNotDelete`` is the usual choice. One of ``CanNotDelete``, ``ReadOnly``."""
    monitoring: NotRequired[MonitoringConfigArgs]
    """Log retention, alert routing and alert thresholds (both clouds)."""
    teams: NotRequired[Mapping[str, AzureTeamConfigArgs]]
    """Team namespaces on the AKS cluster, by team name (also the namespace name). Default ``{}``."""
    audit: NotRequired[AzureAuditConfigArgs]
    """Export the subscription's activity log to Log Analytics and WORM storage, with alerts on sensitive operations (needs ``monitoring``)."""
    cost: NotRequired[AzureCostConfigArgs]
    """Cost anomaly alert and tag inheritance of the subscription."""


class GcpKeyConfigArgs(TypedDict):
    """A symmetric Cloud KMS key."""

    rotation_days: NotRequired[int]
    """Automatic rotation period in days (CIS: at most 90). Default ``90``."""
    protection_level: NotRequired[str]
    """One of ``SOFTWARE``, ``HSM``. Default ``"SOFTWARE"`` / ``"SOFTWARE"`` / ``"HSM"``."""
    destroy_scheduled_days: NotRequired[int]
    """Days a destroyed key version stays recoverable. Default ``1`` / ``30`` / ``30``."""
    consumers: NotRequired[Sequence[str]]
    """Further services whose agents get ``roles/cloudkms.cryptoKeyEncrypterDecrypter`` on this key (those of the ``cmek`` section are added automatically). One of ``aiplatform``, ``container``, ``compute``, ``storage``, ``logging``, ``pubsub``, ``bigquery``. Default ``[]``."""


class GcpKmsConfigArgs(TypedDict):
    """The stack's key ring and its keys."""

    key_ring: str
    """Key ring name; key rings can never be deleted, so pick it once."""
    location: NotRequired[str]
    """Key ring location; defaults to the stack's region (CMEK keys must be in the consumer's region)."""
    keys: NotRequired[Mapping[str, GcpKeyConfigArgs]]
    """A symmetric Cloud KMS key. Default ``{}``."""


class GcpCmekConfigArgs(TypedDict):
    """Customer-managed encryption keys: which Cloud KMS key encrypts what. Each consumer's service agent gets the key role automatically."""

    enabled: NotRequired[bool]
    """Default ``false`` / ``true`` / ``true``."""
    gke_secrets_key: NotRequired[str]
    """Application-layer encryption of Kubernetes secrets (container service agent). Default ``"gke"``."""
    boot_disk_key: NotRequired[str]
    """Boot disks of every node pool (compute service agent). Default ``"gke"``."""
    vertex_key: NotRequired[str]
    """Vertex AI endpoints and uploaded models (Vertex AI service agent). Default ``"platform"``."""
    log_bucket_key: NotRequired[str]
    """The audit log bucket (Cloud Logging service agent); the key must be in the bucket's region. Default ``"platform"``."""
    pubsub_key: NotRequired[str]
    """The budget's notification topic (Pub/Sub service agent). Default ``"platform"``."""


class GcpNetworkConfigArgs(TypedDict):
    """The platform's VPC: one subnet for the cluster with secondary ranges, NAT egress, private service access."""

    subnet: str
    """Primary range of the cluster subnet (nodes)."""
    pods_range: str
    """Secondary range for pods (VPC-native cluster)."""
    services_range: str
    """Secondary range for services."""
    master_range: str
    """``/28`` for the private control plane."""
    private_service_access_range: NotRequired[str]
    """Range reserved for Google services peered into the VPC (Vertex AI endpoints on VPC peering), ``/16``-``/24``."""
    flow_log_sampling: NotRequired[float]
    """Share of flows recorded in VPC flow logs. Default ``0.1`` / ``0.5`` / ``0.5``."""


class GkeSystemPoolConfigArgs(TypedDict):
    """The cluster's general-purpose pool (system add-ons and CPU workloads)."""

    machine_type: NotRequired[str]
    """Default ``"e2-standard-4"``."""
    min_nodes: NotRequired[int]
    """Per zone of the regional cluster. Default ``1`` / ``1`` / ``2``."""
    max_nodes: NotRequired[int]
    """Default ``2`` / ``3`` / ``4``."""


class GkeConfigArgs(TypedDict):
    """The regional GKE cluster: private nodes, workload identity, Dataplane V2, managed Prometheus with DCGM."""

    name: str
    release_channel: NotRequired[str]
    """One of ``REGULAR``, ``STABLE``. Default ``"REGULAR"`` / ``"REGULAR"`` / ``"STABLE"``."""
    private_endpoint: NotRequired[bool]
    """Control plane reachable on its private address only (from the VPC, peered networks and VPN). Default ``true``."""
    authorized_networks: NotRequired[Sequence[str]]
    """Source ranges allowed to reach the control plane (required when ``private_endpoint`` is off). Default ``[]``."""
    system_pool: NotRequired[GkeSystemPoolConfigArgs]
    """The cluster's general-purpose pool (system add-ons and CPU workloads)."""
    zones: NotRequired[Sequence[str]]
    """Zones of the nodes (default: the region's zones GKE picks). Default ``[]``."""
    maintenance_window: NotRequired[MaintenanceWindowConfigArgs]
    """Weekly window (UTC) for Kubernetes and node upgrades (both clouds)."""
    deletion_protection: NotRequired[bool]
    """Default ``false`` / ``false`` / ``true``."""
    cost_allocation: NotRequired[bool]
    """GKE cost allocation: Cloud Billing splits the cluster's cost by namespace (one namespace per team) and Kubernetes label in the billing export. Default ``true``."""
    security_group: NotRequired[str]
    """Google Groups for RBAC (``gke-security-groups@<domain>``): lets team group bindings work."""


class GcpGpuPoolConfigArgs(TypedDict):
    """A GKE GPU node pool."""

    min_nodes: NotRequired[int]
    """Lowest node count; 0 scales the pool to zero when idle (the default outside prod). Default ``0`` / ``0`` / ``1``."""
    max_nodes: int
    """Highest node count the autoscaler may reach (also the cost ceiling)."""
    spot: NotRequired[bool]
    """Spot / preemptible capacity: much cheaper, can be evicted; for interruptible work only. Default ``false``."""
    expected_utilization_percent: NotRequired[int]
    """Expected average use of the autoscaling range: the cost estimate expects min_nodes + (max_nodes - min_nodes) x this / 100 nodes. Unset: the estimate gives only the floor (min_nodes) and the ceiling (max_nodes)."""
    driver: NotRequired[str]
    """Who installs the NVIDIA driver: ``platform`` (AKS or GKE, from the node image) or ``operator`` (the NVIDIA GPU operator, installed by the stack). One cluster uses one of the two for all its pools. One of ``platform``, ``operator``. Default ``"platform"``."""
    machine_type: str
    """A GPU machine type from the table in ``aiscale.core.gpu`` (e.g. ``g2-standard-8``, ``a2-highgpu-1g``)."""
    purpose: NotRequired[str]
    """Becomes the ``aiscale.io/purpose`` node label. One of ``serving``, ``training``, ``batch``. Default ``"serving"``."""
    driver_version: NotRequired[str]
    """Version of the GKE-installed driver (``driver: platform``); the GPU operator brings its own (Ubuntu images). One of ``DEFAULT``, ``LATEST``. Default ``"DEFAULT"``."""
    partition_size: NotRequired[str]
    """MIG partition size (``1g.5gb`` ...) on A100/H100 machine types."""
    sharing: NotRequired[str]
    """GPU sharing between containers. One of ``TIME_SHARING``, ``MPS``."""
    max_shared_clients: NotRequired[int]
    """Containers sharing one GPU (with ``sharing``)."""
    zones: NotRequired[Sequence[str]]
    """Zones where the accelerator is offered (default: the cluster's). Default ``[]``."""
    disk_size_gb: NotRequired[int]
    """Default ``200``."""
    labels: NotRequired[Mapping[str, str]]
    """Default ``{}``."""
    team: NotRequired[str]
    """The team (of ``teams``) that owns the pool: its nodes carry the ``team`` resource label and ``aiscale.io/team`` node label, so the pool's cost is the team's. Unset: a pool shared by every team."""


class VertexModelConfigArgs(TypedDict):
    """A model to upload to the Vertex AI Model Registry: artifacts plus the serving container."""

    artifact_uri: str
    """Directory of the model artifacts in Cloud Storage."""
    serving_container_image: str
    """Serving image with a tag or digest (a prebuilt Vertex container or your own in Artifact Registry)."""
    version_labels: NotRequired[Mapping[str, str]]
    """Further labels of the uploaded model. Default ``{}``."""
    registry: NotRequired[str]
    """The MLflow alias the version was resolved from (``aiscale promote`` writes it with ``version``)."""
    version: NotRequired[int]
    """The pinned MLflow registry version: the uploaded model is labelled with it."""


class VertexModelMonitoringConfigArgs(TypedDict):
    """Vertex AI model deployment monitoring: request logging to BigQuery and one monitoring job per endpoint."""

    signals: SignalsConfigArgs
    """Which signals a monitor computes (at least one)."""
    features: NotRequired[Any]
    """Input features the data drift and data quality signals cover: ``all`` or a list. One of ``all``. Default ``"all"``."""
    production_window_days: NotRequired[int]
    """Days of production data each run analyses. Default ``7``."""
    reference: ReferenceDataConfigArgs
    """What production data is compared with: the training data, or a fixed past window of production data."""
    schedule: NotRequired[ScheduleConfigArgs]
    """When the monitor runs (dev: weekly, to stay cheap). Default ``{"every_hours": 168}`` / ``{"every_hours": 24}`` / ``{"every_hours": 24}``."""
    sampling_rate: NotRequired[float]
    """Share of requests collected for monitoring (Azure ML data collector, Vertex AI logging sample). Default ``0.1`` / ``0.25`` / ``0.5``."""
    task: NotRequired[str]
    """What the model does (Azure ML's monitoring target). One of ``classification``, ``regression``. Default ``"classification"``."""
    retraining: NotRequired[RetrainingConfigArgs]
    """A retraining pipeline run on a schedule (the endpoint's monitoring block only)."""
    paused: NotRequired[bool]
    """Stop the monitor's runs and keep it with its history (Azure ML disables the schedule, Vertex AI pauses the job). A paused monitor watches nothing: it does not count for prod's serving deployments. Default ``false``."""


class VertexDeploymentConfigArgs(TypedDict):
    """One model deployed to an endpoint on dedicated resources."""

    model: VertexModelConfigArgs
    """A model to upload to the Vertex AI Model Registry: artifacts plus the serving container."""
    machine_type: str
    """Machine type; GPU machine types (``g2-standard-8``) bring their accelerators from the GPU table."""
    min_replicas: NotRequired[int]
    """Default ``1`` / ``1`` / ``2``."""
    max_replicas: NotRequired[int]
    """Default ``3``."""
    target_utilization_percentage: NotRequired[int]
    """Autoscaling target: accelerator duty cycle on GPU machines, CPU utilisation otherwise. Default ``60``."""
    expected_requests_per_second: NotRequired[float]
    """Expected average request rate: the cost estimate gives the cost per 1,000 predictions at the floor and the ceiling capacity from it. Unset: no per-prediction figure."""
    monitoring: NotRequired[VertexModelMonitoringConfigArgs]
    """This deployment's own monitoring objectives (else the endpoint's monitoring block applies). Vertex AI runs one monitoring job per endpoint: schedule, production window and sampling rate must match the endpoint's."""


class VertexEndpointConfigArgs(TypedDict):
    """A Vertex AI endpoint with its deployed models and traffic, reviewed as configuration."""

    network_access: NotRequired[str]
    """How clients reach the endpoint; Private Service Connect and VPC peering are exclusive by construction. One of ``private_service_connect``, ``vpc_peering``, ``public``. Default ``"private_service_connect"``."""
    deployments: Mapping[str, VertexDeploymentConfigArgs]
    """One model deployed to an endpoint on dedicated resources."""
    traffic: Mapping[str, int]
    """Traffic per deployment, percentages summing to 100."""
    request_logging_sampling: NotRequired[float]
    """Share of requests and responses logged to BigQuery: to a dataset the stack creates (CMEK, the region, the stack's labels), or to ``request_logging_table``. A monitored endpoint logs at its monitoring sampling rate."""
    request_logging_table: NotRequired[str]
    """An existing BigQuery table (or dataset) outside the stack that receives the request-response logs."""
    slo: EndpointSloConfigArgs
    """Service level objectives of a model endpoint; alerts fire when they are missed."""
    health_check_path: NotRequired[str]
    """Public endpoints only: an uptime check probes this path of the endpoint's host."""
    promotion: NotRequired[PromotionConfigArgs]
    """Promotion gates and canary rollout (``aiscale promote``, ``aiscale rollout``)."""
    monitoring: NotRequired[VertexModelMonitoringConfigArgs]
    """Model deployment monitoring of every deployment without its own block (prod: every serving deployment)."""


class GcpTeamConfigArgs(TypedDict):
    """A team on the GKE cluster."""

    workloads: NotRequired[Mapping[str, InferenceWorkloadConfigArgs]]
    """Model servers deployed in the team's namespace, each autoscaled by KEDA. Default ``{}``."""
    gpu_quota: int
    """GPUs the team's pods may request in total."""
    cpu_quota: str
    """CPU requests and limits in total (``"64"``)."""
    memory_quota: str
    """Memory requests and limits in total (``"256Gi"``)."""
    pod_security: NotRequired[str]
    """Pod Security Admission level; ``baseline`` only for GPU images that cannot run under ``restricted``. One of ``restricted``, ``baseline``. Default ``"restricted"``."""
    gateway_namespaces: NotRequired[Sequence[str]]
    """Namespaces (ingress controllers, gateways) allowed to reach the team's pods. Default ``[]``."""
    egress_cidrs: NotRequired[Sequence[str]]
    """Private ranges the team's pods may reach (private endpoints of storage, registries, databases). Default ``[]``."""
    https_egress: NotRequired[bool]
    """HTTPS to public addresses (token exchange, model downloads); off behind an egress firewall. Default ``true``."""
    group_email: str
    """Google group of the team (a member of the cluster's ``security_group``): deploys in its namespace."""


class GcpAuditConfigArgs(TypedDict):
    """The project's audit trail: Data Access audit logs on, and every Cloud Audit Log routed into a log bucket with its own retention (CMEK with ``cmek``, locked in prod)."""

    services: NotRequired[Sequence[str]]
    """Services whose Data Access audit logs are turned on: Vertex AI, Cloud KMS, GKE, Cloud Storage. One of ``aiplatform``, ``cloudkms``, ``container``, ``storage``. Default ``["aiplatform", "cloudkms", "container", "storage"]``."""
    log_types: NotRequired[Sequence[str]]
    """Data Access log types: reads and writes of data (``DATA_READ``, ``DATA_WRITE``); ``ADMIN_READ`` adds reads of configuration (high volume, billed by Cloud Logging). One of ``DATA_READ``, ``DATA_WRITE``, ``ADMIN_READ``. Default ``["DATA_READ", "DATA_WRITE"]``."""
    bucket_id: NotRequired[str]
    """Id of the audit log bucket (in the stack's region). Default ``"aiscale-audit"``."""
    retention_days: NotRequired[int]
    """Days the audit log bucket keeps entries. Default ``7`` / ``30`` / ``400``."""
    locked: NotRequired[bool]
    """Lock the audit log bucket: its retention can then never be shortened and it can be deleted only once empty (irreversible). Needs ``protect_stateful``. Default ``false`` / ``false`` / ``true``."""


class GcpConfigArgs(TypedDict):
    """Where and how aiscale deploys on Google Cloud."""

    project: str
    """Project id."""
    project_number: str
    """Project number; service agent e-mail addresses are derived from it (no lookup at deploy time)."""
    region: str
    """Region, e.g. ``europe-west4``."""
    kms: GcpKmsConfigArgs
    """The stack's key ring and its keys."""
    cmek: NotRequired[GcpCmekConfigArgs]
    """Customer-managed encryption keys: which Cloud KMS key encrypts what. Each consumer's service agent gets"""
    network: NotRequired[GcpNetworkConfigArgs]
    """The platform's VPC: one subnet for the cluster with secondary ranges, NAT egress, private service access."""
    gke: NotRequired[GkeConfigArgs]
    """The regional GKE cluster: private nodes, workload identity, Dataplane V2, managed Prometheus with DCGM."""
    gpu_pools: NotRequired[Mapping[str, GcpGpuPoolConfigArgs]]
    """A GKE GPU node pool. Default ``{}``."""
    endpoints: NotRequired[Mapping[str, VertexEndpointConfigArgs]]
    """Vertex AI endpoints by name. Default ``{}``."""
    billing_account: NotRequired[str]
    """Billing account of the project (for the budget)."""
    budget: NotRequired[BudgetConfigArgs]
    """A budget publishes its notifications to a Pub/Sub topic the stack creates (``<project>-budget``, CMEK with ``cmek``) as well as mailing them: subscribe automation (scaling pools down) to it."""
    monitoring: NotRequired[MonitoringConfigArgs]
    """Log retention, alert routing and alert thresholds (both clouds)."""
    teams: NotRequired[Mapping[str, GcpTeamConfigArgs]]
    """Team namespaces on the GKE cluster, by team name (also the namespace name). Default ``{}``."""
    audit: NotRequired[GcpAuditConfigArgs]
    """Data Access audit logs and a log bucket holding every Cloud Audit Log (needs ``monitoring`` for its alert)."""


class AzureGpuInferencePlatformArgs(TypedDict):
    """The Azure platform of one stack: the ``aiscale:*`` settings of a stack file, as arguments."""

    environment: NotRequired[str]
    """``dev``, ``staging`` or ``prod``; defaults to what the stack name says (see Environment above). A stack whose name gives an environment cannot declare another one. One of ``dev``, ``staging``, ``prod``."""
    owner: str
    """Team or person accountable for the stack; becomes the ``owner`` tag/label."""
    cost_center: str
    """Cost centre charged for the stack; becomes the ``cost-center`` tag/label."""
    tags: NotRequired[Mapping[str, str]]
    """Extra tags (Azure) and labels (GCP, normalised) on every resource. Default ``{}``."""
    protect_stateful: NotRequired[bool]
    """Mark every stateful resource ``protect`` (keys, vaults, workspaces, registries, storage, clusters, resource groups: ``aiscale.core.stateful``) so Pulumi refuses to delete it. Turning it off in prod is a mandatory finding (``ml-protect-01``) that only a central waiver covers. Default ``false`` / ``false`` / ``true``."""
    allowed_locations: NotRequired[Sequence[str]]
    """Data residency: the regions (and multi-regions such as ``EU``) the stack's resources may be in. The stack's own locations must be among them, and policy ``ml-residency-01`` checks every resource the program registers (mandatory in prod). ``global`` (alerts, DNS zones, IAM) is always allowed. Empty: anywhere. Default ``[]``."""
    azure: AzureConfigArgs
    """Deploy on Azure."""


class GcpGpuInferencePlatformArgs(TypedDict):
    """The Google Cloud platform of one stack: the ``aiscale:*`` settings of a stack file, as arguments."""

    environment: NotRequired[str]
    """``dev``, ``staging`` or ``prod``; defaults to what the stack name says (see Environment above). A stack whose name gives an environment cannot declare another one. One of ``dev``, ``staging``, ``prod``."""
    owner: str
    """Team or person accountable for the stack; becomes the ``owner`` tag/label."""
    cost_center: str
    """Cost centre charged for the stack; becomes the ``cost-center`` tag/label."""
    tags: NotRequired[Mapping[str, str]]
    """Extra tags (Azure) and labels (GCP, normalised) on every resource. Default ``{}``."""
    protect_stateful: NotRequired[bool]
    """Mark every stateful resource ``protect`` (keys, vaults, workspaces, registries, storage, clusters, resource groups: ``aiscale.core.stateful``) so Pulumi refuses to delete it. Turning it off in prod is a mandatory finding (``ml-protect-01``) that only a central waiver covers. Default ``false`` / ``false`` / ``true``."""
    allowed_locations: NotRequired[Sequence[str]]
    """Data residency: the regions (and multi-regions such as ``EU``) the stack's resources may be in. The stack's own locations must be among them, and policy ``ml-residency-01`` checks every resource the program registers (mandatory in prod). ``global`` (alerts, DNS zones, IAM) is always allowed. Empty: anywhere. Default ``[]``."""
    gcp: GcpConfigArgs
    """Deploy on Google Cloud."""

"""Google Cloud section of the stack configuration (``aiscale:gcp``).

The vocabulary matches the Azure section wherever the concept is the same (GPU pool scaling, endpoint SLOs, budget,
alert routing, maintenance window, teams), so a team moves between clouds by changing the provider section.
"""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from aiscale.core import gpu, monitoring, rules
from aiscale.core.config.base import StrictModel, preset
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
from aiscale.core.config.delivery import PromotionConfig, RegistryRef
from aiscale.core.config.monitoring import (
    TeamWorkloadsConfig,
    VertexModelMonitoringConfig,
    mig_pool_problems,
    workload_problem,
)

GcpRegion = Annotated[str, StringConstraints(pattern=r"^[a-z]+-[a-z]+[0-9]+$")]
GcpZone = Annotated[str, StringConstraints(pattern=r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")]
KmsName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_-]{1,63}$")]
ResourceName = Annotated[str, StringConstraints(pattern=r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$")]
"""A Compute Engine / GKE resource name: lowercase letters, digits and hyphens, at most 40 characters."""

#: Budgets notify at most five Cloud Monitoring notification channels.
GCP_MAX_BUDGET_CHANNELS = 5
#: Private ranges GKE and Vertex accept for nodes, pods, services and peering.
_PRIVATE_RANGES = tuple(IPv4Network(r) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))


class ProtectionLevel(StrEnum):
    SOFTWARE = "SOFTWARE"
    HSM = "HSM"


class ServiceAgent(StrEnum):
    """Google services whose service agent encrypts with a key (CMEK consumers)."""

    aiplatform = "aiplatform"
    """Vertex AI endpoints, models and datasets."""
    container = "container"
    """GKE application-layer secrets encryption."""
    compute = "compute"
    """Persistent disks, including GKE node boot disks."""
    storage = "storage"
    """Cloud Storage buckets."""
    logging = "logging"
    """Cloud Logging buckets (the audit log bucket)."""
    pubsub = "pubsub"
    """Pub/Sub topics (the budget's notification topic)."""
    bigquery = "bigquery"
    """BigQuery datasets (the request-response logs of monitored endpoints)."""


class GcpKeyConfig(StrictModel):
    """A symmetric Cloud KMS key."""

    rotation_days: int = Field(default=90, ge=1, le=rules.MAX_KEY_ROTATION_DAYS)
    """Automatic rotation period in days (CIS: at most 90)."""
    protection_level: ProtectionLevel = preset(
        dev=ProtectionLevel.SOFTWARE, staging=ProtectionLevel.SOFTWARE, prod=ProtectionLevel.HSM
    )
    destroy_scheduled_days: int = preset(dev=1, staging=30, prod=30, ge=1, le=120)
    """Days a destroyed key version stays recoverable."""
    consumers: list[ServiceAgent] = Field(default_factory=list)
    """Further services whose agents get ``roles/cloudkms.cryptoKeyEncrypterDecrypter`` on this key (those of
    the ``cmek`` section are added automatically)."""


class GcpKmsConfig(StrictModel):
    """The stack's key ring and its keys."""

    key_ring: KmsName
    """Key ring name; key rings can never be deleted, so pick it once."""
    location: GcpRegion | None = None
    """Key ring location; defaults to the stack's region (CMEK keys must be in the consumer's region)."""
    keys: dict[KmsName, GcpKeyConfig] = Field(default_factory=dict)


class GcpCmekConfig(StrictModel):
    """Customer-managed encryption keys: which Cloud KMS key encrypts what. Each consumer's service agent gets
    the key role automatically."""

    enabled: bool = preset(dev=False, staging=True, prod=True)
    gke_secrets_key: KmsName = "gke"
    """Application-layer encryption of Kubernetes secrets (container service agent)."""
    boot_disk_key: KmsName = "gke"
    """Boot disks of every node pool (compute service agent)."""
    vertex_key: KmsName = "platform"
    """Vertex AI endpoints and uploaded models (Vertex AI service agent)."""
    log_bucket_key: KmsName = "platform"
    """The audit log bucket (Cloud Logging service agent); the key must be in the bucket's region."""
    pubsub_key: KmsName = "platform"
    """The budget's notification topic (Pub/Sub service agent)."""


class GcpNetworkConfig(StrictModel):
    """The platform's VPC: one subnet for the cluster with secondary ranges, NAT egress, private service access."""

    subnet: IPv4Network
    """Primary range of the cluster subnet (nodes)."""
    pods_range: IPv4Network
    """Secondary range for pods (VPC-native cluster)."""
    services_range: IPv4Network
    """Secondary range for services."""
    master_range: IPv4Network
    """``/28`` for the private control plane."""
    private_service_access_range: IPv4Network | None = None
    """Range reserved for Google services peered into the VPC (Vertex AI endpoints on VPC peering), ``/16``-``/24``."""
    flow_log_sampling: float = preset(dev=0.1, staging=0.5, prod=0.5, gt=0, le=1)
    """Share of flows recorded in VPC flow logs."""

    @model_validator(mode="after")
    def _layout(self) -> GcpNetworkConfig:
        ranges = {
            name: value
            for name, value in (
                ("subnet", self.subnet),
                ("pods_range", self.pods_range),
                ("services_range", self.services_range),
                ("master_range", self.master_range),
                ("private_service_access_range", self.private_service_access_range),
            )
            if value is not None
        }
        for name, value in ranges.items():
            if not any(value.subnet_of(private) for private in _PRIVATE_RANGES):
                raise ValueError(f"{name} {value} is not a private range (RFC 1918 or 100.64.0.0/10)")
        names = list(ranges)
        for index, first in enumerate(names):
            for second in names[index + 1 :]:
                if ranges[first].overlaps(ranges[second]):
                    raise ValueError(f"{first} {ranges[first]} overlaps {second} {ranges[second]}")
        if self.master_range.prefixlen != 28:
            raise ValueError(f"master_range {self.master_range} must be a /28 (GKE's private control plane)")
        psa = self.private_service_access_range
        if psa is not None and not 16 <= psa.prefixlen <= 24:
            raise ValueError(f"private_service_access_range {psa} must be /16 to /24")
        return self


class GkeSystemPoolConfig(StrictModel):
    """The cluster's general-purpose pool (system add-ons and CPU workloads)."""

    machine_type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]+-[a-z]+-[0-9]+$")] = "e2-standard-4"
    min_nodes: int = preset(dev=1, staging=1, prod=2, ge=1, le=100)
    """Per zone of the regional cluster."""
    max_nodes: int = preset(dev=2, staging=3, prod=4, ge=1, le=100)

    @model_validator(mode="after")
    def _bounds(self) -> GkeSystemPoolConfig:
        if self.min_nodes > self.max_nodes:
            raise ValueError(f"min_nodes ({self.min_nodes}) must not exceed max_nodes ({self.max_nodes})")
        return self


class GkeConfig(StrictModel):
    """The regional GKE cluster: private nodes, workload identity, Dataplane V2, managed Prometheus with DCGM."""

    name: ResourceName
    release_channel: Literal["REGULAR", "STABLE"] = preset(dev="REGULAR", staging="REGULAR", prod="STABLE")
    private_endpoint: bool = True
    """Control plane reachable on its private address only (from the VPC, peered networks and VPN)."""
    authorized_networks: list[IPv4Network] = Field(default_factory=list)
    """Source ranges allowed to reach the control plane (required when ``private_endpoint`` is off)."""
    system_pool: GkeSystemPoolConfig = Field(default_factory=GkeSystemPoolConfig)
    zones: list[GcpZone] = Field(default_factory=list)
    """Zones of the nodes (default: the region's zones GKE picks)."""
    maintenance_window: MaintenanceWindowConfig = Field(default_factory=MaintenanceWindowConfig)
    deletion_protection: bool = preset(dev=False, staging=False, prod=True)
    cost_allocation: bool = True
    """GKE cost allocation: Cloud Billing splits the cluster's cost by namespace (one namespace per team) and
    Kubernetes label in the billing export."""
    security_group: Annotated[str, StringConstraints(pattern=r"^gke-security-groups@[a-z0-9.-]+$")] | None = None
    """Google Groups for RBAC (``gke-security-groups@<domain>``): lets team group bindings work."""

    @model_validator(mode="after")
    def _exposure(self) -> GkeConfig:
        if any(network.prefixlen == 0 for network in self.authorized_networks):
            raise ValueError("authorized_networks must not contain 0.0.0.0/0")
        if not self.private_endpoint and not self.authorized_networks:
            raise ValueError("a public control plane endpoint needs authorized_networks (it would be open to all)")
        return self


GpuPoolName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,24}[a-z0-9]$")]


class GcpGpuPoolConfig(GpuPoolScaling):
    """A GKE GPU node pool."""

    machine_type: str
    """A GPU machine type from the table in ``aiscale.core.gpu`` (e.g. ``g2-standard-8``, ``a2-highgpu-1g``)."""
    purpose: Literal["serving", "training", "batch"] = "serving"
    """Becomes the ``aiscale.io/purpose`` node label."""
    driver_version: Literal["DEFAULT", "LATEST"] = "DEFAULT"
    """Version of the GKE-installed driver (``driver: platform``); the GPU operator brings its own (Ubuntu images)."""
    partition_size: str | None = None
    """MIG partition size (``1g.5gb`` ...) on A100/H100 machine types."""
    sharing: Literal["TIME_SHARING", "MPS"] | None = None
    """GPU sharing between containers."""
    max_shared_clients: int | None = Field(default=None, ge=2, le=48)
    """Containers sharing one GPU (with ``sharing``)."""
    zones: list[GcpZone] = Field(default_factory=list)
    """Zones where the accelerator is offered (default: the cluster's)."""
    disk_size_gb: int = Field(default=200, ge=50, le=65536)
    labels: dict[Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9./_-]{1,253}$")], str] = Field(
        default_factory=dict
    )
    team: TeamName | None = None
    """The team (of ``teams``) that owns the pool: its nodes carry the ``team`` resource label and
    ``aiscale.io/team`` node label, so the pool's cost is the team's. Unset: a pool shared by every team."""

    @model_validator(mode="after")
    def _machine(self) -> GcpGpuPoolConfig:
        problem = gpu.gcp_pool_problem(self.machine_type, self.partition_size)
        if problem:
            raise ValueError(problem)
        if (self.sharing is None) != (self.max_shared_clients is None):
            raise ValueError("sharing and max_shared_clients go together")
        if self.sharing == "MPS" and self.partition_size is not None:
            raise ValueError("MPS sharing cannot be combined with MIG partitions; use TIME_SHARING")
        if self.driver == "operator" and "driver_version" in self.model_fields_set:
            raise ValueError("driver_version applies to GKE-installed drivers; the GPU operator brings its own")
        return self


EndpointName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")]
DeploymentName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")]


class VertexModelConfig(StrictModel):
    """A model to upload to the Vertex AI Model Registry: artifacts plus the serving container."""

    artifact_uri: Annotated[str, StringConstraints(pattern=r"^gs://[a-z0-9._-]{3,222}(/.*)?$")]
    """Directory of the model artifacts in Cloud Storage."""
    serving_container_image: Annotated[str, StringConstraints(pattern=r"^[a-z0-9.-]+(:[0-9]+)?/[^\s:@]+[:@][^\s]+$")]
    """Serving image with a tag or digest (a prebuilt Vertex container or your own in Artifact Registry)."""
    version_labels: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")], str] = Field(
        default_factory=dict
    )
    """Further labels of the uploaded model."""
    registry: RegistryRef | None = None
    """The MLflow alias the version was resolved from (``aiscale promote`` writes it with ``version``)."""
    version: int | None = Field(default=None, ge=1)
    """The pinned MLflow registry version: the uploaded model is labelled with it."""

    @model_validator(mode="after")
    def _pinned(self) -> VertexModelConfig:
        if (self.registry is None) != (self.version is None):
            raise ValueError("registry and version go together (the version the alias was resolved to)")
        return self


class VertexDeploymentConfig(StrictModel):
    """One model deployed to an endpoint on dedicated resources."""

    model: VertexModelConfig
    machine_type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]+-[a-z]+-[0-9a-z]+$")]
    """Machine type; GPU machine types (``g2-standard-8``) bring their accelerators from the GPU table."""
    min_replicas: int = preset(dev=1, staging=1, prod=2, ge=1, le=1000)
    max_replicas: int = Field(default=3, ge=1, le=1000)
    target_utilization_percentage: int = Field(default=60, ge=1, le=100)
    """Autoscaling target: accelerator duty cycle on GPU machines, CPU utilisation otherwise."""
    expected_requests_per_second: RequestRate | None = None
    """Expected average request rate: the cost estimate gives the cost per 1,000 predictions at the floor and the
    ceiling capacity from it. Unset: no per-prediction figure."""
    monitoring: VertexModelMonitoringConfig | None = None
    """This deployment's own monitoring objectives (else the endpoint's monitoring block applies). Vertex AI runs one
    monitoring job per endpoint: schedule, production window and sampling rate must match the endpoint's."""

    @model_validator(mode="after")
    def _bounds(self) -> VertexDeploymentConfig:
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas ({self.min_replicas}) must not exceed max_replicas ({self.max_replicas})")
        return self


class VertexEndpointConfig(StrictModel):
    """A Vertex AI endpoint with its deployed models and traffic, reviewed as configuration."""

    network_access: Literal["private_service_connect", "vpc_peering", "public"] = "private_service_connect"
    """How clients reach the endpoint; Private Service Connect and VPC peering are exclusive by construction."""
    deployments: dict[DeploymentName, VertexDeploymentConfig] = Field(min_length=1)
    traffic: dict[DeploymentName, int]
    """Traffic per deployment, percentages summing to 100."""
    request_logging_sampling: float | None = Field(default=None, gt=0, le=1)
    """Share of requests and responses logged to BigQuery: to a dataset the stack creates (CMEK, the region, the
    stack's labels), or to ``request_logging_table``. A monitored endpoint logs at its monitoring sampling rate."""
    request_logging_table: (
        Annotated[str, StringConstraints(pattern=r"^bq://[a-z0-9-]+\.[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?$")] | None
    ) = None
    """An existing BigQuery table (or dataset) outside the stack that receives the request-response logs."""
    slo: EndpointSlo
    health_check_path: Annotated[str, StringConstraints(pattern=r"^/[^\s]*$")] | None = None
    """Public endpoints only: an uptime check probes this path of the endpoint's host."""
    promotion: PromotionConfig | None = None
    """Promotion gates and canary rollout (``aiscale promote``, ``aiscale rollout``)."""
    monitoring: VertexModelMonitoringConfig | None = None
    """Model deployment monitoring of every deployment without its own block (prod: every serving deployment)."""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> VertexEndpointConfig:
        problem = rules.endpoint_traffic_problem(dict(self.traffic), {}, set(self.deployments))
        if problem:
            raise ValueError(problem)
        if self.request_logging_table is not None and self.request_logging_sampling is None:
            raise ValueError("request_logging_table needs request_logging_sampling (the share of requests logged)")
        monitors = self.monitors()
        for name, deployment in self.deployments.items():
            block = deployment.monitoring
            if block is None:
                continue
            if block.retraining is not None:
                raise ValueError(
                    f"deployments.{name}.monitoring.retraining: retraining belongs to the endpoint's monitoring "
                    "block (one pipeline per model, not per deployment)"
                )
            first = next(iter(monitors.values()))
            if block.job_settings() != first.job_settings():
                raise ValueError(
                    f"deployments.{name}.monitoring: Vertex AI runs one monitoring job per endpoint, so schedule, "
                    "production_window_days, sampling_rate and paused must be the same for all its monitored deployments "
                    "(set them in the endpoint's monitoring block)"
                )
        problem = monitoring.coverage_problem(
            str((info.context or {}).get("environment")), dict(self.traffic), monitoring.watching(monitors)
        )
        if problem:
            raise ValueError(problem)
        if self.health_check_path is not None and self.network_access != "public":
            raise ValueError(
                "health_check_path applies to public endpoints (an uptime check cannot reach a private one)"
            )
        if self.promotion is not None:
            # Vertex AI endpoints split live traffic only: no mirrored traffic, so canary rollouts only.
            problem = rules.promotion_problem(self.promotion, self.deployments, mirror=False)
            if problem:
                raise ValueError(f"promotion: {problem}")
        return self

    def monitors(self) -> dict[str, VertexModelMonitoringConfig]:
        """The monitoring objectives of each monitored deployment: its own block, else the endpoint's."""
        found = {name: d.monitoring or self.monitoring for name, d in self.deployments.items()}
        return {name: block for name, block in found.items() if block is not None}

    def logging_sampling(self) -> float | None:
        """Share of requests the endpoint logs to BigQuery: as configured, else the monitoring sampling rate."""
        if self.request_logging_sampling is not None:
            return self.request_logging_sampling
        monitors = self.monitors()
        return next(iter(monitors.values())).sampling_rate if monitors else None


class GcpTeamConfig(TeamConfig, TeamWorkloadsConfig):
    """A team on the GKE cluster."""

    group_email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    """Google group of the team (a member of the cluster's ``security_group``): deploys in its namespace."""


DataAccessLogType = Literal["DATA_READ", "DATA_WRITE", "ADMIN_READ"]
DataAccessService = Literal["aiplatform", "cloudkms", "container", "storage"]


class GcpAuditConfig(StrictModel):
    """The project's audit trail: Data Access audit logs on, and every Cloud Audit Log routed into a log bucket
    with its own retention (CMEK with ``cmek``, locked in prod)."""

    services: list[DataAccessService] = Field(
        default_factory=lambda: ["aiplatform", "cloudkms", "container", "storage"], min_length=1
    )
    """Services whose Data Access audit logs are turned on: Vertex AI, Cloud KMS, GKE, Cloud Storage."""
    log_types: list[DataAccessLogType] = Field(default_factory=lambda: ["DATA_READ", "DATA_WRITE"], min_length=1)
    """Data Access log types: reads and writes of data (``DATA_READ``, ``DATA_WRITE``); ``ADMIN_READ`` adds reads
    of configuration (high volume, billed by Cloud Logging)."""
    bucket_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{2,99}$")] = "aiscale-audit"
    """Id of the audit log bucket (in the stack's region)."""
    retention_days: int = preset(dev=7, staging=30, prod=400, ge=1, le=3650)
    """Days the audit log bucket keeps entries."""
    locked: bool = preset(dev=False, staging=False, prod=True)
    """Lock the audit log bucket: its retention can then never be shortened and it can be deleted only once empty
    (irreversible). Needs ``protect_stateful``."""

    @field_validator("services", "log_types")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"has duplicates: {value}")
        return value


class GcpConfig(StrictModel):
    """Where and how aiscale deploys on Google Cloud."""

    project: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    """Project id."""
    project_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,20}$")]
    """Project number; service agent e-mail addresses are derived from it (no lookup at deploy time)."""
    region: GcpRegion
    """Region, e.g. ``europe-west4``."""
    kms: GcpKmsConfig
    cmek: GcpCmekConfig = Field(default_factory=GcpCmekConfig)
    network: GcpNetworkConfig | None = None
    gke: GkeConfig | None = None
    gpu_pools: dict[GpuPoolName, GcpGpuPoolConfig] = Field(default_factory=dict)
    endpoints: dict[EndpointName, VertexEndpointConfig] = Field(default_factory=dict)
    """Vertex AI endpoints by name."""
    billing_account: Annotated[str, StringConstraints(pattern=r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$")] | None = None
    """Billing account of the project (for the budget)."""
    budget: BudgetConfig | None = None
    """A budget publishes its notifications to a Pub/Sub topic the stack creates (``<project>-budget``, CMEK with
    ``cmek``) as well as mailing them: subscribe automation (scaling pools down) to it."""
    monitoring: MonitoringConfig | None = None
    teams: dict[TeamName, GcpTeamConfig] = Field(default_factory=dict)
    """Team namespaces on the GKE cluster, by team name (also the namespace name)."""
    audit: GcpAuditConfig | None = None
    """Data Access audit logs and a log bucket holding every Cloud Audit Log (needs ``monitoring`` for its alert)."""

    @model_validator(mode="before")
    @classmethod
    def _removed_keys(cls, data: object) -> object:
        if isinstance(data, dict) and "budget_pubsub_topic" in data:
            raise ValueError(
                "budget_pubsub_topic is gone: the stack now creates the budget's topic (<project>-budget, CMEK with "
                "cmek) and publishes to it; remove the key and subscribe to the new topic"
            )
        return data

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> GcpConfig:
        if self.cmek.enabled:
            needed = {self.cmek.gke_secrets_key, self.cmek.boot_disk_key} if self.gke is not None else set()
            if self.endpoints:
                needed.add(self.cmek.vertex_key)
            if self.audit is not None:
                needed.add(self.cmek.log_bucket_key)
            if self.budget is not None:
                needed.add(self.cmek.pubsub_key)
            missing = sorted(needed - set(self.kms.keys))
            if missing:
                raise ValueError(f"cmek.enabled needs keys {missing} in kms.keys")
        if self.gke is not None and self.network is None:
            raise ValueError("gke needs a network section")
        if self.gpu_pools and self.gke is None:
            raise ValueError("gpu_pools need a gke section")
        if (self.gke is not None or self.endpoints) and self.monitoring is None:
            raise ValueError("gke and endpoints need a monitoring section (logs and alerts)")
        peered = sorted(name for name, spec in self.endpoints.items() if spec.network_access == "vpc_peering")
        if peered and (self.network is None or self.network.private_service_access_range is None):
            raise ValueError(f"endpoints {peered} use vpc_peering: set network.private_service_access_range")
        private = sorted(name for name, spec in self.endpoints.items() if spec.network_access != "public")
        if private and self.network is None:
            raise ValueError(f"endpoints {private} are private: they need a network section")
        if self.budget is not None:
            if self.billing_account is None:
                raise ValueError("budget needs billing_account")
            if len(self.budget.tag_filter) > 1 or any(len(v) != 1 for v in self.budget.tag_filter.values()):
                raise ValueError("Google Cloud budgets filter on a single label value; keep one key with one value")
            # The budget also notifies the platform's alert channels (monitoring.alerts).
            routed = (
                len(self.monitoring.alerts.emails) + (self.monitoring.alerts.webhook_url is not None)
                if self.monitoring is not None
                else 0
            )
            if len(self.budget.contact_emails) + routed > GCP_MAX_BUDGET_CHANNELS:
                raise ValueError(
                    f"a budget notifies at most {GCP_MAX_BUDGET_CHANNELS} channels; budget.contact_emails has "
                    f"{len(self.budget.contact_emails)} and monitoring.alerts routes {routed} more"
                )
        problem = gpu.mixed_driver_problem({name: pool.driver for name, pool in self.gpu_pools.items()})
        if problem:
            raise ValueError(f"gpu_pools: {problem}")
        if self.teams and self.gke is None:
            raise ValueError("teams need a gke section (their namespaces live on the cluster)")
        unknown = sorted(
            f"gpu_pools.{name}.team"
            for name, pool in self.gpu_pools.items()
            if pool.team is not None and pool.team not in self.teams
        )
        if unknown:
            raise ValueError(f"{', '.join(unknown)} must name one of teams {sorted(self.teams)}")
        if self.audit is not None and self.monitoring is None:
            raise ValueError("audit needs a monitoring section (the alert on audit config and sink changes)")
        key_location = self.kms.location or self.region
        if self.audit is not None and self.cmek.enabled and key_location != self.region:
            raise ValueError(
                f"audit: the log bucket is in {self.region} and its key must be too, but kms.location is {key_location}"
            )
        if self.teams and self.gke is not None and self.gke.security_group is None:
            raise ValueError("teams need gke.security_group (Google Groups for RBAC) for their group bindings")
        capacity = sum(
            pool.max_nodes * gpu.gcp_gpu_machines()[pool.machine_type].gpus for pool in self.gpu_pools.values()
        )
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
            for path, problem in mig_pool_problems(self.mig_pools(), "partition_size"):
                raise ValueError(f"{path}: {problem}")
        return self

    def mig_pools(self) -> dict[str, tuple[int, bool]]:
        """Each GPU pool's min_nodes and whether it is MIG-partitioned."""
        return {name: (pool.min_nodes, pool.partition_size is not None) for name, pool in self.gpu_pools.items()}

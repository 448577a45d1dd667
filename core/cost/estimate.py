"""Monthly cost of a stack from its resources and the price table: floor, ceiling and expected.

- **floor**: every autoscaler at its minimum (what the stack costs idle);
- **ceiling**: every autoscaler at its maximum (what it may cost at full demand);
- **expected**: where the configuration states an expected utilisation (the GPU pool label
  ``aiscale.io/expected-utilization-percent``), min + (max - min) x utilisation; fixed costs expect their floor.

A month is 730 hours. A resource (or part of one, such as the system pool of a cluster) with no price row is listed
as unpriced with the reason; it never counts as zero. Every assumption is returned with the numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from aiscale.core.cost.prices import PriceTable, load_prices
from aiscale.core.cost.records import UNKNOWN, CostRecord

HOURS_PER_MONTH = 730
EXPECTED_LABEL = "aiscale.io/expected-utilization-percent"
"""Node label a GPU pool carries when its config states an expected utilisation (0-100)."""


@dataclass(frozen=True)
class Capacity:
    """How many units of something run: bounds under autoscaling and, when stated, the expected count."""

    minimum: float
    maximum: float
    expected: float | None = None


@dataclass(frozen=True)
class ResourceCost:
    """The priced part of one resource, per month."""

    urn: str
    name: str
    type: str
    cloud: str
    basis: str
    """What was priced, in words (``0-2 x Standard_NC8as_T4_v3 at 0.526/hour``)."""
    price_id: str
    floor: float
    ceiling: float
    expected: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "name": self.name,
            "type": self.type,
            "cloud": self.cloud,
            "basis": self.basis,
            "priceId": self.price_id,
            "floor": _money(self.floor),
            "ceiling": _money(self.ceiling),
            "expected": None if self.expected is None else _money(self.expected),
        }


@dataclass(frozen=True)
class Unpriced:
    """A resource, or part of one, the estimate could not price, and why."""

    urn: str
    name: str
    type: str
    cloud: str
    reason: str
    gap: str = ""
    """Why the price table has no row for what is needed (its ``gaps`` entry), when it says."""

    def to_json(self) -> dict[str, Any]:
        reason = f"{self.reason} ({self.gap})" if self.gap else self.reason
        return {"urn": self.urn, "name": self.name, "type": self.type, "cloud": self.cloud, "reason": reason}


@dataclass
class StackEstimate:
    currency: str | None
    environment: str | None
    priced: list[ResourceCost] = field(default_factory=list)
    unpriced: list[Unpriced] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    def floor(self, cloud: str | None = None) -> float:
        return sum(c.floor for c in self._costs(cloud))

    def ceiling(self, cloud: str | None = None) -> float:
        return sum(c.ceiling for c in self._costs(cloud))

    def expected(self, cloud: str | None = None) -> float | None:
        """Total expected cost, or None when an autoscaled resource states no expected utilisation."""
        costs = list(self._costs(cloud))
        if any(c.expected is None for c in costs):
            return None
        return sum(c.expected or 0.0 for c in costs)

    def _costs(self, cloud: str | None) -> Iterator[ResourceCost]:
        return (c for c in self.priced if cloud is None or c.cloud == cloud)

    def unpriced_by_type(self) -> dict[str, int]:
        return dict(sorted(Counter(u.type for u in self.unpriced).items()))

    def to_json(self) -> dict[str, Any]:
        expected = self.expected()
        return {
            "currency": self.currency,
            "hoursPerMonth": HOURS_PER_MONTH,
            "monthly": {
                "floor": _money(self.floor()),
                "ceiling": _money(self.ceiling()),
                "expected": None if expected is None else _money(expected),
            },
            "resources": [c.to_json() for c in self.priced],
            "unpriced": [u.to_json() for u in self.unpriced],
            "assumptions": list(self.assumptions),
        }


def _money(value: float) -> float:
    return round(value, 2)


@cache
def log_ingestion_assumption() -> dict[str, float]:
    """GiB ingested per month by environment (``aiscale/core/data/cost_assumptions.yaml``)."""
    text = resources.files("aiscale.core").joinpath("data", "cost_assumptions.yaml").read_text(encoding="utf-8")
    return {env: float(gib) for env, gib in yaml.safe_load(text)["log_ingestion_gib_per_month"].items()}


# --- Reading capacity from inputs --------------------------------------------------------------------------------


def _count(value: Any) -> float | None:
    """A node or instance count (inputs may carry numbers as text, as autoscale settings do)."""
    if isinstance(value, bool) or value is None or value == UNKNOWN:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _expected(minimum: float, maximum: float, labels: Any) -> float | None:
    """min + (max - min) x the pool's stated utilisation; None when it states none."""
    percent = _count(labels.get(EXPECTED_LABEL)) if isinstance(labels, Mapping) else None
    return None if percent is None else minimum + (maximum - minimum) * percent / 100


def _aks_capacity(pool: Mapping[str, Any]) -> Capacity | None:
    """Node bounds of an AKS pool (an AgentPool's inputs or a cluster's agentPoolProfiles entry)."""
    if pool.get("enableAutoScaling") is True:
        low, high = _count(pool.get("minCount")), _count(pool.get("maxCount"))
    else:
        low = high = _count(pool.get("count"))
    if low is None or high is None:
        return None
    return Capacity(low, high, _expected(low, high, pool.get("nodeLabels")))


# --- Rules per resource kind -------------------------------------------------------------------------------------


@dataclass
class _Context:
    prices: PriceTable
    environment: str | None
    records: list[CostRecord]
    azure_region: str | None
    gcp_region: str | None
    estimate: StackEstimate
    notes: set[str] = field(default_factory=set)

    def price(
        self, record: CostRecord, cloud: str, *, kind: str, sku: str, region: str | None, units: Capacity, what: str
    ) -> None:
        """Price ``units`` hours-per-month-long of (kind, sku), or list the resource as unpriced."""
        row = self.prices.find(kind, sku, region)
        if row is None:
            self.unpriced(record, cloud, f"{what}: {self.prices.missing(kind, sku, region)}", kind)
            return
        monthly = row.price * HOURS_PER_MONTH
        # A fixed count is its own expectation; an autoscaled one only when the config states a utilisation.
        count = units.minimum if units.minimum == units.maximum else units.expected
        expected = None if count is None else count * monthly
        bounds = f"{units.minimum:g}" if units.minimum == units.maximum else f"{units.minimum:g}-{units.maximum:g}"
        self.estimate.priced.append(
            ResourceCost(
                record.urn,
                record.name,
                record.type,
                cloud,
                f"{what}: {bounds} x {sku} at {row.price:g} {row.currency}/hour",
                row.id,
                units.minimum * monthly,
                units.maximum * monthly,
                expected,
            )
        )

    def unpriced(self, record: CostRecord, cloud: str, reason: str, kind: str | None = None) -> None:
        gap = self.prices.gaps.get(kind, "") if kind else ""
        self.estimate.unpriced.append(Unpriced(record.urn, record.name, record.type, cloud, reason, gap))


def _aks_cluster(record: CostRecord, ctx: _Context) -> None:
    # "If not specified, the default is 'Free'" (ManagedClusterSKU.tier).
    tier = record.get("sku", "tier") or "Free"
    location = record.get("location")
    ctx.price(
        record,
        "azure",
        kind="aks-cluster-fee",
        sku=str(tier),
        region=location,
        units=Capacity(1, 1),
        what="cluster tier",
    )
    for index, profile in enumerate(record.get("agentPoolProfiles") or []):
        units = _aks_capacity(profile) if isinstance(profile, Mapping) else None
        name = profile.get("name", index) if isinstance(profile, Mapping) else index
        if units is None:
            ctx.unpriced(record, "azure", f"pool {name}: node count unknown before deployment")
            continue
        size = str(profile.get("vmSize"))
        ctx.price(record, "azure", kind="azure-vm", sku=size, region=location, units=units, what=f"pool {name}")


def _aks_pool(record: CostRecord, ctx: _Context) -> None:
    units = _aks_capacity(record.inputs)
    if units is None:
        ctx.unpriced(record, "azure", "node count unknown before deployment")
        return
    kind = "azure-vm-spot" if record.get("scaleSetPriority") == "Spot" else "azure-vm"
    ctx.notes.add("AKS node pools: VM price per node; OS disks and egress are not estimated.")
    size = str(record.get("vmSize"))
    ctx.price(record, "azure", kind=kind, sku=size, region=ctx.azure_region, units=units, what="nodes")


def _online_deployment(record: CostRecord, ctx: _Context) -> None:
    low = _count(record.get("sku", "capacity")) or _count(record.get("properties", "scaleSettings", "minInstances"))
    high = _count(record.get("properties", "scaleSettings", "maxInstances"))
    for other in ctx.records:
        # An autoscale setting that targets the deployment sets its real bounds.
        if other.type.endswith(":AutoscaleSetting") and other.depends_on(record.urn, "targetResourceUri"):
            capacity = other.get("profiles", 0, "capacity") or {}
            low, high = _count(capacity.get("minimum")) or low, _count(capacity.get("maximum"))
    if low is None:
        ctx.unpriced(record, "azure", "instance count unknown before deployment")
        return
    high = high if high is not None else low
    ctx.price(
        record,
        "azure",
        kind="azureml-online-instance",
        sku=str(record.get("properties", "instanceType")),
        region=record.get("location"),
        units=Capacity(low, high),
        what="instances",
    )


def _log_volume(ctx: _Context) -> float | None:
    volumes = log_ingestion_assumption()
    volume = volumes.get(ctx.environment or "")
    if volume is not None:
        ctx.notes.add(
            f"Log ingestion assumed at {volume:g} GiB a month ({ctx.environment}; "
            "aiscale/core/data/cost_assumptions.yaml): an assumption, not a measurement."
        )
    return volume


def _log_analytics(record: CostRecord, ctx: _Context) -> None:
    volume = _log_volume(ctx)
    if volume is None:
        ctx.unpriced(record, "azure", f"no log ingestion assumption for environment {ctx.environment}")
        return
    _ingestion(record, ctx, "azure", kind="log-analytics-ingestion", sku=str(record.get("sku", "name")), volume=volume)


def _cloud_logging(record: CostRecord, ctx: _Context) -> None:
    # The project's _Default bucket stands for the project's Cloud Logging ingestion.
    if record.get("bucketId") != "_Default":
        return
    volume = _log_volume(ctx)
    if volume is None:
        ctx.unpriced(record, "gcp", f"no log ingestion assumption for environment {ctx.environment}")
        return
    _ingestion(record, ctx, "gcp", kind="log-ingestion", sku="cloud-logging", volume=volume)


def _ingestion(record: CostRecord, ctx: _Context, cloud: str, *, kind: str, sku: str, volume: float) -> None:
    row = ctx.prices.find(kind, sku, ctx.azure_region if cloud == "azure" else ctx.gcp_region)
    if row is None:
        region = ctx.azure_region if cloud == "azure" else ctx.gcp_region
        ctx.unpriced(record, cloud, f"log ingestion: {ctx.prices.missing(kind, sku, region)}", kind)
        return
    billed = max(0.0, volume - row.free_units_per_month)
    monthly = billed * row.price
    free = f", first {row.free_units_per_month:g} GiB free" if row.free_units_per_month else ""
    ctx.estimate.priced.append(
        ResourceCost(
            record.urn,
            record.name,
            record.type,
            cloud,
            f"log ingestion: {volume:g} GiB a month (assumed) at {row.price:g} {row.currency}/GiB{free}",
            row.id,
            monthly,
            monthly,
            monthly,
        )
    )


def _gke_cluster(record: CostRecord, ctx: _Context) -> None:
    ctx.price(
        record,
        "gcp",
        kind="gke-cluster-fee",
        sku="standard",
        region=record.get("location"),
        units=Capacity(1, 1),
        what="cluster fee",
    )


def _gke_pool(record: CostRecord, ctx: _Context) -> None:
    autoscaling = record.get("autoscaling")
    labels = record.get("nodeConfig", "labels")
    if isinstance(autoscaling, Mapping):
        low = _count(autoscaling.get("totalMinNodeCount"))
        high = _count(autoscaling.get("totalMaxNodeCount"))
        if low is None or high is None:
            # Per-zone bounds: multiply by the pool's zones when they are listed.
            zones = record.get("nodeLocations")
            per_zone = (_count(autoscaling.get("minNodeCount")), _count(autoscaling.get("maxNodeCount")))
            if not isinstance(zones, list) or None in per_zone:
                ctx.unpriced(record, "gcp", "per-zone node bounds and an unknown number of zones")
                return
            low, high = per_zone[0] * len(zones), per_zone[1] * len(zones)  # type: ignore[operator]
    else:
        low = high = _count(record.get("nodeCount")) or _count(record.get("initialNodeCount"))
    if low is None or high is None:
        ctx.unpriced(record, "gcp", "node count unknown before deployment")
        return
    spot = record.get("nodeConfig", "spot") is True or record.get("nodeConfig", "preemptible") is True
    units = Capacity(low, high, _expected(low, high, labels))
    machine = str(record.get("nodeConfig", "machineType"))
    # Accelerator-optimized types (a2, a3, g2) include their GPUs; attached GPUs (n1) would need their own rows.
    region = record.get("location") or ctx.gcp_region
    kind = "gce-machine-spot" if spot else "gce-machine"
    ctx.price(record, "gcp", kind=kind, sku=machine, region=region, units=units, what="nodes")


def _vertex_deployment(record: CostRecord, ctx: _Context) -> None:
    low, high = _count(record.get("min_replicas")), _count(record.get("max_replicas"))
    if low is None or high is None:
        ctx.unpriced(record, "gcp", "replica count unknown before deployment")
        return
    ctx.price(
        record,
        "gcp",
        kind="vertex-prediction-node",
        sku=str(record.get("machine_type")),
        region=ctx.gcp_region,
        units=Capacity(low, high),
        what="replicas",
    )


Rule = Callable[[CostRecord, _Context], None]
RULES: tuple[tuple[re.Pattern[str], str, Rule], ...] = (
    (re.compile(r"^azure-native:containerservice(/v\w+)?:ManagedCluster$"), "azure", _aks_cluster),
    (re.compile(r"^azure-native:containerservice(/v\w+)?:AgentPool$"), "azure", _aks_pool),
    (re.compile(r"^azure-native:machinelearningservices(/v\w+)?:OnlineDeployment$"), "azure", _online_deployment),
    (re.compile(r"^azure-native:operationalinsights(/v\w+)?:Workspace$"), "azure", _log_analytics),
    (re.compile(r"^gcp:container/cluster:Cluster$"), "gcp", _gke_cluster),
    (re.compile(r"^gcp:container/nodePool:NodePool$"), "gcp", _gke_pool),
    (re.compile(r"^pulumi-python:dynamic/vertex:ModelDeployment$"), "gcp", _vertex_deployment),
    (re.compile(r"^gcp:logging/projectBucketConfig:ProjectBucketConfig$"), "gcp", _cloud_logging),
)
PRICED_TYPES = tuple(pattern for pattern, _, _ in RULES)
"""Types the estimator prices (stack policies read these)."""


def cloud_of(resource_type: str) -> str:
    if resource_type.startswith("azure-native:"):
        return "azure"
    if resource_type.startswith(("gcp:", "pulumi-python:dynamic/vertex")):
        return "gcp"
    return resource_type.split(":", 1)[0]


def _not_billed(resource_type: str) -> bool:
    """Types that are not cloud resources with a bill of their own: providers, and Kubernetes objects (their
    compute is the node pools, priced there)."""
    return resource_type.startswith(("pulumi:providers:", "kubernetes:"))


def estimate(records: Iterable[CostRecord], environment: str | None, prices: PriceTable | None = None) -> StackEstimate:
    """Price ``records`` (the custom resources of a stack) with ``prices`` (default: the packaged table)."""
    table = prices if prices is not None else load_prices()
    chosen = list(records)
    result = StackEstimate(currency=table.currency, environment=environment)
    ctx = _Context(table, environment, chosen, _region(chosen, "azure"), _region(chosen, "gcp"), result)
    for record in chosen:
        rule = next((r for pattern, _, r in RULES if pattern.fullmatch(record.type)), None)
        if rule is not None:
            rule(record, ctx)
        elif not _not_billed(record.type):
            ctx.unpriced(record, cloud_of(record.type), f"no price rule for {record.type}")
    result.assumptions = [
        f"Monthly = {HOURS_PER_MONTH} hours of on-demand list prices ({table.currency or 'no prices'}; "
        f"{table.file}); no discounts, commitments or taxes.",
        "Floor: every autoscaler at its minimum; ceiling: at its maximum; expected: where the config states an "
        "expected utilisation.",
        "Unpriced resources are listed with the reason and not counted.",
        *sorted(ctx.notes),
    ]
    return result


def _region(records: list[CostRecord], cloud: str) -> str | None:
    """The stack's region on a cloud: the most common ``location`` of its regional resources (child resources such
    as AKS agent pools carry none of their own)."""
    found = Counter(
        r.get("location")
        for r in records
        if cloud_of(r.type) == cloud and isinstance(r.get("location"), str) and r.get("location") != "global"
    )
    return found.most_common(1)[0][0] if found else None

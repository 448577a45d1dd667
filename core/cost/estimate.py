"""Monthly cost of a stack from its resources and the price table: floor, ceiling and expected.

- **floor**: every autoscaler at its minimum (what the stack costs idle);
- **ceiling**: every autoscaler at its maximum (what it may cost at full demand);
- **expected**: where the configuration states an expected utilisation (the GPU pool label
  ``aiscale.io/expected-utilization-percent``), min + (max - min) x utilisation; fixed costs expect their floor.

A month is 730 hours. A resource (or part of one, such as the system pool of a cluster) with no price row is listed
as unpriced with the reason; it never counts as zero. Every assumption is returned with the numbers, and so are
the price rows used, with their age (a row older than a year is a warning).
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from aiscale.core.cost.prices import CATALOG_FILE, PriceRow, PriceTable, load_prices
from aiscale.core.cost.records import UNKNOWN, CostRecord
from aiscale.core.gpu import azure_gpu_skus, gcp_gpu_machines

HOURS_PER_MONTH = 730
EXPECTED_LABEL = "aiscale.io/expected-utilization-percent"
"""Node label a GPU pool carries when its config states an expected utilisation (0-100)."""
REQUEST_RATE_TAG = "aiscale-expected-requests-per-second"
"""Tag an Azure ML deployment carries when its config states an expected request rate (Azure tag names cannot
hold ``/``)."""
REQUEST_RATE_INPUT = "expected_requests_per_second"
"""Input of a Vertex AI model deployment stating its expected request rate (read by the estimate only)."""
STALE_AFTER_DAYS = 365
#: A regional GKE cluster without node locations runs each node pool in three zones of its region: "a regional
#: cluster in us-east1 [...] using the default configuration [...] provisions nodes in three us-east1 zones"
#: (https://cloud.google.com/kubernetes-engine/docs/concepts/regional-clusters).
GKE_DEFAULT_ZONES = 3
#: pulumi_gcp ``ClusterNodeConfig.machine_type``: "The name of a Google Compute Engine machine type. Defaults to
#: `e2-medium`."
GKE_DEFAULT_MACHINE = "e2-medium"
_ZONE = re.compile(r"^([a-z]+-[a-z]+[0-9]+)-[a-z]$")


def today() -> datetime.date:
    """The date row ages are measured from."""
    return datetime.date.today()


@dataclass(frozen=True)
class Capacity:
    """How many units of something run: bounds under autoscaling and, when stated, the expected count."""

    minimum: float
    maximum: float
    expected: float | None = None


@dataclass(frozen=True)
class Part:
    """One price row a unit of a resource needs: ``quantity`` x the row for (kind, sku, count)."""

    kind: str
    sku: str
    count: int = 1
    quantity: float = 1


@dataclass(frozen=True)
class ResourceCost:
    """The priced part of one resource, per month."""

    urn: str
    name: str
    type: str
    cloud: str
    basis: str
    """What was priced, in words (``0-2 x Standard_NC8as_T4_v3 at 0.526/hour``)."""
    price_ids: tuple[str, ...]
    floor: float
    ceiling: float
    expected: float | None
    gpu_pool: bool = False

    @property
    def price_id(self) -> str:
        return " + ".join(self.price_ids)

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "name": self.name,
            "type": self.type,
            "cloud": self.cloud,
            "basis": self.basis,
            "priceId": self.price_id,
            "priceRows": list(self.price_ids),
            "floor": _money(self.floor),
            "ceiling": _money(self.ceiling),
            "expected": None if self.expected is None else _money(self.expected),
            "gpuPool": self.gpu_pool,
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
    gpu_pool: bool = False
    has_rule: bool = True
    """False when the estimator has no price rule for the type at all."""

    def to_json(self) -> dict[str, Any]:
        reason = f"{self.reason} ({self.gap})" if self.gap else self.reason
        return {
            "urn": self.urn,
            "name": self.name,
            "type": self.type,
            "cloud": self.cloud,
            "reason": reason,
            "gap": self.gap or None,
            "gpuPool": self.gpu_pool,
            "priceRule": self.has_rule,
        }


@dataclass(frozen=True)
class PredictionCost:
    """What 1,000 predictions of a deployment cost at its stated request rate, at floor and ceiling capacity."""

    urn: str
    name: str
    cloud: str
    requests_per_second: float
    floor: float | None
    ceiling: float | None
    reason: str = ""
    """Why there is no figure (the deployment is unpriced); empty when priced."""

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "name": self.name,
            "cloud": self.cloud,
            "requestsPerSecond": self.requests_per_second,
            "floor": None if self.floor is None else round(self.floor, 4),
            "ceiling": None if self.ceiling is None else round(self.ceiling, 4),
            "reason": self.reason or None,
        }


@dataclass
class StackEstimate:
    currency: str | None
    environment: str | None
    priced: list[ResourceCost] = field(default_factory=list)
    unpriced: list[Unpriced] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    rows: dict[str, PriceRow] = field(default_factory=dict)
    """The price rows the estimate used, by id."""
    predictions: list[PredictionCost] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    as_of: datetime.date = field(default_factory=today)

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

    def needs_price(self) -> list[Unpriced]:
        """Unpriced parts the estimator knows how to price but has no usable price row for."""
        return [u for u in self.unpriced if u.has_rule]

    def without_rule(self) -> list[Unpriced]:
        return [u for u in self.unpriced if not u.has_rule]

    def for_urn(self, urn: str) -> tuple[list[ResourceCost], list[Unpriced]]:
        return [c for c in self.priced if c.urn == urn], [u for u in self.unpriced if u.urn == urn]

    def coverage(self) -> dict[str, int]:
        """Resources priced and unpriced (a resource with any unpriced part counts as unpriced), GPU pools too."""
        unpriced = {u.urn for u in self.needs_price()}
        priced = {c.urn for c in self.priced} - unpriced
        gpu_unpriced = {u.urn for u in self.needs_price() if u.gpu_pool}
        gpu_priced = {c.urn for c in self.priced if c.gpu_pool} - gpu_unpriced
        return {
            "pricedResources": len(priced),
            "unpricedResources": len(unpriced),
            "gpuPools": len(gpu_priced | gpu_unpriced),
            "unpricedGpuPools": len(gpu_unpriced),
            "withoutPriceRule": len({u.urn for u in self.without_rule()}),
        }

    def headline(self) -> str:
        """``≥ X USD/month priced; N resources unpriced, including K GPU pools``: what the figure covers."""
        counts = self.coverage()
        pools = counts["unpricedGpuPools"]
        including = f", including {pools} GPU pool{'s' if pools != 1 else ''}" if pools else ""
        unpriced = counts["unpricedResources"]
        return (
            f"≥ {self.floor():,.2f} {self.currency or ''}/month priced; "
            f"{unpriced} resource{'s' if unpriced != 1 else ''} unpriced{including}"
        )

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
            "headline": self.headline(),
            "coverage": self.coverage(),
            "resources": [c.to_json() for c in self.priced],
            "unpriced": [u.to_json() for u in self.unpriced],
            "perThousandPredictions": [p.to_json() for p in self.predictions],
            "priceRows": {row_id: row.to_json(self.as_of) for row_id, row in sorted(self.rows.items())},
            "warnings": list(self.warnings),
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


def region_of(location: Any) -> str | None:
    """The region of a GCP location: ``europe-west4`` for ``europe-west4`` and ``europe-west4-a``."""
    if not isinstance(location, str) or location in ("", UNKNOWN, "global"):
        return None
    zone = _ZONE.match(location)
    return zone.group(1) if zone else location


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
        self,
        record: CostRecord,
        cloud: str,
        *,
        parts: Sequence[Part],
        region: str | None,
        units: Capacity,
        what: str,
        gpu_pool: bool = False,
    ) -> ResourceCost | None:
        """Price ``units`` of a unit made of ``parts`` for a month, or list the resource as unpriced."""
        rows: list[tuple[Part, PriceRow]] = []
        for part in parts:
            row = self.prices.find(part.kind, part.sku, region, part.count)
            if row is None:
                reason = f"{what}: {self.prices.missing(part.kind, part.sku, region, part.count)}"
                self.unpriced(record, cloud, reason, part.kind, gpu_pool=gpu_pool)
                return None
            rows.append((part, row))
        hourly = sum(part.quantity * row.price for part, row in rows)
        monthly = hourly * HOURS_PER_MONTH
        # A fixed count is its own expectation; an autoscaled one only when the config states a utilisation.
        count = units.minimum if units.minimum == units.maximum else units.expected
        bounds = f"{units.minimum:g}" if units.minimum == units.maximum else f"{units.minimum:g}-{units.maximum:g}"
        currency = rows[0][1].currency
        pieces = [
            f"{part.quantity:g} x {part.sku}" + (f" x{part.count}" if part.count != 1 else "") + f" at {row.price:g}"
            if part.quantity != 1
            else f"{part.sku}" + (f" x{part.count}" if part.count != 1 else "") + f" at {row.price:g}"
            for part, row in rows
        ]
        unit = pieces[0] if len(pieces) == 1 else "(" + " + ".join(pieces) + ")"
        for _, row in rows:
            self.estimate.rows[row.id] = row
        cost = ResourceCost(
            record.urn,
            record.name,
            record.type,
            cloud,
            f"{what}: {bounds} x {unit} {currency}/hour",
            tuple(row.id for _, row in rows),
            units.minimum * monthly,
            units.maximum * monthly,
            None if count is None else count * monthly,
            gpu_pool,
        )
        self.estimate.priced.append(cost)
        return cost

    def unpriced(
        self, record: CostRecord, cloud: str, reason: str, kind: str | None = None, *, gpu_pool: bool = False
    ) -> None:
        gap = self.prices.gaps.get(kind, "") if kind else ""
        self.estimate.unpriced.append(Unpriced(record.urn, record.name, record.type, cloud, reason, gap, gpu_pool))

    def free(self, record: CostRecord, cloud: str, basis: str) -> None:
        """A part that costs nothing by construction (stated, so it does not look forgotten)."""
        self.estimate.priced.append(ResourceCost(record.urn, record.name, record.type, cloud, basis, (), 0, 0, 0))

    def record(self, urn: str) -> CostRecord | None:
        return next((r for r in self.records if r.urn == urn), None)


def _aks_cluster(record: CostRecord, ctx: _Context) -> None:
    # "If not specified, the default is 'Free'" (ManagedClusterSKU.tier).
    tier = record.get("sku", "tier") or "Free"
    location = record.get("location")
    ctx.price(
        record,
        "azure",
        parts=[Part("aks-cluster-fee", str(tier))],
        region=location,
        units=Capacity(1, 1),
        what="cluster tier",
    )
    for index, profile in enumerate(record.get("agentPoolProfiles") or []):
        units = _aks_capacity(profile) if isinstance(profile, Mapping) else None
        name = profile.get("name", index) if isinstance(profile, Mapping) else index
        size = str(profile.get("vmSize")) if isinstance(profile, Mapping) else ""
        gpu_pool = size in azure_gpu_skus()
        if units is None:
            ctx.unpriced(record, "azure", f"pool {name}: node count unknown before deployment", gpu_pool=gpu_pool)
            continue
        ctx.price(
            record,
            "azure",
            parts=[Part("azure-vm", size)],
            region=location,
            units=units,
            what=f"pool {name}",
            gpu_pool=gpu_pool,
        )


def _aks_pool(record: CostRecord, ctx: _Context) -> None:
    size = str(record.get("vmSize"))
    gpu_pool = size in azure_gpu_skus()
    units = _aks_capacity(record.inputs)
    if units is None:
        ctx.unpriced(record, "azure", "node count unknown before deployment", gpu_pool=gpu_pool)
        return
    kind = "azure-vm-spot" if record.get("scaleSetPriority") == "Spot" else "azure-vm"
    ctx.notes.add("AKS node pools: VM price per node; OS disks and egress are not estimated.")
    ctx.price(
        record,
        "azure",
        parts=[Part(kind, size)],
        region=ctx.azure_region,
        units=units,
        what="nodes",
        gpu_pool=gpu_pool,
    )


def _request_rate(value: Any) -> float | None:
    rate = _count(value)
    return rate if rate is not None and rate > 0 else None


def _predictions(ctx: _Context, record: CostRecord, cloud: str, rate: float | None, cost: ResourceCost | None) -> None:
    """USD per 1,000 predictions at the stated request rate, when the deployment states one."""
    if rate is None:
        return
    thousands = rate * 3600 * HOURS_PER_MONTH / 1000
    if cost is None:
        reason = next((u.reason for u in reversed(ctx.estimate.unpriced) if u.urn == record.urn), "unpriced")
        ctx.estimate.predictions.append(PredictionCost(record.urn, record.name, cloud, rate, None, None, reason))
        return
    ctx.estimate.predictions.append(
        PredictionCost(record.urn, record.name, cloud, rate, cost.floor / thousands, cost.ceiling / thousands)
    )


def _online_deployment(record: CostRecord, ctx: _Context) -> None:
    low = _count(record.get("sku", "capacity")) or _count(record.get("properties", "scaleSettings", "minInstances"))
    high = _count(record.get("properties", "scaleSettings", "maxInstances"))
    for other in ctx.records:
        # An autoscale setting that targets the deployment sets its real bounds.
        if other.type.endswith(":AutoscaleSetting") and other.depends_on(record.urn, "targetResourceUri"):
            capacity = other.get("profiles", 0, "capacity") or {}
            low, high = _count(capacity.get("minimum")) or low, _count(capacity.get("maximum"))
    rate = _request_rate(record.get("tags", REQUEST_RATE_TAG))
    if low is None:
        ctx.unpriced(record, "azure", "instance count unknown before deployment")
        _predictions(ctx, record, "azure", rate, None)
        return
    high = high if high is not None else low
    cost = ctx.price(
        record,
        "azure",
        parts=[Part("azureml-online-instance", str(record.get("properties", "instanceType")))],
        region=record.get("location"),
        units=Capacity(low, high),
        what="instances",
    )
    _predictions(ctx, record, "azure", rate, cost)


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
    region = ctx.azure_region if cloud == "azure" else ctx.gcp_region
    row = ctx.prices.find(kind, sku, region)
    if row is None:
        ctx.unpriced(record, cloud, f"log ingestion: {ctx.prices.missing(kind, sku, region)}", kind)
        return
    billed = max(0.0, volume - row.free_units_per_month)
    monthly = billed * row.price
    free = f", first {row.free_units_per_month:g} GiB free" if row.free_units_per_month else ""
    ctx.estimate.rows[row.id] = row
    ctx.estimate.priced.append(
        ResourceCost(
            record.urn,
            record.name,
            record.type,
            cloud,
            f"log ingestion: {volume:g} GiB a month (assumed) at {row.price:g} {row.currency}/GiB{free}",
            (row.id,),
            monthly,
            monthly,
            monthly,
        )
    )


def _gke_cluster(record: CostRecord, ctx: _Context) -> None:
    ctx.price(
        record,
        "gcp",
        parts=[Part("gke-cluster-fee", "standard")],
        region=region_of(record.get("location")),
        units=Capacity(1, 1),
        what="cluster fee",
    )
    _gke_default_pool(record, ctx)
    for index, pool in enumerate(record.get("nodePools") or []):
        if isinstance(pool, Mapping):
            _gke_nodes(record, pool, ctx, what=f"node pool {pool.get('name', index)}", cluster=record)


def _gke_default_pool(record: CostRecord, ctx: _Context) -> None:
    """The cluster's default node pool (``initialNodeCount`` nodes of ``nodeConfig``), unless it is removed."""
    if record.get("nodePools"):
        return  # inline pools replace the default pool
    if record.get("enableAutopilot") is True:
        return  # Autopilot bills pods, not nodes: not estimated
    if record.get("removeDefaultNodePool") is True:
        ctx.free(record, "gcp", "default node pool: removed once the cluster exists (removeDefaultNodePool)")
        return
    pool = {"initialNodeCount": record.get("initialNodeCount"), "nodeConfig": record.get("nodeConfig") or {}}
    if record.get("nodeLocations"):
        pool["nodeLocations"] = record.get("nodeLocations")
    _gke_nodes(record, pool, ctx, what="default node pool", cluster=record)


def _gke_pool(record: CostRecord, ctx: _Context) -> None:
    clusters = record.property_dependencies.get("cluster", ())
    cluster = next((c for c in (ctx.record(urn) for urn in clusters) if c is not None), None)
    _gke_nodes(record, record.inputs, ctx, what="nodes", cluster=cluster)


def _zones(pool: Mapping[str, Any], cluster: CostRecord | None) -> tuple[int, str] | None:
    """How many zones a pool's per-zone counts apply to, and why; None when that is unknown offline."""
    candidates = [("node locations", pool.get("nodeLocations"))]
    if cluster is not None:
        candidates.append(("the cluster's node locations", cluster.get("nodeLocations")))
    for where, locations in candidates:
        if isinstance(locations, list) and locations and UNKNOWN not in locations:
            return len(locations), where
    location = cluster.get("location") if cluster else pool.get("location")
    if isinstance(location, str) and _ZONE.match(location):
        return 1, "a zonal cluster"
    if isinstance(location, str) and region_of(location) == location:
        return GKE_DEFAULT_ZONES, "the default zones of a regional cluster"
    return None


def _gke_nodes(
    record: CostRecord, pool: Mapping[str, Any], ctx: _Context, *, what: str, cluster: CostRecord | None
) -> None:
    node_config = pool.get("nodeConfig")
    config: Mapping[str, Any] = node_config if isinstance(node_config, Mapping) else {}
    machine = str(config.get("machineType") or GKE_DEFAULT_MACHINE)
    accelerators = _accelerators(config, machine)
    gpu_pool = bool(accelerators)
    autoscaling = pool.get("autoscaling")
    per_zone: tuple[float | None, float | None]
    if isinstance(autoscaling, Mapping) and (
        autoscaling.get("totalMinNodeCount") is not None or autoscaling.get("totalMaxNodeCount") is not None
    ):
        low, high = _count(autoscaling.get("totalMinNodeCount")), _count(autoscaling.get("totalMaxNodeCount"))
        how = ""
    else:
        if isinstance(autoscaling, Mapping):
            per_zone = (_count(autoscaling.get("minNodeCount")), _count(autoscaling.get("maxNodeCount")))
        else:
            fixed = _count(pool.get("nodeCount"))
            fixed = _count(pool.get("initialNodeCount")) if fixed is None else fixed
            per_zone = (fixed, fixed)
        zones = _zones(pool, cluster)
        if zones is None:
            ctx.unpriced(
                record, "gcp", f"{what}: per-zone node counts and an unknown number of zones", gpu_pool=gpu_pool
            )
            return
        if per_zone[0] is None or per_zone[1] is None:
            ctx.unpriced(record, "gcp", f"{what}: node count unknown before deployment", gpu_pool=gpu_pool)
            return
        low, high = per_zone[0] * zones[0], per_zone[1] * zones[0]
        how = f" ({zones[0]} zone{'s' if zones[0] != 1 else ''}: {zones[1]})"
        if zones[1].startswith("the default zones"):
            ctx.notes.add(
                f"GKE pools of a regional cluster without node locations run in {GKE_DEFAULT_ZONES} zones (the "
                "GKE default for regional clusters)."
            )
    if low is None or high is None:
        ctx.unpriced(record, "gcp", f"{what}: node count unknown before deployment", gpu_pool=gpu_pool)
        return
    spot = config.get("spot") is True or config.get("preemptible") is True
    suffix = "-spot" if spot else ""
    parts = [Part(f"gce-machine{suffix}", machine)]
    parts += [Part(f"gce-accelerator{suffix}", kind, count) for kind, count in accelerators]
    region = region_of(pool.get("location")) or (region_of(cluster.get("location")) if cluster else None)
    ctx.price(
        record,
        "gcp",
        parts=parts,
        region=region or ctx.gcp_region,
        units=Capacity(low, high, _expected(low, high, config.get("labels"))),
        what=what + how,
        gpu_pool=gpu_pool,
    )


def _accelerators(config: Mapping[str, Any], machine: str) -> list[tuple[str, int]]:
    """GPUs of a node: the pool's guest accelerators, else those an accelerator-optimized machine type brings."""
    found = []
    for accelerator in config.get("guestAccelerators") or []:
        if isinstance(accelerator, Mapping) and isinstance(accelerator.get("type"), str):
            count = _count(accelerator.get("count"))
            if count:
                found.append((accelerator["type"], int(count)))
    if not found and machine in gcp_gpu_machines():
        spec = gcp_gpu_machines()[machine]
        found.append((spec.accelerator_type, spec.gpus))
    return found


def _vertex_deployment(record: CostRecord, ctx: _Context) -> None:
    low, high = _count(record.get("min_replicas")), _count(record.get("max_replicas"))
    rate = _request_rate(record.get(REQUEST_RATE_INPUT))
    if low is None or high is None:
        ctx.unpriced(record, "gcp", "replica count unknown before deployment")
        _predictions(ctx, record, "gcp", rate, None)
        return
    cost = ctx.price(
        record,
        "gcp",
        parts=[Part("vertex-prediction-node", str(record.get("machine_type")))],
        region=ctx.gcp_region,
        units=Capacity(low, high),
        what="replicas",
    )
    _predictions(ctx, record, "gcp", rate, cost)


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


def estimate(
    records: Iterable[CostRecord],
    environment: str | None,
    prices: PriceTable | None = None,
    as_of: datetime.date | None = None,
) -> StackEstimate:
    """Price ``records`` (the custom resources of a stack) with ``prices`` (default: the packaged table); row ages
    are measured at ``as_of`` (default: today)."""
    table = prices if prices is not None else load_prices()
    chosen = list(records)
    result = StackEstimate(currency=table.currency, environment=environment, as_of=as_of or today())
    ctx = _Context(table, environment, chosen, _region(chosen, "azure"), _region(chosen, "gcp"), result)
    for record in chosen:
        rule = next((r for pattern, _, r in RULES if pattern.fullmatch(record.type)), None)
        if rule is not None:
            rule(record, ctx)
        elif not _not_billed(record.type):
            result.unpriced.append(
                Unpriced(
                    record.urn,
                    record.name,
                    record.type,
                    cloud_of(record.type),
                    f"no price rule for {record.type}",
                    has_rule=False,
                )
            )
    result.warnings = _stale(result)
    result.assumptions = [
        f"Monthly = {HOURS_PER_MONTH} hours of on-demand list prices ({table.currency or 'no prices'}; "
        f"{table.file} and {CATALOG_FILE}); no discounts, commitments or taxes.",
        "Floor: every autoscaler at its minimum; ceiling: at its maximum; expected: where the config states an "
        "expected utilisation.",
        "Unpriced resources are listed with the reason and not counted.",
        *_ages(result),
        *sorted(ctx.notes),
    ]
    return result


def _ages(result: StackEstimate) -> list[str]:
    if not result.rows:
        return []
    dates = sorted(row.read for row in result.rows.values())
    oldest = (result.as_of - dates[0]).days
    rows = f"{len(result.rows)} price row{'s' if len(result.rows) != 1 else ''}"
    return [
        f"{rows} used, dated {dates[0].isoformat()} to {dates[-1].isoformat()} "
        f"(oldest {oldest} days on {result.as_of.isoformat()})."
    ]


def _stale(result: StackEstimate) -> list[str]:
    """A warning per source and date of rows older than a year."""
    old: Counter[tuple[str, datetime.date]] = Counter(
        (row.api or row.source, row.read)
        for row in result.rows.values()
        if row.age_days(result.as_of) > STALE_AFTER_DAYS
    )
    return [
        f"{count} price row{'s' if count != 1 else ''} from {source} dated {read.isoformat()} "
        f"{'are' if count != 1 else 'is'} {(result.as_of - read).days} days old (over {STALE_AFTER_DAYS}): "
        "refresh with scripts/refresh_prices.py"
        for (source, read), count in sorted(old.items(), key=lambda item: item[0][1])
    ]


def _region(records: list[CostRecord], cloud: str) -> str | None:
    """The stack's region on a cloud: the most common region of its regional resources (child resources such as
    AKS agent pools carry none of their own)."""
    found = Counter(
        region_of(r.get("location")) if cloud == "gcp" else r.get("location")
        for r in records
        if cloud_of(r.type) == cloud and isinstance(r.get("location"), str) and r.get("location") != "global"
    )
    found.pop(None, None)
    return found.most_common(1)[0][0] if found else None

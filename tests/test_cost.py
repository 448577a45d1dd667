"""The price table and the cost estimator: validation, arithmetic per resource kind, autoscaling bounds,
expected utilisation, unpriced resources (listed with the reason, never counted as zero)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiscale.core.cost import (
    EXPECTED_LABEL,
    REQUEST_RATE_INPUT,
    REQUEST_RATE_TAG,
    CostRecord,
    estimate,
    parse_prices,
)

ROW: dict[str, Any] = {
    "currency": "USD",
    "region": "westeurope",
    "unit": "hour",
    "source": "https://example.org/prices",
    "read": "2026-11-23",
}


def table(*rows: dict[str, Any], gaps: dict[str, str] | None = None) -> Any:
    return parse_prices(
        {"rows": [{**ROW, "id": f"row-{i}", **row} for i, row in enumerate(rows)], "gaps": gaps or {}}, "test.yaml"
    )


PRICES = table(
    {"kind": "azure-vm", "sku": "Standard_NC8as_T4_v3", "price": 1.0},
    {"kind": "azure-vm-spot", "sku": "Standard_NC4as_T4_v3", "price": 0.25},
    {"kind": "azure-vm", "sku": "Standard_D4ds_v5", "price": 0.2},
    {"kind": "aks-cluster-fee", "sku": "Standard", "region": "global", "price": 0.1},
    {"kind": "azureml-online-instance", "sku": "Standard_DS3_v2", "price": 0.5},
    {"kind": "gke-cluster-fee", "sku": "standard", "region": "global", "price": 0.1},
    {"kind": "gce-machine", "sku": "g2-standard-8", "region": "europe-west4", "price": 1.5},
    {"kind": "gce-machine-spot", "sku": "g2-standard-4", "region": "europe-west4", "price": 0.25},
    {"kind": "gce-accelerator", "sku": "nvidia-l4", "region": "europe-west4", "price": 0.5},
    {"kind": "gce-accelerator-spot", "sku": "nvidia-l4", "region": "europe-west4", "price": 0.25},
    {"kind": "gce-accelerator", "sku": "nvidia-l4", "count": 2, "region": "europe-west4", "price": 1.0},
    {"kind": "gce-machine", "sku": "e2-standard-4", "region": "europe-west4", "price": 0.125},
    {"kind": "gce-machine", "sku": "e2-medium", "region": "europe-west4", "price": 0.03},
    {"kind": "vertex-prediction-node", "sku": "n1-standard-4", "region": "europe-west4", "price": 0.25},
    {"kind": "log-ingestion", "sku": "cloud-logging", "region": "global", "unit": "GiB", "price": 0.5,
     "free_units_per_month": 50},
    gaps={"gce-machine": "not read yet"},
)  # fmt: skip


def record(type_: str, name: str, **inputs: Any) -> CostRecord:
    return CostRecord(f"urn:pulumi:dev::p::{type_}::{name}", type_, name, inputs)


AKS_POOL = "azure-native:containerservice:AgentPool"
GKE_POOL = "gcp:container/nodePool:NodePool"


TODAY = datetime.date(2026, 12, 1)


def only(records: list[CostRecord], environment: str = "dev") -> Any:
    return estimate(records, environment, PRICES, as_of=TODAY)


# --- Arithmetic per resource kind ------------------------------------------------------------------------------


def test_aks_pool_floor_and_ceiling_follow_the_autoscaler() -> None:
    result = only(
        [
            record("azure-native:resources:ResourceGroup", "rg", location="westeurope"),
            record(AKS_POOL, "serve", vmSize="Standard_NC8as_T4_v3", enableAutoScaling=True, minCount=0, maxCount=2),
        ]
    )
    [pool] = result.priced
    assert (pool.floor, pool.ceiling, pool.expected) == (0.0, 2 * 730 * 1.0, None)
    assert pool.basis == "nodes: 0-2 x Standard_NC8as_T4_v3 at 1 USD/hour"
    assert result.expected() is None  # an autoscaled pool states no expectation


def test_spot_pools_use_spot_prices_and_expected_utilisation_is_read_from_the_pool_label() -> None:
    result = only(
        [
            record("azure-native:resources:ResourceGroup", "rg", location="westeurope"),
            record(
                AKS_POOL,
                "batch",
                vmSize="Standard_NC4as_T4_v3",
                scaleSetPriority="Spot",
                enableAutoScaling=True,
                minCount=1,
                maxCount=5,
                nodeLabels={EXPECTED_LABEL: "25"},
            ),
        ]
    )
    [pool] = result.priced
    assert pool.price_id == "row-1"
    assert (pool.floor, pool.ceiling) == (730 * 0.25, 5 * 730 * 0.25)
    assert pool.expected == pytest.approx((1 + 4 * 0.25) * 730 * 0.25)  # min + (max - min) x 25 %
    assert result.expected() == pytest.approx(pool.expected)


def test_aks_cluster_prices_its_tier_and_system_pool() -> None:
    cluster = record(
        "azure-native:containerservice:ManagedCluster",
        "aks",
        location="westeurope",
        sku={"name": "Base", "tier": "Standard"},
        agentPoolProfiles=[
            {"name": "system", "vmSize": "Standard_D4ds_v5", "enableAutoScaling": True, "minCount": 2, "maxCount": 3}
        ],
    )
    result = only([cluster])
    tier, system = result.priced
    assert (tier.floor, tier.ceiling, tier.expected) == (73.0, 73.0, 73.0)
    assert (system.floor, system.ceiling) == pytest.approx((2 * 146.0, 3 * 146.0))
    assert result.floor() == pytest.approx(73 + 292) and result.ceiling() == pytest.approx(73 + 438)


def test_online_deployment_bounds_come_from_its_autoscale_setting() -> None:
    deployment = CostRecord(
        "urn:d",
        "azure-native:machinelearningservices:OnlineDeployment",
        "blue",
        {"location": "westeurope", "sku": {"capacity": 1}, "properties": {"instanceType": "Standard_DS3_v2"}},
    )
    autoscale = CostRecord(
        "urn:a",
        "azure-native:monitor:AutoscaleSetting",
        "blue-autoscale",
        {"profiles": [{"capacity": {"minimum": "2", "maximum": "4", "default": "2"}}]},
        {"targetResourceUri": ["urn:d"]},
    )
    result = only([deployment, autoscale])
    [priced] = result.priced
    assert (priced.floor, priced.ceiling) == (2 * 365.0, 4 * 365.0)
    assert [u.name for u in result.unpriced] == ["blue-autoscale"]


def test_gke_cluster_fee_and_pools_with_total_and_per_zone_bounds() -> None:
    result = only(
        [
            record("gcp:container/cluster:Cluster", "gke", location="europe-west4", removeDefaultNodePool=True),
            record(
                GKE_POOL,
                "l4serve",
                location="europe-west4",
                autoscaling={"totalMinNodeCount": 1, "totalMaxNodeCount": 3},
                nodeConfig={"machineType": "g2-standard-8", "labels": {EXPECTED_LABEL: "50"}},
            ),
            record(
                GKE_POOL,
                "l4batch",
                location="europe-west4",
                nodeLocations=["europe-west4-a", "europe-west4-b"],
                autoscaling={"minNodeCount": 0, "maxNodeCount": 2},
                nodeConfig={"machineType": "g2-standard-4", "spot": True},
            ),
        ]
    )
    fee, default_pool, serve, batch = result.priced
    assert (fee.floor, fee.ceiling) == (73.0, 73.0)
    assert default_pool.basis == "default node pool: removed once the cluster exists (removeDefaultNodePool)"
    assert (default_pool.floor, default_pool.ceiling, default_pool.price_ids) == (0, 0, ())
    # A GPU machine is priced as the machine plus its accelerators (g2 machines bring one L4 each).
    assert serve.basis == "nodes: 1-3 x (g2-standard-8 at 1.5 + nvidia-l4 at 0.5) USD/hour"
    assert (serve.floor, serve.ceiling, serve.expected, serve.gpu_pool) == (1460.0, 3 * 1460.0, 2 * 1460.0, True)
    assert (batch.floor, batch.ceiling, batch.price_ids) == (0.0, 4 * 365.0, ("row-7", "row-9"))
    assert batch.basis == "nodes (2 zones: node locations): 0-4 x (g2-standard-4 at 0.25 + nvidia-l4 at 0.25) USD/hour"
    assert result.floor("gcp") == 73 + 1460 and result.ceiling("azure") == 0


def test_vertex_replicas_and_cloud_logging_over_the_free_allotment() -> None:
    result = only(
        [
            record("gcp:compute/subnetwork:Subnetwork", "net", region="europe-west4", location="europe-west4"),
            record(
                "pulumi-python:dynamic/vertex:ModelDeployment",
                "blue",
                machine_type="n1-standard-4",
                min_replicas=1,
                max_replicas=3,
            ),
            record("gcp:logging/projectBucketConfig:ProjectBucketConfig", "logs", bucketId="_Default"),
        ],
        environment="prod",
    )
    vertex, logs = result.priced
    assert (vertex.floor, vertex.ceiling) == (182.5, 547.5)
    # prod assumes 300 GiB a month: (300 - 50 free) x 0.50
    assert (logs.floor, logs.ceiling, logs.expected) == (125.0, 125.0, 125.0)
    assert any("300 GiB a month (prod" in a and "assumption" in a for a in result.assumptions)


def test_unpriced_resources_are_listed_with_the_reason_and_never_counted() -> None:
    result = only(
        [
            record("gcp:container/cluster:Cluster", "gke", location="europe-west4"),
            record(
                GKE_POOL,
                "a100",
                location="europe-west4",
                autoscaling={"totalMinNodeCount": 2, "totalMaxNodeCount": 4},
                nodeConfig={"machineType": "a2-highgpu-1g"},
            ),
            record(AKS_POOL, "unknown", vmSize="Standard_NC8as_T4_v3", enableAutoScaling=True, minCount="[unknown]"),
            record("gcp:kms/keyRing:KeyRing", "ring", location="europe-west4"),
            record("kubernetes:core/v1:Namespace", "team"),
            record("pulumi:providers:kubernetes", "k8s"),
        ]
    )
    assert result.floor() == result.ceiling() == 73.0
    reasons = {u.name: u.reason for u in result.unpriced}
    assert reasons == {
        "gke": "default node pool: node count unknown before deployment",
        "a100": "nodes: no price row for gce-machine a2-highgpu-1g in europe-west4",
        "unknown": "node count unknown before deployment",
        "ring": "no price rule for gcp:kms/keyRing:KeyRing",
    }
    document = result.to_json()
    assert document["monthly"] == {"floor": 73.0, "ceiling": 73.0, "expected": 73.0}
    assert [u["name"] for u in document["unpriced"]] == ["gke", "a100", "unknown", "ring"]
    assert document["unpriced"][1]["reason"].endswith("in europe-west4 (not read yet)")
    assert [(u["gpuPool"], u["priceRule"]) for u in document["unpriced"]] == [
        (False, True),
        (True, True),
        (True, True),
        (False, False),
    ]
    assert document["headline"] == "≥ 73.00 USD/month priced; 3 resources unpriced, including 2 GPU pools"
    assert document["coverage"] == {
        "pricedResources": 0,
        "unpricedResources": 3,
        "gpuPools": 2,
        "unpricedGpuPools": 2,
        "withoutPriceRule": 1,
    }


def test_expected_utilisation_flows_from_the_gpu_pool_component_to_the_estimate() -> None:
    from aiscale.components.azure.gpu_node_pool import AksGpuNodePool  # noqa: PLC0415
    from aiscale.core.cost import from_registrations  # noqa: PLC0415
    from aiscale.core.engine import record_program  # noqa: PLC0415
    from tests.test_component_aks import pool_args  # noqa: PLC0415

    run = record_program(
        lambda: AksGpuNodePool(
            "gpu", pool_args(vm_size="Standard_NC8as_T4_v3", min_nodes=1, max_nodes=3, expected_utilization_percent=50)
        )
    )
    records = [
        record("azure-native:resources:ResourceGroup", "rg", location="westeurope"),
        *from_registrations(run.registrations),
    ]
    [pool] = only(records).priced
    assert pool.name == "gpu-pool"
    assert (pool.floor, pool.expected, pool.ceiling) == (730.0, 2 * 730.0, 3 * 730.0)


def test_plan_of_the_dev_stack_reports_its_cost(capsys: pytest.CaptureFixture[str]) -> None:
    import json  # noqa: PLC0415

    from aiscale.core.cli import main  # noqa: PLC0415
    from tests.conftest import REPO  # noqa: PLC0415

    assert main(["plan", "dev", "--project", str(REPO), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    cost = document["cost"]
    assert cost["currency"] == "USD" and cost["hoursPerMonth"] == 730
    # GKE fee 73 + system pool 3 zones x 1-2 x e2-standard-4 + two L4 pools scaling from zero.
    assert cost["monthly"] == {"floor": 396.11, "ceiling": 3166.67, "expected": None}
    assert cost["headline"] == "≥ 396.11 USD/month priced; 6 resources unpriced, including 2 GPU pools"
    reasons = {u["name"]: u["reason"] for u in cost["unpriced"]}
    # The price data has no European Azure region: westeurope is never priced with a US region's figures.
    assert reasons["azure-gpu-t4serve-pool"].startswith(
        "nodes: no westeurope price for azure-vm Standard_NC8as_T4_v3 (the price data has it only in centralus, "
    )
    serve = next(c for c in cost["resources"] if c["name"] == "gcp-gpu-l4serve-pool")
    assert serve["priceRows"] == ["gce-machine:g2-standard-8:europe-west4", "gce-accelerator:nvidia-l4x1:europe-west4"]
    row = cost["priceRows"]["gce-accelerator:nvidia-l4x1:europe-west4"]
    assert row["source"] == "skypilot-org/skypilot-catalog/catalogs/v9/gcp/vms.csv@2c3d7ea7"
    assert row["api"].startswith("Cloud Billing Catalog API") and row["asOf"] == "2026-11-01"
    serve = next(r for r in document["resources"] if r["name"] == "gcp-gpu-l4serve-pool")
    assert serve["inputs"]["nodeConfig"]["labels"][EXPECTED_LABEL] == "25"  # from Pulumi.dev.yaml
    assert main(["plan", "dev", "--project", str(REPO)]) == 0
    table = capsys.readouterr().out
    assert "Cost per month (estimate): ≥ 396.11 USD/month priced; 6 resources unpriced, including 2 GPU pools" in table
    assert "assumption: Log ingestion assumed at 20 GiB a month (dev;" in table


@given(
    low=st.integers(min_value=0, max_value=50),
    extra=st.integers(min_value=0, max_value=50),
    percent=st.integers(min_value=0, max_value=100),
)
def test_floor_expected_ceiling_are_ordered_for_any_pool(low: int, extra: int, percent: int) -> None:
    pool = record(
        AKS_POOL,
        "pool",
        vmSize="Standard_NC8as_T4_v3",
        enableAutoScaling=True,
        minCount=low,
        maxCount=low + extra,
        nodeLabels={EXPECTED_LABEL: str(percent)},
    )
    [cost] = only([record("azure-native:resources:ResourceGroup", "rg", location="westeurope"), pool]).priced
    assert cost.expected is not None
    assert cost.floor <= cost.expected <= cost.ceiling
    assert cost.floor == low * 730.0 and cost.ceiling == (low + extra) * 730.0


# --- GKE default and inline pools, zones ---------------------------------------------------------------------------

GKE_CLUSTER = "gcp:container/cluster:Cluster"


def test_a_gke_clusters_default_pool_is_priced_per_zone() -> None:
    regional = record(
        GKE_CLUSTER,
        "regional",
        location="europe-west4",
        initialNodeCount=1,
        nodeConfig={"machineType": "e2-standard-4"},
    )
    zonal = record(GKE_CLUSTER, "zonal", location="europe-west4-b", initialNodeCount=2)
    pinned = record(
        GKE_CLUSTER, "pinned", location="europe-west4", initialNodeCount=1, nodeLocations=["europe-west4-a"]
    )
    result = only([regional, zonal, pinned])
    pools = {c.name: c for c in result.priced if c.basis.startswith("default node pool")}
    # Regional without node locations: the GKE default of three zones.
    assert pools["regional"].basis == (
        "default node pool (3 zones: the default zones of a regional cluster): 3 x e2-standard-4 at 0.125 USD/hour"
    )
    assert pools["regional"].floor == pools["regional"].ceiling == 3 * 0.125 * 730
    # No machine type: the provider's default, e2-medium.
    assert pools["zonal"].basis == "default node pool (1 zone: a zonal cluster): 2 x e2-medium at 0.03 USD/hour"
    assert pools["pinned"].floor == 0.03 * 730
    assert any("3 zones (the GKE default for regional clusters)" in a for a in result.assumptions)


def test_inline_pools_replace_the_default_pool_and_a_pool_inherits_the_clusters_zones() -> None:
    cluster = record(
        GKE_CLUSTER,
        "gke",
        location="europe-west4",
        nodeLocations=["europe-west4-a", "europe-west4-b"],
        nodePools=[{"name": "inline", "nodeCount": 1, "nodeConfig": {"machineType": "e2-standard-4"}}],
    )
    pool = CostRecord(
        "urn:pool",
        GKE_POOL,
        "system",
        {"location": "europe-west4", "autoscaling": {"minNodeCount": 1, "maxNodeCount": 2},
         "nodeConfig": {"machineType": "e2-standard-4"}},
        {"cluster": [cluster.urn]},
    )  # fmt: skip
    fee, inline, system = only([cluster, pool]).priced
    assert (
        inline.basis == "node pool inline (2 zones: the cluster's node locations): 2 x e2-standard-4 at 0.125 USD/hour"
    )
    assert (system.floor, system.ceiling) == (2 * 0.125 * 730, 4 * 0.125 * 730)
    assert fee.basis.startswith("cluster fee")


def test_gpu_parts_are_all_needed_the_missing_one_is_named() -> None:
    result = only(
        [
            record(
                GKE_POOL,
                "l4x2",
                location="europe-west4",
                autoscaling={"totalMinNodeCount": 0, "totalMaxNodeCount": 1},
                nodeConfig={"machineType": "g2-standard-8", "spot": True,
                            "guestAccelerators": [{"type": "nvidia-l4", "count": 2}]},
            )
        ]
    )  # fmt: skip
    assert result.priced == []
    [missing] = result.unpriced
    assert missing.reason == "nodes: no price row for gce-machine-spot g2-standard-8 in europe-west4"
    assert missing.gpu_pool


# --- Cost per 1,000 predictions -------------------------------------------------------------------------------------


def test_cost_per_thousand_predictions_at_the_stated_request_rate() -> None:
    deployment = record(
        "azure-native:machinelearningservices:OnlineDeployment",
        "blue",
        location="westeurope",
        sku={"capacity": 1},
        properties={"instanceType": "Standard_DS3_v2", "scaleSettings": {"maxInstances": 4}},
        tags={REQUEST_RATE_TAG: "20"},
    )
    vertex = record(
        "pulumi-python:dynamic/vertex:ModelDeployment",
        "green",
        machine_type="g2-standard-8",
        min_replicas=1,
        max_replicas=2,
        **{REQUEST_RATE_INPUT: 5},
    )
    silent = record(
        "azure-native:machinelearningservices:OnlineDeployment",
        "quiet",
        location="westeurope",
        sku={"capacity": 1},
        properties={"instanceType": "Standard_DS3_v2"},
    )
    result = only([record("gcp:compute/network:Network", "net", location="europe-west4"), deployment, vertex, silent])
    priced, unpriced = result.predictions
    # 1-4 instances at 0.5 an hour: 365-1,460 a month for 20 x 3,600 x 730 / 1,000 = 52,560 thousand predictions.
    assert (priced.name, priced.requests_per_second) == ("blue", 20)
    assert priced.floor == pytest.approx(365 / 52_560) and priced.ceiling == pytest.approx(1460 / 52_560)
    assert (unpriced.name, unpriced.floor, unpriced.ceiling) == ("green", None, None)
    assert unpriced.reason == "replicas: no price row for vertex-prediction-node g2-standard-8 in europe-west4"
    document = result.to_json()["perThousandPredictions"]
    assert document[0] == {
        "urn": priced.urn,
        "name": "blue",
        "cloud": "azure",
        "requestsPerSecond": 20.0,
        "floor": round(365 / 52_560, 4),
        "ceiling": round(1460 / 52_560, 4),
        "reason": None,
    }


# --- Row ages --------------------------------------------------------------------------------------------------------


def test_the_estimate_states_row_ages_and_warns_about_rows_older_than_a_year() -> None:
    pool = record(AKS_POOL, "serve", vmSize="Standard_NC8as_T4_v3", enableAutoScaling=True, minCount=0, maxCount=1)
    group = record("azure-native:resources:ResourceGroup", "rg", location="westeurope")
    fresh = estimate([group, pool], "dev", PRICES, as_of=datetime.date(2027, 11, 23))
    assert fresh.warnings == []
    assert "1 price row used, dated 2026-11-23 to 2026-11-23 (oldest 365 days on 2027-11-23)." in fresh.assumptions
    stale = estimate([group, pool], "dev", PRICES, as_of=datetime.date(2027, 11, 24))
    assert stale.warnings == [
        "1 price row from https://example.org/prices dated 2026-11-23 is 366 days old (over 365): refresh with "
        "scripts/refresh_prices.py"
    ]
    assert stale.to_json()["priceRows"]["row-0"]["ageDays"] == 366


# --- Properties -------------------------------------------------------------------------------------------------------


@given(
    low=st.integers(min_value=0, max_value=20),
    extra=st.integers(min_value=0, max_value=20),
    percent=st.integers(min_value=0, max_value=100),
    spot=st.booleans(),
    zones=st.integers(min_value=1, max_value=3),
)
def test_gke_gpu_pool_cost_is_nodes_times_machine_plus_accelerator(
    low: int, extra: int, percent: int, spot: bool, zones: int
) -> None:
    pool = record(
        GKE_POOL,
        "pool",
        location="europe-west4",
        nodeLocations=[f"europe-west4-{z}" for z in "abc"[:zones]],
        autoscaling={"minNodeCount": low, "maxNodeCount": low + extra},
        nodeConfig={"machineType": "g2-standard-8" if not spot else "g2-standard-4", "spot": spot,
                    "labels": {EXPECTED_LABEL: str(percent)}},
    )  # fmt: skip
    [cost] = only([pool]).priced
    hourly = 0.25 + 0.25 if spot else 1.5 + 0.5
    assert cost.floor == pytest.approx(low * zones * hourly * 730)
    assert cost.ceiling == pytest.approx((low + extra) * zones * hourly * 730)
    assert cost.expected is not None and cost.floor <= cost.expected + 1e-9 <= cost.ceiling + 2e-9
    assert cost.gpu_pool


@given(
    capacity=st.integers(min_value=1, max_value=10),
    extra=st.integers(min_value=0, max_value=10),
    rate=st.floats(min_value=0.01, max_value=10_000, allow_nan=False),
)
def test_cost_per_prediction_falls_as_the_request_rate_rises(capacity: int, extra: int, rate: float) -> None:
    def per_thousand(requests: float) -> Any:
        deployment = record(
            "azure-native:machinelearningservices:OnlineDeployment",
            "blue",
            location="westeurope",
            sku={"capacity": capacity},
            properties={"instanceType": "Standard_DS3_v2", "scaleSettings": {"maxInstances": capacity + extra}},
            tags={REQUEST_RATE_TAG: str(requests)},
        )
        [prediction] = only([deployment]).predictions
        return prediction

    once, twice = per_thousand(rate), per_thousand(rate * 2)
    assert 0 < once.floor <= once.ceiling
    assert twice.floor == pytest.approx(once.floor / 2) and twice.ceiling == pytest.approx(once.ceiling / 2)


@given(
    priced=st.lists(st.tuples(st.booleans(), st.booleans()), max_size=6),
)
def test_the_headline_counts_what_it_could_not_price(priced: list[tuple[bool, bool]]) -> None:
    """Each entry is a pool: (is it a GPU pool, is its size priced)."""
    records = [record("azure-native:resources:ResourceGroup", "rg", location="westeurope")]
    for index, (gpu, known) in enumerate(priced):
        size = ("Standard_NC8as_T4_v3" if known else "Standard_NC16as_T4_v3") if gpu else (
            "Standard_D4ds_v5" if known else "Standard_D8ds_v5")  # fmt: skip
        records.append(record(AKS_POOL, f"p{index}", vmSize=size, enableAutoScaling=True, minCount=1, maxCount=1))
    result = only(records)
    unpriced = sum(1 for _, known in priced if not known)
    gpu_unpriced = sum(1 for gpu, known in priced if gpu and not known)
    coverage = result.coverage()
    assert coverage["unpricedResources"] == unpriced and coverage["unpricedGpuPools"] == gpu_unpriced
    assert coverage["pricedResources"] == len(priced) - unpriced
    assert result.headline().startswith(f"≥ {result.floor():,.2f} USD/month priced; {unpriced} resource")
    assert (f"including {gpu_unpriced} GPU pool" in result.headline()) == (gpu_unpriced > 0)


def test_the_request_rate_flows_from_the_endpoint_components_to_the_estimate() -> None:
    from aiscale.components.azure.online_endpoint import OnlineEndpoint  # noqa: PLC0415
    from aiscale.components.gcp.vertex_endpoint import VertexEndpoint  # noqa: PLC0415
    from aiscale.core.cost import from_registrations, load_prices  # noqa: PLC0415
    from aiscale.core.engine import record_program  # noqa: PLC0415
    from tests import test_component_ml, test_component_vertex  # noqa: PLC0415

    azure = test_component_ml.endpoint_args(location="eastus")
    azure["deployments"]["blue"]["expected_requests_per_second"] = 20
    vertex = test_component_vertex.endpoint_args()
    vertex["deployments"]["blue"]["expected_requests_per_second"] = 5

    def program() -> None:
        OnlineEndpoint("ep", azure)
        VertexEndpoint("vx", vertex)

    run = record_program(program)
    blue = next(r for r in run.registrations if r.name == "ep-blue")
    assert blue.inputs["tags"] == {REQUEST_RATE_TAG: "20"}
    green = next(r for r in run.registrations if r.name == "ep-green")
    assert "tags" not in green.inputs  # states no rate
    result = estimate(from_registrations(run.registrations), "dev", load_prices(), as_of=datetime.date(2026, 12, 1))
    predictions = {p.name: p for p in result.predictions}
    assert set(predictions) == {"ep-blue", "vx-blue"}
    row = load_prices().find("azureml-online-instance", "Standard_NC4as_T4_v3", "eastus")
    assert row is not None
    thousands = 20 * 3600 * 730 / 1000
    # 2-4 instances (the autoscale setting's bounds) of the eastus price.
    assert predictions["ep-blue"].floor == pytest.approx(2 * row.price * 730 / thousands)
    assert predictions["ep-blue"].ceiling == pytest.approx(4 * row.price * 730 / thousands)
    assert predictions["vx-blue"].floor is None
    assert (
        predictions["vx-blue"].reason
        == "replicas: no price row for vertex-prediction-node g2-standard-8 in europe-west4"
    )


def test_a_request_rate_must_be_positive() -> None:
    from pydantic import TypeAdapter, ValidationError  # noqa: PLC0415

    from aiscale.core.config.azure import OnlineDeploymentConfig  # noqa: PLC0415
    from aiscale.core.config.common import RequestRate  # noqa: PLC0415
    from aiscale.core.config.gcp import VertexDeploymentConfig  # noqa: PLC0415

    rate = TypeAdapter(RequestRate)
    assert rate.validate_python(12.5) == 12.5
    with pytest.raises(ValidationError, match="Input should be greater than 0"):
        rate.validate_python(0)
    for model in (OnlineDeploymentConfig, VertexDeploymentConfig):
        assert model.model_fields["expected_requests_per_second"].default is None

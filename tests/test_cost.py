"""The price table and the cost estimator: validation, arithmetic per resource kind, autoscaling bounds,
expected utilisation, unpriced resources (listed with the reason, never counted as zero)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiscale.core.cost import (
    EXPECTED_LABEL,
    CostRecord,
    PriceTableError,
    estimate,
    load_prices,
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
    {"kind": "gce-machine", "sku": "g2-standard-8", "region": "europe-west4", "price": 2.0},
    {"kind": "gce-machine-spot", "sku": "g2-standard-4", "region": "europe-west4", "price": 0.5},
    {"kind": "vertex-prediction-node", "sku": "n1-standard-4", "region": "europe-west4", "price": 0.25},
    {"kind": "log-ingestion", "sku": "cloud-logging", "region": "global", "unit": "GiB", "price": 0.5,
     "free_units_per_month": 50},
    gaps={"gce-machine": "not read yet"},
)  # fmt: skip


def record(type_: str, name: str, **inputs: Any) -> CostRecord:
    return CostRecord(f"urn:pulumi:dev::p::{type_}::{name}", type_, name, inputs)


AKS_POOL = "azure-native:containerservice:AgentPool"
GKE_POOL = "gcp:container/nodePool:NodePool"


def only(records: list[CostRecord], environment: str = "dev") -> Any:
    return estimate(records, environment, PRICES)


# --- The price table -------------------------------------------------------------------------------------------


def test_packaged_table_rows_all_have_a_source_and_a_date() -> None:
    prices = load_prices()
    assert prices.currency == "USD"
    assert {r.id for r in prices.rows} == {"gke-cluster-fee", "aks-free-tier", "cloud-logging-ingestion"}
    for row in prices.rows:
        assert row.source.startswith("https://") and row.read.year >= 2026 and row.note
    assert prices.find("gke-cluster-fee", "standard", "europe-west4").price == 0.10  # type: ignore[union-attr]
    # Every kind the estimator asks for either has a row or a documented gap.
    kinds = {"aks-cluster-fee", "azure-vm", "azure-vm-spot", "azureml-online-instance", "log-analytics-ingestion",
             "gke-cluster-fee", "gce-machine", "gce-machine-spot", "vertex-prediction-node", "log-ingestion"}  # fmt: skip
    assert kinds <= {r.kind for r in prices.rows} | set(prices.gaps)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"price": -1}, "rows[0].price: must be a number >= 0 (got -1)"),
        ({"price": "cheap"}, "rows[0].price: must be a number >= 0 (got 'cheap')"),
        ({"source": ""}, "rows[0].source: required"),
        ({"read": "yesterday"}, "rows[0].read: must be a date YYYY-MM-DD (got 'yesterday')"),
        ({"unit": "month"}, "rows[0].unit: must be one of hour, GiB (got 'month')"),
        ({"currency": "usd"}, "rows[0].currency: must be an ISO 4217 code"),
        ({"colour": "red"}, "rows[0].colour: unknown field"),
    ],
)
def test_a_bad_row_names_the_file_and_the_field(row: dict[str, Any], message: str) -> None:
    with pytest.raises(PriceTableError, match=r"invalid price table test\.yaml: ") as raised:
        table({"kind": "azure-vm", "sku": "x", "price": 1, **row})
    assert message in str(raised.value)


def test_one_currency_and_no_duplicate_prices() -> None:
    with pytest.raises(PriceTableError, match=r"rows\[1\].currency: EUR differs from the table's USD"):
        table({"kind": "a", "sku": "x", "price": 1}, {"kind": "b", "sku": "x", "price": 1, "currency": "EUR"})
    with pytest.raises(PriceTableError, match=r"rows\[1\]: a x in westeurope is already priced by row-0"):
        table({"kind": "a", "sku": "x", "price": 1}, {"kind": "a", "sku": "x", "price": 2})


def test_an_unreadable_table_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "prices.yaml"
    broken.write_text("rows: [", encoding="utf-8")
    with pytest.raises(PriceTableError, match=f"price table {broken} is not valid YAML"):
        load_prices(broken)
    with pytest.raises(PriceTableError, match="cannot read price table"):
        load_prices(tmp_path / "missing.yaml")


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
            record("gcp:container/cluster:Cluster", "gke", location="europe-west4"),
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
    fee, serve, batch = result.priced
    assert (fee.floor, fee.ceiling) == (73.0, 73.0)
    assert (serve.floor, serve.ceiling, serve.expected) == (1460.0, 3 * 1460.0, 2 * 1460.0)
    assert (batch.floor, batch.ceiling, batch.price_id) == (0.0, 4 * 365.0, "row-7")
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
        "a100": "nodes: no price row for gce-machine a2-highgpu-1g in europe-west4",
        "unknown": "node count unknown before deployment",
        "ring": "no price rule for gcp:kms/keyRing:KeyRing",
    }
    document = result.to_json()
    assert document["monthly"] == {"floor": 73.0, "ceiling": 73.0, "expected": 73.0}
    assert [u["name"] for u in document["unpriced"]] == ["a100", "unknown", "ring"]
    assert document["unpriced"][0]["reason"].endswith("in europe-west4 (not read yet)")


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
    assert cost["monthly"] == {"floor": 73.0, "ceiling": 73.0, "expected": 73.0}
    reasons = {u["name"]: u["reason"] for u in cost["unpriced"]}
    assert reasons["azure-gpu-t4serve-pool"].startswith(
        "nodes: no price row for azure-vm Standard_NC8as_T4_v3 in westeurope (Azure VM hourly prices"
    )
    serve = next(r for r in document["resources"] if r["name"] == "gcp-gpu-l4serve-pool")
    assert serve["inputs"]["nodeConfig"]["labels"][EXPECTED_LABEL] == "25"  # from Pulumi.dev.yaml
    assert main(["plan", "dev", "--project", str(REPO)]) == 0
    table = capsys.readouterr().out
    assert "Cost per month (estimate): floor 73.00 · ceiling 73.00 · expected 73.00 USD" in table
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

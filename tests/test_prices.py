"""The price table: the packaged rows and their provenance, what the transcribed catalog covers, the sanity rules
that reject rows (each rule its own row), regions never priced with another region's figures, and validation
errors that name the file and the field."""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiscale.core.cost import PriceTableError, load_prices, parse_catalog, parse_prices, sane
from aiscale.core.gpu import azure_gpu_skus, gcp_gpu_machines
from tests.conftest import REPO

ROW: dict[str, Any] = {
    "currency": "USD",
    "region": "westeurope",
    "unit": "hour",
    "source": "https://example.org/prices",
    "read": "2026-11-23",
}
HEADER = "kind,sku,count,region,currency,unit,price,as_of,api,source_repo,source_path,source_commit,rejected\n"


def table(*rows: dict[str, Any], gaps: dict[str, str] | None = None) -> Any:
    return parse_prices(
        {"rows": [{**ROW, "id": f"row-{i}", **row} for i, row in enumerate(rows)], "gaps": gaps or {}}, "test.yaml"
    )


def catalog(*lines: str) -> str:
    """Catalog rows as ``kind,sku,count,region,price`` with the provenance columns filled in."""
    rows = [line.split(",") for line in lines]
    return HEADER + "".join(
        f"{kind},{sku},{count},{region},USD,hour,{price},2026-11-01,Test API,org/repo,path/vms.csv,0123456789abcdef,\n"
        for kind, sku, count, region, price in rows
    )


STACK_SIZES = {
    "azure": {"Standard_D4ds_v5", "Standard_D8ds_v5", "Standard_DS3_v2"},
    "gcp": {"e2-standard-4"},
}


# --- The packaged table -------------------------------------------------------------------------------------------


def test_read_rows_keep_their_source_and_catalog_rows_their_provenance() -> None:
    prices = load_prices()
    assert prices.currency == "USD"
    read_here = [r for r in prices.rows if not r.api]
    assert {r.id for r in read_here} == {"gke-cluster-fee", "aks-free-tier", "cloud-logging-ingestion"}
    for row in read_here:
        assert row.source.startswith("https://") and row.read.year >= 2026 and row.note
    transcribed = [r for r in prices.rows if r.api]
    assert len(transcribed) > 1500
    for row in transcribed:
        repository, _, commit = row.source.partition("@")
        assert repository.startswith("skypilot-org/skypilot-catalog/catalogs/") and len(commit) == 8, row
        assert row.api.startswith(("Azure Retail Prices API", "Cloud Billing Catalog API")), row
    assert {r.read.isoformat() for r in transcribed if r.kind.startswith("azure")} == {"2024-07-01"}
    assert {r.read.isoformat() for r in transcribed if r.kind.startswith("gce")} == {"2026-11-01"}
    # Every kind the estimator asks for either has a row or a documented gap.
    kinds = {"aks-cluster-fee", "azure-vm", "azure-vm-spot", "azureml-online-instance", "log-analytics-ingestion",
             "gke-cluster-fee", "gce-machine", "gce-machine-spot", "gce-accelerator", "gce-accelerator-spot",
             "vertex-prediction-node", "log-ingestion"}  # fmt: skip
    assert kinds <= {r.kind for r in prices.rows} | set(prices.gaps)


def test_every_gpu_size_and_stack_size_is_priced_in_every_region_the_data_has() -> None:
    prices = load_prices()

    def regions(kind: str, sku: str, count: int = 1) -> set[str]:
        return {r.region for r in prices.rows if (r.kind, r.sku, r.count) == (kind, sku, count)}

    us = {"centralus", "eastus", "eastus2", "northcentralus", "southcentralus", "westcentralus", "westus", "westus2",
          "westus3"}  # fmt: skip
    for size in set(azure_gpu_skus()) | STACK_SIZES["azure"]:
        assert regions("azure-vm", size), size
        assert regions("azure-vm", size) <= us, size  # the data has no European region
    gcp_regions = {r.region for r in prices.rows if r.kind == "gce-machine"}
    assert len(gcp_regions) == 42 and "europe-west4" in gcp_regions
    for machine, spec in gcp_gpu_machines().items():
        accelerator = ("gce-accelerator", spec.accelerator_type, spec.gpus)
        if machine.startswith(("a3-highgpu-1g", "a3-highgpu-2g", "a3-highgpu-4g")):
            assert not regions("gce-machine", machine), machine  # spot or flex-start only
            assert "spot or flex-start only" in prices.missing("gce-machine", machine, "us-central1")
            continue
        assert regions("gce-machine", machine), machine
        assert regions("gce-machine", machine) & regions(*accelerator), machine
    assert regions("gce-machine", "e2-standard-4") == gcp_regions


def test_gpu_machines_are_priced_as_machine_plus_accelerator() -> None:
    prices = load_prices()

    def total(machine: str, accelerator: str, count: int, region: str, spot: bool = False) -> float:
        suffix = "-spot" if spot else ""
        parts = [prices.find(f"gce-machine{suffix}", machine, region),
                 prices.find(f"gce-accelerator{suffix}", accelerator, region, count)]  # fmt: skip
        assert all(parts), (machine, region)
        return round(sum(p.price for p in parts if p), 5)

    # The totals the data's own derivation gives (gcp_gpu_machine_totals.csv of the copy, europe-west4).
    assert total("g2-standard-8", "nvidia-l4", 1, "europe-west4") == 0.89661
    assert total("g2-standard-8", "nvidia-l4", 1, "europe-west4", spot=True) == 0.47082
    assert total("a2-highgpu-1g", "nvidia-tesla-a100", 1, "europe-west4", spot=True) == 1.69284


def test_catalog_rows_that_fail_a_sanity_rule_are_kept_as_rejected_with_the_reason() -> None:
    prices = load_prices()
    reasons = {r.row.id: r.reason for r in prices.rejected}
    assert reasons["azure-vm-spot:Standard_NC40ads_H100_v5:eastus"] == "spot equals on-demand (6.98): not a spot price"
    assert reasons["azureml-online-instance:Standard_ND96isr_H100_v5:westus2"].startswith("a price of 0 is the data")
    assert reasons["gce-accelerator-spot:nvidia-a100-80gbx1:europe-west4"] == "spot 2.26 is above on-demand 2.03285"
    assert prices.find("gce-accelerator-spot", "nvidia-a100-80gb", "europe-west4") is None
    assert prices.missing("gce-accelerator-spot", "nvidia-a100-80gb", "europe-west4") == (
        "the europe-west4 row for gce-accelerator-spot nvidia-a100-80gb was rejected: spot 2.26 is above on-demand "
        "2.03285"
    )
    assert prices.missing("azure-vm-spot", "Standard_NC40ads_H100_v5", "westeurope").startswith(
        "no westeurope price for azure-vm-spot Standard_NC40ads_H100_v5: all 4 rows of the price data for it were "
        "rejected (e.g. "
    )


def test_a_region_is_never_priced_with_another_regions_figures() -> None:
    prices = load_prices()
    assert prices.find("azure-vm", "Standard_NC8as_T4_v3", "eastus") is not None
    assert prices.find("azure-vm", "Standard_NC8as_T4_v3", "westeurope") is None
    assert prices.missing("azure-vm", "Standard_NC8as_T4_v3", "westeurope") == (
        "no westeurope price for azure-vm Standard_NC8as_T4_v3 (the price data has it only in centralus, eastus, "
        "eastus2 and 5 more)"
    )
    assert prices.find("azure-vm", "Standard_NC8as_T4_v3", None) is None
    assert prices.missing("vertex-prediction-node", "g2-standard-8", "europe-west4") == (
        "no price row for vertex-prediction-node g2-standard-8 in europe-west4"
    )
    assert "Compute Engine prices are not Vertex AI prediction prices" in prices.gaps["vertex-prediction-node"]


def test_the_packaged_catalog_is_what_the_import_script_writes(tmp_path: Path) -> None:
    """The script transcribes a copy of the data with provenance columns; zones of a region must agree."""
    spec = importlib.util.spec_from_file_location("import_price_catalog", REPO / "scripts" / "import_price_catalog.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    provenance = {"source_repo": "org/repo", "source_path": "p.csv", "source_commit": "c" * 40}
    vm = {"InstanceType": "g2-standard-4", "Region": "europe-west4", "Price": "0.15", "SpotPrice": "0.08", **provenance}
    rows = list(script.gcp_rows([{**vm, "AvailabilityZone": "europe-west4-a"},
                                 {**vm, "AvailabilityZone": "europe-west4-b"}], []))  # fmt: skip
    assert [(r["kind"], r["region"], r["price"]) for r in rows] == [
        ("gce-machine", "europe-west4", "0.15"),
        ("gce-machine-spot", "europe-west4", "0.08"),
    ]
    with pytest.raises(script.CatalogError, match="zones europe-west4-a and europe-west4-b have different prices"):
        list(script.gcp_rows([{**vm, "AvailabilityZone": "europe-west4-a"},
                              {**vm, "AvailabilityZone": "europe-west4-b", "Price": "0.2"}], []))  # fmt: skip
    packaged = (REPO / "core" / "data" / "price_catalog.csv").read_text(encoding="utf-8")
    assert packaged.startswith(HEADER)
    assert len(list(csv.DictReader(io.StringIO(packaged)))) == len(parse_catalog(packaged, "price_catalog.csv"))


# --- Sanity rules: each rejects its row ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "rejected", "reason"),
    [
        (
            ["azure-vm,Standard_NC8as_T4_v3,,eastus,0.0"],
            "azure-vm:Standard_NC8as_T4_v3:eastus",
            "a price of 0 is the data's fill for a missing price, not a free resource",
        ),
        (
            [
                "gce-accelerator,nvidia-h100-80gb,1,us-central1,4.2",
                "gce-accelerator-spot,nvidia-h100-80gb,1,us-central1,5.3",
            ],
            "gce-accelerator-spot:nvidia-h100-80gbx1:us-central1",
            "spot 5.3 is above on-demand 4.2",
        ),
        (
            ["azure-vm,Standard_NC40ads_H100_v5,,eastus,6.98", "azure-vm-spot,Standard_NC40ads_H100_v5,,eastus,6.98"],
            "azure-vm-spot:Standard_NC40ads_H100_v5:eastus",
            "spot equals on-demand (6.98): not a spot price",
        ),
        (
            ["gce-accelerator,nvidia-l4,1,europe-west4,0.58804", "gce-accelerator,nvidia-l4,4,europe-west4,3.1"],
            "gce-accelerator:nvidia-l4x4:europe-west4",
            "4 GPUs at 3.1 is not 4 x the one-GPU price 0.58804 (2.35216)",
        ),
    ],
)
def test_each_sanity_rule_rejects_its_row(lines: list[str], rejected: str, reason: str) -> None:
    kept, refused = sane(parse_catalog(catalog(*lines), "test.csv"))
    assert [(r.row.id, r.reason) for r in refused] == [(rejected, reason)]
    assert len(kept) == len(lines) - 1


def test_sane_rows_pass_and_a_rounded_multiple_is_proportional() -> None:
    kept, refused = sane(
        parse_catalog(
            catalog(
                "gce-accelerator,nvidia-l4,1,europe-west4,0.58804",
                "gce-accelerator,nvidia-l4,4,europe-west4,2.35217",
                "gce-accelerator-spot,nvidia-l4,1,europe-west4,0.3089",
                "azure-vm,Standard_NC8as_T4_v3,,eastus,0.752",
                "azure-vm-spot,Standard_NC8as_T4_v3,,eastus,0.15",
            ),
            "test.csv",
        )
    )
    assert refused == [] and len(kept) == 5


def test_a_rejected_row_is_never_used_and_the_table_says_why(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(catalog("azure-vm,Standard_NC8as_T4_v3,,eastus,0.0"), encoding="utf-8")
    prices = load_prices(REPO / "core" / "data" / "prices.yaml", path)
    assert prices.find("azure-vm", "Standard_NC8as_T4_v3", "eastus") is None
    assert prices.missing("azure-vm", "Standard_NC8as_T4_v3", "eastus") == (
        "the eastus row for azure-vm Standard_NC8as_T4_v3 was rejected: a price of 0 is the data's fill for a missing "
        "price, not a free resource"
    )


def test_a_row_read_from_the_provider_takes_precedence_over_the_catalog() -> None:
    rows = parse_catalog(catalog("azure-vm,Standard_NC8as_T4_v3,,westeurope,0.9"), "test.csv")
    document = {"rows": [{**ROW, "id": "read", "kind": "azure-vm", "sku": "Standard_NC8as_T4_v3", "price": 0.95}]}
    prices = parse_prices(document, "test.yaml", rows)
    found = prices.find("azure-vm", "Standard_NC8as_T4_v3", "westeurope")
    assert found is not None and (found.id, found.price) == ("read", 0.95)
    assert len(prices.rows) == 1


# --- Validation ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"price": -1}, "rows[0].price: must be a number >= 0 (got -1)"),
        ({"price": "cheap"}, "rows[0].price: must be a number >= 0 (got 'cheap')"),
        ({"source": ""}, "rows[0].source: required"),
        ({"read": "yesterday"}, "rows[0].read: must be a date YYYY-MM-DD (got 'yesterday')"),
        ({"unit": "month"}, "rows[0].unit: must be one of hour, GiB (got 'month')"),
        ({"currency": "usd"}, "rows[0].currency: must be an ISO 4217 code"),
        ({"count": 0}, "rows[0].count: must be a whole number >= 1 (got 0)"),
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
    euro = parse_catalog(catalog("azure-vm,x,,eastus,1").replace(",USD,", ",EUR,"), "test.csv")
    with pytest.raises(PriceTableError, match="price catalog row azure-vm:x:eastus: EUR differs from the table's USD"):
        parse_prices({"rows": [{**ROW, "id": "a", "kind": "a", "sku": "x", "price": 1}]}, "test.yaml", euro)


def test_an_unreadable_table_or_catalog_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "prices.yaml"
    broken.write_text("rows: [", encoding="utf-8")
    with pytest.raises(PriceTableError, match=f"price table {broken} is not valid YAML"):
        load_prices(broken)
    with pytest.raises(PriceTableError, match="cannot read price table"):
        load_prices(tmp_path / "missing.yaml")
    with pytest.raises(PriceTableError, match=r"invalid price catalog c\.csv: the columns must be kind, sku, count"):
        parse_catalog("kind,sku\nazure-vm,x\n", "c.csv")
    with pytest.raises(PriceTableError, match=r"invalid price catalog c\.csv, line 2: could not convert"):
        parse_catalog(catalog("azure-vm,x,,eastus,cheap"), "c.csv")


def test_the_table_documents_its_gaps() -> None:
    data = yaml.safe_load((REPO / "core" / "data" / "prices.yaml").read_text(encoding="utf-8"))
    assert "nine US regions only" in data["gaps"]["azure-vm"]
    assert "2020 announcement" in data["gaps"]["aks-cluster-fee"]

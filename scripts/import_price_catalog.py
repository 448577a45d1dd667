"""Build ``core/data/price_catalog.csv`` from a copy of the SkyPilot catalog's price data.

    python scripts/import_price_catalog.py DIRECTORY        # the directory holding azure_vms.csv, gcp_vms.csv, ...

The input is a second-hand copy of the providers' price-API data (the SkyPilot catalog's fetchers read the Azure
Retail Prices API and the Cloud Billing Catalog API); every row written keeps its provenance: the API, the catalog
repository, path and commit, and the approximate date of the data. The script transcribes, it does not judge:
sanity rules (zero prices, spot above on-demand, GPU prices not proportional to the count) run when the table is
loaded (``aiscale.core.cost.prices``), so a rejected row stays visible with its reason. Rows the data's own notes
say are not usable are written with that reason in ``rejected``.

- Azure: on-demand (``azure-vm``) and spot (``azure-vm-spot``) per region from ``azure_vms.csv``; Azure ML managed
  online endpoint instances (``azureml-online-instance``, billed at the VM size's price) from ``azure_ml_vms.csv``.
  A blank spot figure is not a spot row.
- Google Cloud: machine rows (``gce-machine``, ``gce-machine-spot``; for a2/a3/g2 the vCPUs and memory only) from
  ``gcp_vms.csv`` and accelerator rows (``gce-accelerator``, ``gce-accelerator-spot``, per GPU count) from
  ``gcp_accelerators.csv``. The data is per zone; a region's row is written only when all its zones agree.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from aiscale.core.cost.prices import CATALOG_COLUMNS
from aiscale.core.files import write_atomically

TARGET = Path(__file__).resolve().parent.parent / "core" / "data" / "price_catalog.csv"
AZURE_API = "Azure Retail Prices API (Virtual Machines, Consumption, Linux)"
GCP_API = "Cloud Billing Catalog API (Compute Engine, OnDemand and Preemptible, first tier)"
#: Approximate date of the data, from the copy's notes: the Azure rows match the catalog of about mid-2024; the
#: Google Cloud rows are regenerated every few hours and this copy is recent (read 2026-12-01).
AS_OF = {"azure": "2024-07-01", "gcp": "2026-11-01"}
#: GKE accelerator type names of the catalog's GPU names.
GKE_ACCELERATORS = {
    "L4": "nvidia-l4",
    "T4": "nvidia-tesla-t4",
    "A100": "nvidia-tesla-a100",
    "A100-80GB": "nvidia-a100-80gb",
    "H100": "nvidia-h100-80gb",
    "H100-MEGA": "nvidia-h100-mega-80gb",
}
#: Rows the data's notes say not to use, with the reason.
NOT_USABLE = {
    ("gce-machine", "a3-highgpu-1g"): "a3-highgpu-1g is offered as spot or flex-start only: no on-demand price",
    ("gce-machine", "a3-highgpu-2g"): "a3-highgpu-2g is offered as spot or flex-start only: no on-demand price",
    ("gce-machine", "a3-highgpu-4g"): "a3-highgpu-4g is offered as spot or flex-start only: no on-demand price",
}


class CatalogError(Exception):
    """The input cannot be transcribed without guessing."""


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _row(
    kind: str, sku: str, region: str, price: str, *, source: Mapping[str, str], cloud: str, count: str = ""
) -> dict[str, str]:
    return {
        "kind": kind,
        "sku": sku,
        "count": count,
        "region": region,
        "currency": "USD",
        "unit": "hour",
        "price": price,
        "as_of": AS_OF[cloud],
        "api": AZURE_API if cloud == "azure" else GCP_API,
        "source_repo": source["source_repo"],
        "source_path": source["source_path"],
        "source_commit": source["source_commit"],
        "rejected": NOT_USABLE.get((kind, sku), ""),
    }


def azure_rows(vms: Iterable[Mapping[str, str]], ml_vms: Iterable[Mapping[str, str]]) -> Iterator[dict[str, str]]:
    for item in vms:
        yield _row("azure-vm", item["InstanceType"], item["Region"], item["Price"], source=item, cloud="azure")
        if item["SpotPrice"]:
            yield _row(
                "azure-vm-spot", item["InstanceType"], item["Region"], item["SpotPrice"], source=item, cloud="azure"
            )
    for item in ml_vms:
        yield _row(
            "azureml-online-instance", item["InstanceType"], item["Region"], item["Price"], source=item, cloud="azure"
        )


def _by_region(items: Iterable[Mapping[str, str]], key: tuple[str, ...]) -> dict[tuple[str, ...], Mapping[str, str]]:
    """One item per (key..., region); zones of a region must agree on both prices."""
    found: dict[tuple[str, ...], Mapping[str, str]] = {}
    for item in items:
        where = (*(item[k] for k in key), item["Region"])
        seen = found.setdefault(where, item)
        if (seen["Price"], seen["SpotPrice"]) != (item["Price"], item["SpotPrice"]):
            raise CatalogError(
                f"{' '.join(where)}: zones {seen['AvailabilityZone']} and {item['AvailabilityZone']} have different "
                "prices; a region's price would be a guess"
            )
    return found


def gcp_rows(vms: Iterable[Mapping[str, str]], accelerators: Iterable[Mapping[str, str]]) -> Iterator[dict[str, str]]:
    for (machine, region), item in sorted(_by_region(vms, ("InstanceType",)).items()):
        yield _row("gce-machine", machine, region, item["Price"], source=item, cloud="gcp")
        if item["SpotPrice"]:
            yield _row("gce-machine-spot", machine, region, item["SpotPrice"], source=item, cloud="gcp")
    for (name, count, region), item in sorted(
        _by_region(accelerators, ("AcceleratorName", "AcceleratorCount")).items()
    ):
        accelerator = GKE_ACCELERATORS.get(name)
        if accelerator is None:
            raise CatalogError(f"accelerator {name!r}: no GKE accelerator type known for it")
        gpus = str(int(float(count)))
        yield _row("gce-accelerator", accelerator, region, item["Price"], source=item, cloud="gcp", count=gpus)
        if item["SpotPrice"]:
            yield _row(
                "gce-accelerator-spot", accelerator, region, item["SpotPrice"], source=item, cloud="gcp", count=gpus
            )


def build(directory: Path) -> str:
    rows = [
        *azure_rows(read(directory / "azure_vms.csv"), read(directory / "azure_ml_vms.csv")),
        *gcp_rows(read(directory / "gcp_vms.csv"), read(directory / "gcp_accelerators.csv")),
    ]
    text = io.StringIO()
    writer: csv.DictWriter[str] = csv.DictWriter(text, CATALOG_COLUMNS, lineterminator="\n")  # rows keyed by any text
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    parser.add_argument("directory", type=Path, help="directory of the catalog copy (azure_vms.csv, gcp_vms.csv, ...)")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    try:
        text = build(args.directory)
    except (CatalogError, OSError, KeyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_atomically(args.output, text)
    print(f"wrote {args.output} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

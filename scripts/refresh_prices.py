"""Refresh the price table (``core/data/prices.yaml``) from the providers' public price APIs.

Needs network (the estimator never does). Each refreshed or added row gets the price the API returns, its
currency, the query it came from as ``source`` and today's date as ``read``; comments and other rows stay as
they are. A row is only written when exactly one price matches: the script never guesses.

    python scripts/refresh_prices.py                      # refresh every row of a kind listed below
    python scripts/refresh_prices.py --add azure-vm:Standard_NC8as_T4_v3:westeurope \\
        --add gce-machine:g2-standard-8:europe-west4 \\
        --add gce-accelerator:nvidia-l4:europe-west4:1     # add rows (GCP needs --gcp-api-key or $GOOGLE_API_KEY)
    python scripts/refresh_prices.py --dry-run            # print what would change

Azure: the Retail Prices API (``{"Items": [...], "NextPageLink": ...}``), filtered on serviceName, armRegionName,
armSkuName and priceType Consumption; Linux (not Windows) meters, ``Spot`` meters for spot rows.
Google Cloud: the Cloud Billing Catalog API (``{"skus": [...], "nextPageToken": ...}``) of Compute Engine; a
machine type's hourly price (``gce-machine``) is vCPUs x the series' core SKU + GiB x its RAM SKU, and its GPUs are
a row of their own (``gce-accelerator``, COUNT x the GPU SKU), as the estimate adds them up; each SKU is chosen by
description and ``serviceRegions`` (machine shapes from ``core/data/gcp_gpu_machine_types.yaml``).
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from aiscale.core.cost import PriceTableError, parse_prices
from aiscale.core.files import write_atomically
from aiscale.core.gpu import gcp_gpu_machines

TABLE = Path(__file__).resolve().parent.parent / "core" / "data" / "prices.yaml"
AZURE_PRICES = "https://prices.azure.com/api/retail/prices"
GCP_CATALOG = "https://cloudbilling.googleapis.com"
COMPUTE_ENGINE = "6F81-5844-456A"
#: Catalog names of GKE accelerator types.
GCP_GPU_NAMES = {
    "nvidia-l4": "Nvidia L4",
    "nvidia-tesla-a100": "Nvidia Tesla A100",
    "nvidia-a100-80gb": "Nvidia A100 80GB",
    "nvidia-h100-80gb": "Nvidia H100 80GB",
    "nvidia-h100-mega-80gb": "Nvidia H100 80GB Mega",
    "nvidia-tesla-t4": "Nvidia Tesla T4",
}
UNITS = {
    "azure-vm": "hour",
    "azure-vm-spot": "hour",
    "gce-machine": "hour",
    "gce-machine-spot": "hour",
    "gce-accelerator": "hour",
    "gce-accelerator-spot": "hour",
}


class RefreshError(Exception):
    """A price could not be refreshed without guessing."""


Fetch = Callable[[str], Mapping[str, Any]]


def fetch_json(url: str) -> Mapping[str, Any]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


# --- Azure Retail Prices API ------------------------------------------------------------------------------------


def azure_query(sku: str, region: str, endpoint: str) -> str:
    expression = (
        f"serviceName eq 'Virtual Machines' and armRegionName eq '{region}' and armSkuName eq '{sku}' "
        "and priceType eq 'Consumption'"
    )
    return f"{endpoint}?{urllib.parse.urlencode({'$filter': expression})}"


def azure_items(url: str, fetch: Fetch) -> Iterator[Mapping[str, Any]]:
    """Every item of a query, following ``NextPageLink``."""
    while url:
        page = fetch(url)
        yield from page.get("Items", [])
        url = page.get("NextPageLink") or ""


def azure_vm_price(kind: str, sku: str, region: str, endpoint: str, fetch: Fetch) -> tuple[float, str, str]:
    url = azure_query(sku, region, endpoint)
    spot = kind == "azure-vm-spot"
    matches = [
        item
        for item in azure_items(url, fetch)
        if item.get("unitOfMeasure") == "1 Hour"
        and "Windows" not in item.get("productName", "")
        and "Low Priority" not in item.get("meterName", "")
        and item.get("meterName", "").endswith(" Spot") == spot
    ]
    if len(matches) != 1:
        raise RefreshError(f"{kind} {sku} in {region}: {len(matches)} Linux hourly meters match {url}, expected 1")
    item = matches[0]
    return float(item["retailPrice"]), str(item["currencyCode"]), url


# --- Cloud Billing Catalog API ----------------------------------------------------------------------------------


def gcp_skus(endpoint: str, api_key: str, fetch: Fetch) -> list[Mapping[str, Any]]:
    """All public SKUs of Compute Engine, following ``nextPageToken``."""
    skus: list[Mapping[str, Any]] = []
    token = ""
    while True:
        query = {"key": api_key, "currencyCode": "USD", **({"pageToken": token} if token else {})}
        page = fetch(f"{endpoint}/v1/services/{COMPUTE_ENGINE}/skus?{urllib.parse.urlencode(query)}")
        skus += page.get("skus", [])
        token = page.get("nextPageToken") or ""
        if not token:
            return skus


def hourly(sku: Mapping[str, Any]) -> tuple[float, str]:
    """The first tier's price per hour of a catalog SKU (``units`` + ``nanos``, per ``usageUnit`` h)."""
    expression = sku["pricingInfo"][0]["pricingExpression"]
    if expression.get("usageUnit") not in ("h", "GiBy.h"):
        raise RefreshError(f"SKU {sku.get('skuId')}: usage unit {expression.get('usageUnit')!r} is not hourly")
    price = expression["tieredRates"][-1]["unitPrice"]
    return float(price.get("units") or 0) + float(price.get("nanos") or 0) / 1e9, str(price["currencyCode"])


def _gcp_parts(
    kind: str, what: str, region: str, parts: list[tuple[str, float]], skus: list[Mapping[str, Any]]
) -> tuple[float, str, str]:
    """The sum of quantity x the one SKU whose description starts with each part's text, in ``region``."""
    total, currencies = 0.0, set()
    for description, quantity in parts:
        found = [
            s
            for s in skus
            if s.get("description", "").startswith(description) and region in s.get("serviceRegions", [])
        ]
        if len(found) != 1:
            raise RefreshError(f"{kind} {what} in {region}: {len(found)} SKUs match {description!r}, expected 1")
        price, currency = hourly(found[0])
        total += price * quantity
        currencies.add(currency)
    if len(currencies) != 1:
        raise RefreshError(f"{kind} {what}: SKUs in several currencies {sorted(currencies)}")
    source = f"Cloud Billing Catalog API, services/{COMPUTE_ENGINE}/skus ({', '.join(d for d, _ in parts)} {region})"
    return round(total, 6), currencies.pop(), source


def _spot(kind: str) -> str:
    return "Spot Preemptible " if kind.endswith("-spot") else ""


def gcp_machine_price(
    kind: str, machine_type: str, region: str, skus: list[Mapping[str, Any]]
) -> tuple[float, str, str]:
    """vCPUs and memory of a machine type; its GPUs are a ``gce-accelerator`` row."""
    machine = gcp_gpu_machines().get(machine_type)
    if machine is None:
        raise RefreshError(f"{kind} {machine_type}: not in core/data/gcp_gpu_machine_types.yaml (vCPUs, memory, GPUs)")
    series = machine_type.split("-", 1)[0].upper()
    parts = [
        (f"{_spot(kind)}{series} Instance Core running in", float(machine.vcpus)),
        (f"{_spot(kind)}{series} Instance Ram running in", float(machine.memory_gb)),
    ]
    return _gcp_parts(kind, machine_type, region, parts, skus)


def gcp_accelerator_price(
    kind: str, accelerator: str, count: int, region: str, skus: list[Mapping[str, Any]]
) -> tuple[float, str, str]:
    """``count`` GPUs of a GKE accelerator type."""
    name = GCP_GPU_NAMES.get(accelerator)
    if name is None:
        raise RefreshError(
            f"{kind} {accelerator}: unknown accelerator type (known: {', '.join(sorted(GCP_GPU_NAMES))})"
        )
    return _gcp_parts(kind, accelerator, region, [(f"{_spot(kind)}{name} GPU running in", float(count))], skus)


# --- The table --------------------------------------------------------------------------------------------------


Wanted = tuple[str, str, str, int]
"""(kind, sku, region, count) of a row."""


def refresh(
    table: Path,
    added: list[Wanted],
    *,
    azure_endpoint: str = AZURE_PRICES,
    gcp_endpoint: str = GCP_CATALOG,
    gcp_api_key: str | None = None,
    fetch: Fetch = fetch_json,
    today: datetime.date | None = None,
    write: bool = True,
) -> list[str]:
    """Refresh the rows of refreshable kinds and add ``added`` (kind, sku, region, count); return what changed."""
    yaml = YAML()
    yaml.preserve_quotes = True
    document = yaml.load(table.read_text(encoding="utf-8"))
    rows = document["rows"]
    wanted = [(r["kind"], r["sku"], r["region"], int(r.get("count", 1))) for r in rows if r["kind"] in UNITS] + added
    date = (today or datetime.date.today()).isoformat()
    skus: list[Mapping[str, Any]] | None = None
    changes = []
    for kind, sku, region, count in wanted:
        if kind not in UNITS:
            raise RefreshError(f"{kind}: this script refreshes only {', '.join(sorted(UNITS))}")
        if kind.startswith("azure-"):
            price, currency, source = azure_vm_price(kind, sku, region, azure_endpoint, fetch)
        else:
            if not gcp_api_key:
                raise RefreshError("Google Cloud prices need an API key: --gcp-api-key or $GOOGLE_API_KEY")
            skus = skus if skus is not None else gcp_skus(gcp_endpoint, gcp_api_key, fetch)
            if kind.startswith("gce-accelerator"):
                price, currency, source = gcp_accelerator_price(kind, sku, count, region, skus)
            else:
                price, currency, source = gcp_machine_price(kind, sku, region, skus)
        row = next(
            (
                r
                for r in rows
                if (r["kind"], r["sku"], r["region"], int(r.get("count", 1))) == (kind, sku, region, count)
            ),
            None,
        )
        if row is None:
            suffix = f"-x{count}" if count != 1 else ""
            row = {"id": f"{kind}-{sku}{suffix}-{region}".lower(), "kind": kind, "sku": sku, "region": region}
            if count != 1:
                row["count"] = count
            rows.append(row)
            changes.append(f"added {row['id']}: {price:g} {currency}/hour")
        elif row["price"] != price or row["currency"] != currency:
            changes.append(f"updated {row['id']}: {row['price']} -> {price:g} {currency}/hour")
        row.update({"currency": currency, "unit": UNITS[kind], "price": price, "source": source, "read": date})
    # The result must still be a valid table (one currency, no duplicates) before it is written.
    parse_prices(json.loads(json.dumps(dict(document), default=str)), str(table))
    if write:
        text = io.StringIO()
        yaml.dump(document, text)
        write_atomically(table, text.getvalue())
    return changes


def _added(value: str) -> Wanted:
    parts = value.split(":")
    if len(parts) not in (3, 4) or (len(parts) == 4 and not parts[3].isdigit()):
        raise argparse.ArgumentTypeError(f"{value!r}: expected KIND:SKU:REGION or KIND:SKU:REGION:COUNT")
    return parts[0], parts[1], parts[2], int(parts[3]) if len(parts) == 4 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    parser.add_argument("--table", type=Path, default=TABLE)
    parser.add_argument("--add", type=_added, action="append", default=[], metavar="KIND:SKU:REGION[:COUNT]")
    parser.add_argument("--gcp-api-key", default=os.environ.get("GOOGLE_API_KEY"))
    parser.add_argument("--azure-endpoint", default=AZURE_PRICES)
    parser.add_argument("--gcp-endpoint", default=GCP_CATALOG)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    try:
        changes = refresh(
            args.table,
            args.add,
            azure_endpoint=args.azure_endpoint,
            gcp_endpoint=args.gcp_endpoint,
            gcp_api_key=args.gcp_api_key,
            write=not args.dry_run,
        )
    except (RefreshError, PriceTableError, OSError, KeyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(changes) or "no changes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""scripts/refresh_prices.py against a local HTTP server that answers in the formats of the Azure Retail Prices
API and the Cloud Billing Catalog API (paged), so the test needs no network."""

from __future__ import annotations

import datetime
import importlib.util
import json
import shutil
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from aiscale.core.cost import load_prices
from tests.conftest import REPO

spec = importlib.util.spec_from_file_location("refresh_prices", REPO / "scripts" / "refresh_prices.py")
assert spec is not None and spec.loader is not None
refresh_prices = importlib.util.module_from_spec(spec)
spec.loader.exec_module(refresh_prices)

API_KEY = "test-api-key-never-written"


def azure_item(meter: str, product: str, price: float, sku: str = "Standard_NC8as_T4_v3") -> dict[str, Any]:
    return {
        "currencyCode": "USD",
        "tierMinimumUnits": 0.0,
        "retailPrice": price,
        "unitPrice": price,
        "armRegionName": "westeurope",
        "location": "EU West",
        "effectiveStartDate": "2026-01-01T00:00:00Z",
        "meterName": meter,
        "productName": product,
        "skuName": meter,
        "serviceName": "Virtual Machines",
        "serviceFamily": "Compute",
        "unitOfMeasure": "1 Hour",
        "type": "Consumption",
        "isPrimaryMeterRegion": True,
        "armSkuName": sku,
    }


def gcp_sku(description: str, units: str, nanos: int, unit: str = "h") -> dict[str, Any]:
    return {
        "name": f"services/6F81-5844-456A/skus/{description}",
        "skuId": description,
        "description": description,
        "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute", "usageType": "OnDemand"},
        "serviceRegions": ["europe-west4"],
        "pricingInfo": [
            {
                "effectiveTime": "2026-11-01T00:00:00Z",
                "summary": "",
                "pricingExpression": {
                    "usageUnit": unit,
                    "usageUnitDescription": "hour",
                    "baseUnit": "s",
                    "baseUnitConversionFactor": 3600,
                    "displayQuantity": 1,
                    "tieredRates": [
                        {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": units, "nanos": nanos}}
                    ],
                },
                "currencyConversionRate": 1,
            }
        ],
        "serviceProviderName": "Google",
    }


class Api(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        Api.requests.append(self.path)
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        address = self.server.server_address
        assert isinstance(address, tuple)
        base = f"http://{address[0]}:{address[1]}"
        if url.path == "/api/retail/prices" and "Standard_NC8as_T4_v3" not in query["$filter"][0]:
            body: dict[str, Any] = {"BillingCurrency": "USD", "Items": [], "NextPageLink": None, "Count": 0}
        elif url.path == "/api/retail/prices":
            # Two pages, as the real API pages every 100 items (NextPageLink).
            if "$skip" not in query:
                body = {
                    "BillingCurrency": "USD",
                    "Items": [
                        azure_item("NC8as T4 v3", "Virtual Machines NCasT4_v3 Series", 0.9),
                        azure_item("NC8as T4 v3", "Virtual Machines NCasT4_v3 Series Windows", 1.4),
                    ],
                    "NextPageLink": f"{base}{url.path}?{url.query}&$skip=100",
                    "Count": 2,
                }
            else:
                body = {
                    "BillingCurrency": "USD",
                    "Items": [azure_item("NC8as T4 v3 Spot", "Virtual Machines NCasT4_v3 Series", 0.2)],
                    "NextPageLink": None,
                    "Count": 1,
                }
        elif url.path == "/v1/services/6F81-5844-456A/skus" and query.get("key") == [API_KEY]:
            if "pageToken" not in query:
                body = {
                    "skus": [
                        gcp_sku("G2 Instance Core running in Netherlands", "0", 25_000_000),
                        gcp_sku("G2 Instance Ram running in Netherlands", "0", 3_000_000, "GiBy.h"),
                    ],
                    "nextPageToken": "page-2",
                }
            else:
                body = {
                    "skus": [gcp_sku("Nvidia L4 GPU running in Netherlands", "0", 600_000_000)],
                    "nextPageToken": "",
                }
        else:
            self.send_error(404)
            return
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Api.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


@pytest.fixture
def table(tmp_path: Path) -> Path:
    copy = tmp_path / "prices.yaml"
    shutil.copy(REPO / "core" / "data" / "prices.yaml", copy)
    return copy


def test_adds_azure_and_gcp_rows_with_source_and_date(api: str, table: Path) -> None:
    changes = refresh_prices.refresh(
        table,
        [
            ("azure-vm", "Standard_NC8as_T4_v3", "westeurope", 1),
            ("azure-vm-spot", "Standard_NC8as_T4_v3", "westeurope", 1),
            ("gce-machine", "g2-standard-8", "europe-west4", 1),
            ("gce-accelerator", "nvidia-l4", "europe-west4", 2),
        ],
        azure_endpoint=f"{api}/api/retail/prices",
        gcp_endpoint=api,
        gcp_api_key=API_KEY,
        today=datetime.date(2026, 11, 23),
    )
    assert changes == [
        "added azure-vm-standard_nc8as_t4_v3-westeurope: 0.9 USD/hour",
        "added azure-vm-spot-standard_nc8as_t4_v3-westeurope: 0.2 USD/hour",
        "added gce-machine-g2-standard-8-europe-west4: 0.296 USD/hour",
        "added gce-accelerator-nvidia-l4-x2-europe-west4: 1.2 USD/hour",
    ]
    prices = load_prices(table)
    on_demand = prices.find("azure-vm", "Standard_NC8as_T4_v3", "westeurope")
    assert on_demand is not None and on_demand.price == 0.9 and on_demand.read == datetime.date(2026, 11, 23)
    assert "armSkuName+eq+%27Standard_NC8as_T4_v3%27" in on_demand.source
    machine = prices.find("gce-machine", "g2-standard-8", "europe-west4")
    # g2-standard-8: 8 vCPUs x 0.025 + 32 GiB x 0.003; its GPU is a row of its own, as the estimate adds them up
    assert machine is not None and machine.price == pytest.approx(8 * 0.025 + 32 * 0.003)
    gpus = prices.find("gce-accelerator", "nvidia-l4", "europe-west4", count=2)
    assert gpus is not None and gpus.price == pytest.approx(2 * 0.6) and gpus.count == 2
    text = table.read_text()
    assert API_KEY not in text
    assert "# Prices the offline cost estimate uses" in text  # comments survive
    assert sum("pageToken=page-2" in r for r in Api.requests) == 1 and sum("skip=100" in r for r in Api.requests) == 2


def test_refuses_to_guess_and_writes_nothing(api: str, table: Path) -> None:
    before = table.read_text()
    with pytest.raises(refresh_prices.RefreshError, match="0 Linux hourly meters match"):
        refresh_prices.refresh(
            table, [("azure-vm", "Standard_ND96asr_v4", "westeurope", 1)], azure_endpoint=f"{api}/api/retail/prices"
        )
    with pytest.raises(refresh_prices.RefreshError, match="need an API key"):
        refresh_prices.refresh(table, [("gce-machine", "g2-standard-8", "europe-west4", 1)], gcp_endpoint=api)
    with pytest.raises(SystemExit):
        refresh_prices.main(["--table", str(table), "--add", "azure-vm:x"])
    assert table.read_text() == before


def test_dry_run_reports_without_writing(api: str, table: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = table.read_text()
    code = refresh_prices.main(
        [
            "--table",
            str(table),
            "--add",
            "azure-vm:Standard_NC8as_T4_v3:westeurope",
            "--azure-endpoint",
            f"{api}/api/retail/prices",
            "--dry-run",
        ]
    )
    assert code == 0 and "added azure-vm-standard_nc8as_t4_v3-westeurope" in capsys.readouterr().out
    assert table.read_text() == before

"""``aiscale rollout``: analysis decisions over scripted series; the metrics of both clouds read for real over
HTTP (azure-monitor-query's LogsQueryClient against a local HTTPS server speaking the Log Analytics query API,
Cloud Monitoring's Prometheus API and the Vertex AI endpoint resource against a local HTTP server)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import yaml
from azure.core.credentials import AccessToken
from azure.monitor.query import LogsQueryClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from aiscale.core.cli import main
from aiscale.core.config.azure import OnlineEndpointConfig
from aiscale.core.config.base import Environment
from aiscale.core.config.delivery import AnalysisConfig, PromotionConfig
from aiscale.core.config.gcp import VertexEndpointConfig
from aiscale.core.delivery import steps
from aiscale.core.delivery.analysis import Measurement, Sample, decide, judge
from aiscale.core.delivery.endpoints import DeliveryError
from aiscale.core.delivery.metrics import (
    AzureLogsSource,
    GcpMonitoringSource,
    MetricsError,
    Window,
    azure_endpoint_id,
    azure_query,
)
from aiscale.core.delivery.rollout import apply, render, rollout
from tests.conftest import REPO

UTC = dt.UTC
PROD = {"environment": Environment.prod}
NOW = dt.datetime(2026, 11, 23, 10, 7, tzinfo=UTC)  # the window ends at 10:00 (10-minute intervals)
ANALYSIS = AnalysisConfig.model_validate(
    {
        "interval_minutes": 10,
        "count": 6,
        "failure_limit": 1,
        "inconclusive_limit": 2,
        "min_requests": 200,
        "metrics": [
            {"metric": "latency_p95_ms", "success_max": 120, "failure_max": 150},
            {"metric": "error_rate_percent", "success_max": 0.5, "failure_max": 1},
        ],
    }
)


def healthy(requests_: int = 300, p95: float = 100, errors: float = 0.1) -> Sample:
    return Sample(requests_, {"latency_p95_ms": p95, "latency_p99_ms": 2 * p95, "error_rate_percent": errors})


def series(*samples: Sample | None) -> list[Measurement]:
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    return [Measurement(start + i * dt.timedelta(minutes=10), s, healthy()) for i, s in enumerate(samples)]


# --- analysis ----------------------------------------------------------------------------------------------


def test_judge_each_interval() -> None:
    assert judge(healthy(), ANALYSIS) == ("success", "every metric within success_max")
    assert judge(None, ANALYSIS) == ("inconclusive", "no data")
    assert judge(healthy(requests_=0), ANALYSIS) == ("inconclusive", "no data")
    assert judge(healthy(requests_=199), ANALYSIS) == ("inconclusive", "199 requests, fewer than min_requests 200")
    assert judge(healthy(p95=151), ANALYSIS) == ("failure", "latency_p95_ms 151 > failure_max 150")
    assert judge(healthy(p95=130), ANALYSIS) == (
        "inconclusive",
        "latency_p95_ms 130 between success_max 120 and failure_max",
    )
    assert judge(Sample(300, {"latency_p95_ms": 90, "error_rate_percent": None}), ANALYSIS) == (
        "inconclusive",
        "error_rate_percent: no value",
    )
    assert judge(healthy(p95=200, errors=3), ANALYSIS) == (
        "failure",
        "latency_p95_ms 200 > failure_max 150; error_rate_percent 3 > failure_max 1",
    )


def test_promote_when_the_series_is_healthy() -> None:
    decision = decide(series(*[healthy()] * 6), ANALYSIS)
    assert (decision.action, decision.reason) == (
        "promote",
        "6 of 6 measurements succeeded (0 failed, 0 inconclusive)",
    )
    # Within the limits: one failure and two inconclusive measurements still promote.
    decision = decide(series(healthy(), healthy(p95=160), None, healthy(p95=125), healthy(), healthy()), ANALYSIS)
    assert decision.action == "promote"
    assert (decision.count("success"), decision.count("failure"), decision.count("inconclusive")) == (3, 1, 2)


def test_hold_on_inconclusive() -> None:
    # A fresh candidate: traffic only in the last three intervals. No data is never success.
    decision = decide(series(None, None, None, healthy(), healthy(), healthy()), ANALYSIS)
    assert (decision.action, decision.reason) == (
        "hold",
        "3 inconclusive measurements of 6, more than inconclusive_limit 2: holding at the current step",
    )
    decision = decide(series(*[healthy(requests_=20)] * 6), ANALYSIS)
    assert decision.action == "hold"


def test_rollback_on_the_failure_limit() -> None:
    decision = decide(series(healthy(), healthy(errors=2), healthy(), healthy(errors=1.5), None, None), ANALYSIS)
    assert (decision.action, decision.reason) == ("rollback", "2 failed measurements, more than failure_limit 1")
    # Failures weigh before inconclusive measurements: a broken candidate with little traffic still rolls back.
    decision = decide(series(None, None, None, None, healthy(p95=400), healthy(p95=400)), ANALYSIS)
    assert decision.action == "rollback"


def test_a_short_series_counts_missing_measurements_as_inconclusive() -> None:
    assert decide(series(healthy(), healthy(), healthy()), ANALYSIS).action == "hold"


# --- steps -------------------------------------------------------------------------------------------------


def promotion(strategy: str, steps_: list[int]) -> PromotionConfig:
    return PromotionConfig.model_validate(
        {
            "model": "models:/fraud-detector@champion",
            "stable": "blue",
            "candidate": "green",
            "artifact_uri_template": "gs://models/{name}/{version}",
            "rollout": {"strategy": strategy, "steps": steps_, "analysis": ANALYSIS.model_dump()},
        },
        context=PROD,
    )


def walk(config: PromotionConfig) -> list[tuple[str, dict[str, int], dict[str, int], bool]]:
    """The traffic from promotion to completion when every analysis passes."""
    transition = steps.first_step(config)
    seen = [(transition.label, transition.traffic.live, transition.traffic.mirror, False)]
    while True:
        stage = steps.stage(config, transition.traffic, "Pulumi.prod.yaml")
        transition = steps.advance(config, stage)
        seen.append((transition.label, transition.traffic.live, transition.traffic.mirror, transition.swap_roles))
        if transition.swap_roles or config.rollout.strategy == "shadow":
            return seen


def test_canary_steps_then_roles_swap() -> None:
    assert walk(promotion("canary", [10, 50, 100])) == [
        ("canary step 1: 10% live", {"blue": 90, "green": 10}, {}, False),
        ("canary step 2/3: 50% live", {"blue": 50, "green": 50}, {}, False),
        ("canary step 3/3: 100% live", {"blue": 0, "green": 100}, {}, False),
        ("complete: the candidate is now stable", {"green": 100, "blue": 0}, {}, True),
    ]


def test_blue_green_mirrors_then_switches() -> None:
    assert walk(promotion("blue_green", [20])) == [
        ("20% mirrored", {"blue": 100, "green": 0}, {"green": 20}, False),
        ("switched: 100% live on the candidate", {"blue": 0, "green": 100}, {}, False),
        ("complete: the candidate is now stable", {"green": 100, "blue": 0}, {}, True),
    ]


def test_shadow_never_takes_live_traffic() -> None:
    assert walk(promotion("shadow", [30])) == [
        ("30% mirrored", {"blue": 100, "green": 0}, {"green": 30}, False),
        ("shadow run passed: mirroring ended", {"blue": 100, "green": 0}, {}, False),
    ]


def test_rollback_and_off_plan_traffic() -> None:
    config = promotion("canary", [10, 50, 100])
    assert steps.rollback(config).traffic == steps.Traffic({"blue": 100, "green": 0})
    with pytest.raises(DeliveryError, match=r"takes 30% live and 0% mirrored traffic, which is no step of the canary"):
        steps.stage(config, steps.Traffic({"blue": 70, "green": 30}), "stacks/Pulumi.prod.yaml")
    with pytest.raises(DeliveryError, match=r"deployments \['red'\] take live traffic besides stable 'blue'"):
        steps.stage(config, steps.Traffic({"blue": 80, "green": 10, "red": 10}), "stacks/Pulumi.prod.yaml")


def test_promotion_config_is_checked_against_its_endpoint() -> None:
    prod = yaml.safe_load((REPO / "stacks" / "Pulumi.prod.yaml").read_text())["config"]
    azure = prod["aiscale:azure"]["ml"]["endpoints"]["fraud"]
    azure["deployments"]["green"]["model"] = "azureml:fraud-detector:4"
    with pytest.raises(ValidationError, match="the candidate deployment 'green' must pin a registry model"):
        OnlineEndpointConfig.model_validate(azure, context=PROD)
    gcp = prod["aiscale:gcp"]["endpoints"]["fraud"]
    gcp["promotion"]["rollout"] = {
        "strategy": "blue_green",
        "steps": [20],
        "analysis": gcp["promotion"]["rollout"]["analysis"],
    }
    with pytest.raises(ValidationError, match="strategy blue_green needs mirrored traffic"):
        VertexEndpointConfig.model_validate(gcp, context=PROD)
    with pytest.raises(ValidationError, match=r"steps must increase: \[50, 10, 100\]"):
        promotion("canary", [50, 10, 100])
    with pytest.raises(ValidationError, match="a canary's last step is 100, not 50"):
        promotion("canary", [10, 50])


# --- Azure: Log Analytics through LogsQueryClient ------------------------------------------------------------


@dataclass
class Backend:
    """What the local servers answer, and what they were asked."""

    rows: list[list[Any]] = field(default_factory=list)
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    prometheus: Callable[[str], list[dict[str, Any]]] = lambda _query: []


COLUMNS = [
    ("TimeGenerated", "datetime"),
    ("DeploymentName", "string"),
    ("Requests", "long"),
    ("ErrorRatePercent", "real"),
    ("LatencyP95", "real"),
    ("LatencyP99", "real"),
]


def _logs_handler(backend: Backend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            backend.requests.append({"path": self.path, "authorization": self.headers["Authorization"], "body": body})
            if backend.status != 200:
                payload = {
                    "error": {
                        "code": "InsufficientAccessError",
                        "message": "The provided credentials have insufficient access to perform the requested operation",
                    }
                }
            else:
                payload = {
                    "tables": [
                        {
                            "name": "PrimaryResult",
                            "columns": [{"name": n, "type": t} for n, t in COLUMNS],
                            "rows": backend.rows,
                        }
                    ]
                }
            data = json.dumps(payload).encode()
            self.send_response(backend.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    return Handler


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class StaticToken:
    """A TokenCredential: what DefaultAzureCredential gives the client in a real run."""

    def get_token(self, *scopes: str, **_kwargs: Any) -> AccessToken:
        assert scopes == ("https://api.loganalytics.io/.default",)
        return AccessToken("token-for-tests", int(dt.datetime.now(UTC).timestamp()) + 3600)


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[tuple[Backend, LogsQueryClient]]:
    backend = Backend()
    cert, key = _certificate(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _logs_handler(backend))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = LogsQueryClient(
        StaticToken(),
        endpoint=f"https://127.0.0.1:{server.server_address[1]}",
        audience="https://api.loganalytics.io",
        connection_verify=str(cert),
        retry_total=0,
    )
    yield backend, client
    server.shutdown()
    server.server_close()


PROD_ENDPOINT = azure_endpoint_id(
    "6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a03", "rg-aiscale-prod", "mlw-aiscale-prod", "fraud"
)
WINDOW = Window.ending(NOW, 10, 6)


def rows(deployment: str, per_interval: list[tuple[int, float, float] | None]) -> list[list[Any]]:
    """Log rows (requests, error %, p95) per interval of WINDOW; None leaves the interval without rows."""
    return [
        [start.strftime("%Y-%m-%dT%H:%M:%SZ"), deployment, n, err, p95, p95 * 2]
        for start, values in zip(WINDOW.starts(), per_interval, strict=True)
        if values is not None
        for n, err, p95 in [values]
    ]


def test_azure_source_queries_the_endpoint_request_log(logs: tuple[Backend, LogsQueryClient]) -> None:
    backend, client = logs
    backend.rows = rows("green", [(250, 0.2, 101.5)] * 5 + [None]) + rows("blue", [(2000, 0.1, 90.0)] * 6)
    source = AzureLogsSource(client, PROD_ENDPOINT, "fraud")
    measured = source.measure(["green", "blue"], WINDOW)
    [request] = backend.requests
    assert request["authorization"] == "Bearer token-for-tests"
    assert request["path"].endswith(f"{PROD_ENDPOINT}/query")
    assert request["body"]["query"] == azure_query("fraud", ["green", "blue"], 10)
    assert request["body"]["timespan"] == "2026-11-23T09:00:00.000Z/2026-11-23T10:00:00.000Z"
    assert (
        measured["green"][:5]
        == [Sample(250, {"latency_p95_ms": 101.5, "latency_p99_ms": 203.0, "error_rate_percent": 0.2})] * 5
    )
    assert measured["green"][5] is None  # no rows: no data, never zero errors
    assert (
        measured["blue"]
        == [Sample(2000, {"latency_p95_ms": 90.0, "latency_p99_ms": 180.0, "error_rate_percent": 0.1})] * 6
    )


def test_azure_query_errors_are_reported(logs: tuple[Backend, LogsQueryClient]) -> None:
    backend, client = logs
    backend.status = 403
    with pytest.raises(MetricsError, match=r"Log Analytics query for endpoint fraud failed: .*insufficient access"):
        AzureLogsSource(client, PROD_ENDPOINT, "fraud").measure(["green", "blue"], WINDOW)


# --- rollout end to end on the prod stack ------------------------------------------------------------------


@pytest.fixture
def prod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    shutil.copy(REPO / "stacks" / "Pulumi.prod.yaml", project / "stacks" / "Pulumi.prod.yaml")
    monkeypatch.setenv("AISCALE_ACTOR", "rollout-bot")
    return project


def azure_fraud(project: Path) -> dict[str, Any]:
    data = yaml.safe_load((project / "stacks" / "Pulumi.prod.yaml").read_text())["config"]
    return data["aiscale:azure"]["ml"]["endpoints"]["fraud"]


def audit(project: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (project / "audit" / "rollouts.jsonl").read_text().splitlines()]


def run_rollout(project: Path, client: LogsQueryClient, **kwargs: Any) -> Any:
    return rollout(
        project,
        "prod",
        "fraud",
        cloud="azure",
        source_for=lambda _config, target: AzureLogsSource(client, PROD_ENDPOINT, target.name),
        now=NOW,
        **kwargs,
    )


def test_rollout_promotes_a_step(prod: Path, logs: tuple[Backend, LogsQueryClient]) -> None:
    backend, client = logs
    backend.rows = rows("green", [(300, 0.1, 100.0)] * 6) + rows("blue", [(2700, 0.1, 95.0)] * 6)
    before = (prod / "stacks" / "Pulumi.prod.yaml").read_text()
    report = run_rollout(prod, client)
    assert (report.exit_code, report.decision.action) == (0, "promote")
    assert [line for line in report.diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        "-          traffic: {blue: 90, green: 10}",
        "+          traffic: {blue: 50, green: 50}",
    ]
    after = (prod / "stacks" / "Pulumi.prod.yaml").read_text()
    assert len(after.splitlines()) == len(before.splitlines())
    assert azure_fraud(prod)["traffic"] == {"blue": 50, "green": 50}
    text = render(report)
    assert "decision: PROMOTE: 6 of 6 measurements succeeded (0 failed, 0 inconclusive)" in text
    assert "result: canary step 2/3: 50% live" in text
    [entry] = audit(prod)
    assert entry["actor"] == "rollout-bot"
    assert (entry["decision"], entry["version"], entry["stable_version"], entry["step"]) == (
        "promote",
        4,
        3,
        "canary step 1/3: 10% live",
    )
    assert entry["measurements"][0]["candidate"] == {
        "requests": 300,
        "latency_p95_ms": 100.0,
        "latency_p99_ms": 200.0,
        "error_rate_percent": 0.1,
    }


def test_rollout_rolls_back_and_keeps_the_candidate(prod: Path, logs: tuple[Backend, LogsQueryClient]) -> None:
    backend, client = logs
    backend.rows = rows("green", [(300, 2.5, 100.0)] * 6) + rows("blue", [(2700, 0.1, 95.0)] * 6)
    report = run_rollout(prod, client)
    assert (report.exit_code, report.decision.action) == (1, "rollback")
    fraud = azure_fraud(prod)
    assert fraud["traffic"] == {"blue": 100, "green": 0}
    assert fraud["deployments"]["green"]["model"]["version"] == 4  # kept for diagnosis
    assert "result: rolled back: 100% on blue, green kept without traffic" in render(report)
    assert audit(prod)[0]["decision"] == "rollback"


def test_rollout_holds_without_data(prod: Path, logs: tuple[Backend, LogsQueryClient]) -> None:
    backend, client = logs
    backend.rows = rows("blue", [(2700, 0.1, 95.0)] * 6)  # the candidate served nothing
    before = (prod / "stacks" / "Pulumi.prod.yaml").read_text()
    report = run_rollout(prod, client)
    assert (report.exit_code, report.decision.action, report.diff) == (0, "hold", "")
    assert (prod / "stacks" / "Pulumi.prod.yaml").read_text() == before
    assert "6 inconclusive measurements of 6" in report.decision.reason
    assert audit(prod)[0]["result"] == "traffic unchanged"


def test_rollout_completes_and_swaps_roles(prod: Path, logs: tuple[Backend, LogsQueryClient]) -> None:
    backend, client = logs
    path = prod / "stacks" / "Pulumi.prod.yaml"
    path.write_text(path.read_text().replace("traffic: {blue: 90, green: 10}", "traffic: {blue: 0, green: 100}", 1))
    backend.rows = rows("green", [(3000, 0.1, 100.0)] * 6)
    report = run_rollout(prod, client)
    assert report.decision.action == "promote"
    fraud = azure_fraud(prod)
    assert (fraud["promotion"]["stable"], fraud["promotion"]["candidate"]) == ("green", "blue")
    assert fraud["traffic"] == {"blue": 0, "green": 100}


def test_metrics_errors_leave_the_file_alone(prod: Path, logs: tuple[Backend, LogsQueryClient]) -> None:
    backend, client = logs
    backend.status = 403
    before = (prod / "stacks" / "Pulumi.prod.yaml").read_text()
    with pytest.raises(MetricsError):
        run_rollout(prod, client)
    assert (prod / "stacks" / "Pulumi.prod.yaml").read_text() == before
    assert not (prod / "audit").exists()


def test_rollout_command_errors(prod: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rollout", "prod", "--endpoint", "nope", "--project", str(prod)])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: stacks/Pulumi.prod.yaml: no endpoint 'nope' with a promotion block "
        "(endpoints with one: azure:fraud, gcp:fraud)\n"
    )
    code = main(["rollout", "prod", "--endpoint", "fraud", "--project", str(prod)])
    assert code == 2
    assert "endpoint 'fraud' exists on both clouds: pass --cloud azure or --cloud gcp" in capsys.readouterr().err


def test_apply_needs_the_pulumi_cli(prod: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(prod))
    with pytest.raises(
        DeliveryError, match=r"--apply needs the Pulumi CLI, which is not on PATH.*pulumi up --stack prod"
    ):
        apply(prod, "prod")


# --- Google Cloud: Cloud Monitoring and the Vertex AI endpoint ----------------------------------------------


def _gcp_handler(backend: Backend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            backend.requests.append({"path": url.path, "query": query})
            if url.path.endswith("/endpoints/4242"):
                payload: Any = {
                    "name": url.path.removeprefix("/v1/"),
                    "deployedModels": [{"id": "111", "displayName": "blue"}, {"id": "222", "displayName": "green"}],
                }
            elif url.path.endswith("/prometheus/api/v1/query_range"):
                payload = {
                    "status": "success",
                    "data": {"resultType": "matrix", "result": backend.prometheus(query["query"])},
                }
            else:
                self.send_error(404)
                return
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def test_gcp_source_reads_prometheus_series_per_deployed_model() -> None:
    backend = Backend()
    ends = [int((start + WINDOW.interval).timestamp()) for start in WINDOW.starts()]

    def prometheus(query: str) -> list[dict[str, Any]]:
        if "prediction_count" in query:
            return [
                {"metric": {"deployed_model_id": "222"}, "values": [[t, "300"] for t in ends[1:]]},
                {"metric": {"deployed_model_id": "111"}, "values": [[t, "2700"] for t in ends]},
            ]
        if "error_count" in query:
            return [{"metric": {"deployed_model_id": "222"}, "values": [[t, "3"] for t in ends[1:]]}]
        quantile = "0.95" if "0.95" in query else "0.99"
        return [
            {
                "metric": {"deployed_model_id": "222"},
                "values": [[t, "110" if quantile == "0.95" else "NaN"] for t in ends[1:]],
            }
        ]

    backend.prometheus = prometheus
    server = ThreadingHTTPServer(("127.0.0.1", 0), _gcp_handler(backend))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        source = GcpMonitoringSource(
            requests.Session(),
            project="aiscale-prod",
            region="europe-west4",
            endpoint_id="4242",
            monitoring_api=base,
            aiplatform=base,
        )
        measured = source.measure(["green", "blue"], WINDOW)
    finally:
        server.shutdown()
        server.server_close()
    assert backend.requests[0]["path"] == "/v1/projects/aiscale-prod/locations/europe-west4/endpoints/4242"
    queries = [r["query"] for r in backend.requests[1:]]
    assert [q["step"] for q in queries] == ["600s"] * 4
    assert {(q["start"], q["end"]) for q in queries} == {("2026-11-23T09:10:00Z", "2026-11-23T10:00:00Z")}
    assert 'endpoint_id="4242"' in queries[0]["query"]
    assert measured["green"][0] is None  # no requests in the first interval
    assert measured["green"][1] == Sample(
        300, {"latency_p95_ms": 110.0, "latency_p99_ms": None, "error_rate_percent": 1.0}
    )
    assert measured["blue"][0] == Sample(
        2700, {"latency_p95_ms": None, "latency_p99_ms": None, "error_rate_percent": 0.0}
    )

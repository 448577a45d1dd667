"""Measuring the candidate and stable deployments of an endpoint over the analysis window.

- Azure: the endpoint's request log (``AmlOnlineEndpointTrafficLog``, sent to Log Analytics by the endpoint's
  diagnostic setting) through azure-monitor-query's ``LogsQueryClient``, queried in the endpoint's resource context.
- Google Cloud: Vertex AI's prediction metrics through Cloud Monitoring's Prometheus query API (the same series the
  endpoint's alerts use), per deployed model; the endpoint's deployed models give the deployment names.

Intervals with no rows are returned as None: the analysis treats them as inconclusive.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aiscale.core.delivery.analysis import Sample
from aiscale.core.errors import AiscaleError

METRICS = ("latency_p95_ms", "latency_p99_ms", "error_rate_percent")


class MetricsError(AiscaleError):
    """The metrics backend cannot be queried (credentials, permissions, network): exit 2, nothing is written."""


@dataclass(frozen=True)
class Window:
    start: datetime
    interval: timedelta
    count: int

    @classmethod
    def ending(cls, now: datetime, interval_minutes: int, count: int) -> Window:
        """The ``count`` whole intervals before ``now`` (aligned to the interval, as the backends bin time)."""
        interval = timedelta(minutes=interval_minutes)
        seconds = interval.total_seconds()
        end = datetime.fromtimestamp(math.floor(now.timestamp() / seconds) * seconds, UTC)
        return cls(end - count * interval, interval, count)

    @property
    def end(self) -> datetime:
        return self.start + self.count * self.interval

    def starts(self) -> list[datetime]:
        return [self.start + index * self.interval for index in range(self.count)]

    def index(self, moment: datetime) -> int | None:
        position = int((moment - self.start) / self.interval)
        return position if 0 <= position < self.count else None


class MetricsSource(Protocol):
    def measure(self, deployments: Sequence[str], window: Window) -> dict[str, list[Sample | None]]:
        """Per deployment, one sample per interval of ``window`` (None where there was no data)."""
        ...


# --- Azure -------------------------------------------------------------------------------------------------

AZURE_LOGS_ENDPOINT = "https://api.loganalytics.io"


def azure_endpoint_id(subscription: str, resource_group: str, workspace: str, endpoint: str) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/"
        f"Microsoft.MachineLearningServices/workspaces/{workspace}/onlineEndpoints/{endpoint}"
    )


def azure_query(endpoint: str, deployments: Sequence[str], interval_minutes: int) -> str:
    """KQL: requests, 5xx share and latency percentiles per deployment and interval."""
    names = ", ".join(f'"{name}"' for name in deployments)
    return (
        "AmlOnlineEndpointTrafficLog\n"
        f'| where EndpointName == "{endpoint}" and DeploymentName in ({names})\n'
        "| summarize Requests = count(), ServerErrors = countif(toint(ResponseCode) >= 500),\n"
        "    LatencyP95 = percentile(TotalDurationMs, 95), LatencyP99 = percentile(TotalDurationMs, 99)\n"
        f"    by DeploymentName, bin(TimeGenerated, {interval_minutes}m)\n"
        "| extend ErrorRatePercent = 100.0 * ServerErrors / Requests\n"
        "| project TimeGenerated, DeploymentName, Requests, ErrorRatePercent, LatencyP95, LatencyP99\n"
        "| order by TimeGenerated asc"
    )


class AzureLogsSource:
    """Measures an Azure ML online endpoint from its request log."""

    def __init__(self, client: Any, endpoint_id: str, endpoint_name: str) -> None:
        self.client = client
        self.endpoint_id = endpoint_id
        self.endpoint_name = endpoint_name

    @classmethod
    def connect(cls, endpoint_id: str, endpoint_name: str, logs_endpoint: str = AZURE_LOGS_ENDPOINT) -> AzureLogsSource:
        from azure.identity import DefaultAzureCredential  # noqa: PLC0415 - only real rollouts need credentials
        from azure.monitor.query import LogsQueryClient  # noqa: PLC0415

        return cls(LogsQueryClient(DefaultAzureCredential(), endpoint=logs_endpoint), endpoint_id, endpoint_name)

    def measure(self, deployments: Sequence[str], window: Window) -> dict[str, list[Sample | None]]:
        from azure.core.exceptions import AzureError  # noqa: PLC0415
        from azure.monitor.query import LogsQueryStatus  # noqa: PLC0415

        query = azure_query(self.endpoint_name, deployments, int(window.interval.total_seconds() // 60))
        try:
            result = self.client.query_resource(self.endpoint_id, query, timespan=(window.start, window.end))
        except AzureError as error:
            raise MetricsError(
                f"Log Analytics query for endpoint {self.endpoint_name} failed: {_first(error)}"
            ) from None
        if result.status != LogsQueryStatus.SUCCESS:
            # A partial result would make missing rows look like missing traffic.
            raise MetricsError(
                f"Log Analytics answered endpoint {self.endpoint_name}'s query partially: {_first(result.partial_error)}"
            )
        samples: dict[str, list[Sample | None]] = {name: [None] * window.count for name in deployments}
        for table in result.tables:
            columns = list(table.columns)
            for row in table.rows:
                record = dict(zip(columns, row, strict=True))
                index = window.index(_as_utc(record["TimeGenerated"]))
                if index is None or record["DeploymentName"] not in samples:
                    continue
                samples[record["DeploymentName"]][index] = Sample(
                    requests=int(record["Requests"]),
                    values={
                        "latency_p95_ms": _number(record["LatencyP95"]),
                        "latency_p99_ms": _number(record["LatencyP99"]),
                        "error_rate_percent": _number(record["ErrorRatePercent"]),
                    },
                )
        return samples


# --- Google Cloud ------------------------------------------------------------------------------------------

MONITORING_API = "https://monitoring.googleapis.com"


def aiplatform_api(region: str) -> str:
    return f"https://{region}-aiplatform.googleapis.com"


def gcp_queries(endpoint_id: str, interval_minutes: int) -> dict[str, str]:
    """PromQL per measure, by deployed model, over each interval (the series the endpoint's alerts read)."""
    selector = f'monitored_resource="aiplatform.googleapis.com/Endpoint",endpoint_id="{endpoint_id}"'
    window = f"[{interval_minutes}m]"
    latency = f"aiplatform_googleapis_com:prediction_online_prediction_latencies_bucket{{{selector}}}"

    def quantile(q: str) -> str:
        return f"histogram_quantile({q}, sum by (le, deployed_model_id) (rate({latency}{window})))"

    def increase(metric: str) -> str:
        return f"sum by (deployed_model_id) (increase(aiplatform_googleapis_com:prediction_online_{metric}{{{selector}}}{window}))"

    return {
        "requests": increase("prediction_count"),
        "errors": increase("error_count"),
        "latency_p95_ms": quantile("0.95"),
        "latency_p99_ms": quantile("0.99"),
    }


class GcpMonitoringSource:
    """Measures a Vertex AI endpoint from Cloud Monitoring; ``session`` is an authorised ``requests`` session."""

    def __init__(
        self,
        session: Any,
        *,
        project: str,
        region: str,
        endpoint_id: str,
        monitoring_api: str = MONITORING_API,
        aiplatform: str | None = None,
    ) -> None:
        self.session = session
        self.project = project
        self.region = region
        self.endpoint_id = endpoint_id
        self.monitoring_api = monitoring_api.rstrip("/")
        self.aiplatform = (aiplatform or aiplatform_api(region)).rstrip("/")

    @classmethod
    def connect(cls, *, project: str, region: str, endpoint_id: str) -> GcpMonitoringSource:
        import google.auth  # noqa: PLC0415 - only real rollouts need credentials
        from google.auth.exceptions import GoogleAuthError  # noqa: PLC0415
        from google.auth.transport.requests import AuthorizedSession  # noqa: PLC0415

        try:
            credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
        except GoogleAuthError as error:
            raise MetricsError(f"no Google Cloud credentials: {_first(error)}") from None
        return cls(AuthorizedSession(credentials), project=project, region=region, endpoint_id=endpoint_id)

    def _get(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        import requests  # noqa: PLC0415

        try:
            response = self.session.get(url, params=params, timeout=60)
        except (requests.RequestException, OSError) as error:
            raise MetricsError(f"{url} cannot be reached: {_first(error)}") from None
        if response.status_code != 200:
            raise MetricsError(f"{url} answered {response.status_code}: {response.text[:300]}")
        return response.json()

    def deployed_models(self) -> dict[str, str]:
        """Deployed model id → deployment name (the deployed model's display name, as the stack deploys it)."""
        name = f"projects/{self.project}/locations/{self.region}/endpoints/{self.endpoint_id}"
        endpoint = self._get(f"{self.aiplatform}/v1/{name}")
        return {model["id"]: model.get("displayName", "") for model in endpoint.get("deployedModels", [])}

    def measure(self, deployments: Sequence[str], window: Window) -> dict[str, list[Sample | None]]:
        names = self.deployed_models()
        minutes = int(window.interval.total_seconds() // 60)
        url = f"{self.monitoring_api}/v1/projects/{self.project}/location/global/prometheus/api/v1/query_range"
        series: dict[str, dict[str, dict[int, float]]] = {}
        for measure, query in gcp_queries(self.endpoint_id, minutes).items():
            # Each point closes an interval: evaluate at interval ends, so point i covers interval i.
            body = self._get(
                url,
                {
                    "query": query,
                    "start": _rfc3339(window.start + window.interval),
                    "end": _rfc3339(window.end),
                    "step": f"{minutes * 60}s",
                },
            )
            if body.get("status") != "success":
                raise MetricsError(f"Cloud Monitoring rejected the {measure} query: {body.get('error', body)}")
            for result in body["data"]["result"]:
                deployment = names.get(result["metric"].get("deployed_model_id", ""))
                if deployment is None:
                    continue
                points = series.setdefault(deployment, {}).setdefault(measure, {})
                for stamp, value in result["values"]:
                    index = window.index(datetime.fromtimestamp(float(stamp), UTC) - window.interval)
                    if index is not None:
                        points[index] = float(value)
        return {name: [_gcp_sample(series.get(name, {}), i) for i in range(window.count)] for name in deployments}


def _gcp_sample(measures: Mapping[str, Mapping[int, float]], index: int) -> Sample | None:
    requests = measures.get("requests", {}).get(index)
    if requests is None or math.isnan(requests):
        return None
    errors = measures.get("errors", {}).get(index, 0.0)
    count = round(requests)
    return Sample(
        requests=count,
        values={
            "latency_p95_ms": _number(measures.get("latency_p95_ms", {}).get(index)),
            "latency_p99_ms": _number(measures.get("latency_p99_ms", {}).get(index)),
            "error_rate_percent": 100.0 * errors / requests if requests > 0 else None,
        },
    )


# --- helpers -----------------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _first(error: Any) -> str:
    text = str(getattr(error, "message", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__

"""The MLflow model registry, read through the MLflow client: aliases resolved to versions, with the metrics and
tags the promotion gates check.

The tracking store is ``MLFLOW_TRACKING_URI`` when set; otherwise a SQLite store inside the project
(``.mlflow/mlflow.db``), so promotion works on a fresh machine and in tests without a server.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from aiscale.core.errors import AiscaleError
from aiscale.core.redaction import redact, redact_url

DEFAULT_STORE = Path(".mlflow") / "mlflow.db"
REQUEST_BOUNDS = {
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.5",
}
"""MLflow's HTTP client settings for a remote registry: every connect and every read waits at most 10 s; a
failed request is tried 3 times in all, 0 s then about 2 s apart. An unreachable or silent registry therefore
fails a promotion within about 35 s (docs/model-delivery.md)."""


class RegistryError(AiscaleError):
    """The registry cannot be reached, or does not know the model or alias asked for (exit 2)."""


@dataclass(frozen=True)
class ModelVersionInfo:
    name: str
    version: int
    run_id: str | None
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    """The run's metrics, overlaid with metrics recorded on the version's logged model (MLflow 3)."""
    aliases: tuple[str, ...] = ()


def tracking_uri(project_root: Path) -> str:
    configured = os.environ.get("MLFLOW_TRACKING_URI")
    if configured:
        return configured
    return f"sqlite:///{(project_root / DEFAULT_STORE).resolve()}"


def shown(uri: str) -> str:
    """A tracking URI for messages: without the credentials a URI may carry (``https://user:token@host``,
    ``?token=...``)."""
    return redact_url(uri) if "://" in uri and not uri.startswith("sqlite:") else uri


class Registry:
    """The registry at ``uri``; nothing is opened (or created) until a version is read."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    @cached_property
    def client(self) -> Any:
        # A bad server should fail a promotion within a bounded time, not after MLflow's defaults (a 120 s timeout,
        # 7 retries with a growing backoff: many minutes). The environment can still set its own.
        for variable, value in REQUEST_BOUNDS.items():
            os.environ.setdefault(variable, value)
        from mlflow import MlflowClient  # noqa: PLC0415 - heavy; only promotions need it

        if self.uri.startswith("sqlite:///"):  # MLflow creates the database, not its folder
            Path(self.uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)

    def resolve(self, name: str, alias: str) -> ModelVersionInfo:
        """The version ``models:/<name>@<alias>`` points at now."""
        version = self._call(f"models:/{name}@{alias}", self.client.get_model_version_by_alias, name, alias)
        return self._info(version)

    def version(self, name: str, version: int) -> ModelVersionInfo:
        return self._info(self._call(f"models:/{name}/{version}", self.client.get_model_version, name, str(version)))

    def _info(self, version: Any) -> ModelVersionInfo:
        metrics: dict[str, float] = {}
        if version.run_id:
            run = self._call(f"run {version.run_id}", self.client.get_run, version.run_id)
            metrics.update(run.data.metrics)
        for metric in getattr(version, "metrics", None) or []:
            metrics[metric.key] = float(metric.value)
        return ModelVersionInfo(
            name=version.name,
            version=int(version.version),
            run_id=version.run_id or None,
            tags=dict(version.tags or {}),
            metrics=metrics,
            aliases=tuple(version.aliases or ()),
        )

    def _call(self, what: str, method: Any, *args: Any) -> Any:
        import requests  # noqa: PLC0415
        from mlflow.exceptions import MlflowException  # noqa: PLC0415

        where = f"MLflow registry {shown(self.uri)}"
        try:
            return method(*args)
        except MlflowException as error:
            if isinstance(error.__context__, requests.ConnectionError | requests.Timeout):
                raise RegistryError(f"{where} cannot be reached: {_reason(error.__context__)}") from None
            if error.error_code == "RESOURCE_DOES_NOT_EXIST":
                raise RegistryError(f"{where}: {what} does not exist") from None
            raise RegistryError(f"{where}: cannot read {what}: {redact(_first_line(error))}") from None
        except OSError as error:
            raise RegistryError(f"{where} cannot be reached: {_reason(error)}") from None


def _reason(error: BaseException) -> str:
    """The innermost reason of a connection error (``Connection refused``), not the pool's retry story."""
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", str(error))
    return match.group(1).strip() if match else redact(_first_line(error))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

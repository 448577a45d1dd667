"""The model monitoring interface: one shape for a deployment's monitor on Azure ML and Vertex AI.

``AzureModelMonitor`` and ``VertexModelMonitor`` take a :class:`ModelMonitorArgs` per monitored deployment and an
optional :class:`RetrainingArgs`; :func:`check_monitor` refuses what the platform cannot do, by the rules of
:mod:`aiscale.core.monitoring` the stack config and the policy pack apply too. Alerts go through the component's
``alert_routing`` (the stack's routing), with the ``model-drift`` runbook.
"""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

from aiscale.components.common.defaults import declare, stack_default
from aiscale.core import monitoring
from aiscale.core.config.monitoring import ModelMonitoringConfig
from aiscale.core.errors import InvalidArgumentError

#: The runbook page every model monitoring alert links.
DRIFT_RUNBOOK = "model-drift"


class MonitorSignalArgs(TypedDict):
    """The metric a signal computes and the threshold that raises an alert."""

    metric: str
    threshold: float


class MonitorReferenceArgs(TypedDict):
    """What production data is compared with: ``training_data`` (with ``target_column``), or a fixed past window
    (``window_start`` and ``window_end``, Azure ML only)."""

    training_data: NotRequired[str]
    target_column: NotRequired[str]
    window_start: NotRequired[str]
    """``YYYY-MM-DD``."""
    window_end: NotRequired[str]


class MonitorScheduleArgs(TypedDict):
    """Exactly one of ``every_hours``, ``daily_at_hour`` (UTC) and ``cron`` (five fields, UTC)."""

    every_hours: NotRequired[int]
    daily_at_hour: NotRequired[int]
    cron: NotRequired[str]


class ModelMonitorArgs(TypedDict):
    """The monitor of one deployment."""

    signals: Mapping[str, MonitorSignalArgs]
    """By signal: ``data_drift``, ``prediction_drift``, ``data_quality``."""
    reference: MonitorReferenceArgs
    schedule: MonitorScheduleArgs
    production_window_days: int
    features: NotRequired[Sequence[str]]
    """Input features the data signals cover; all when absent."""
    task: NotRequired[str]
    """``classification`` or ``regression``."""
    paused: NotRequired[bool]
    """Keep the monitor without running it (Azure ML: a disabled schedule; Vertex AI: a paused job)."""


MONITOR_DEFAULTS = declare(
    ModelMonitorArgs,
    task=stack_default(ModelMonitoringConfig, "task"),
    paused=stack_default(ModelMonitoringConfig, "paused"),
)
"""Defaults of the optional args of ``ModelMonitorArgs``."""


class RetrainingArgs(TypedDict):
    """A retraining pipeline run on a schedule."""

    pipeline: str
    """Azure ML: ARM id of the pipeline job to run again; Vertex AI: the compiled pipeline template."""
    schedule: MonitorScheduleArgs
    parameters: NotRequired[Mapping[str, str]]
    """Pipeline parameters, as text."""
    pipeline_root: NotRequired[str]
    """Vertex AI: where the pipeline writes its artifacts."""


def schedule_kind(schedule: MonitorScheduleArgs) -> tuple[str, int | str]:
    """The one kind a schedule gives, and its value."""
    given: list[tuple[str, int | str]] = [
        (kind, value)
        for kind, value in (
            ("every_hours", schedule.get("every_hours")),
            ("daily_at_hour", schedule.get("daily_at_hour")),
            ("cron", schedule.get("cron")),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise ValueError(f"give exactly one of {', '.join(monitoring.SCHEDULE_KINDS)}")
    return given[0]


def check_monitor(component: str, platform: str, deployment: str, args: ModelMonitorArgs) -> None:
    """Refuse a monitor the platform cannot run, naming the deployment's argument."""
    where = f"monitors.{deployment}"

    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(component, f"{where}.{argument}", problem)

    if not args["signals"]:
        fail("signals", f"give at least one of {', '.join(monitoring.SIGNALS)}")
    for name, signal in args["signals"].items():
        problem = (
            monitoring.signal_problem(platform, name)
            if name in monitoring.SIGNALS
            else f"{name!r} is not one of {', '.join(monitoring.SIGNALS)}"
        )
        if problem:
            fail(f"signals.{name}", problem)
        problem = monitoring.metric_problem(platform, name, signal["metric"]) or monitoring.threshold_problem(
            signal["metric"], signal["threshold"]
        )
        if problem:
            fail(f"signals.{name}", problem)
    reference = args["reference"]
    if ("training_data" in reference) == ("window_start" in reference):
        fail("reference", "give training_data (with target_column) or window_start and window_end")
    if "training_data" in reference:
        problem = monitoring.training_data_problem(platform, reference["training_data"])
        if problem or "target_column" not in reference:
            fail("reference.training_data", problem or "needs target_column (the column the model predicts)")
    else:
        problem = monitoring.past_window_problem(
            platform, reference.get("window_start", ""), reference.get("window_end", "")
        )
        if problem:
            fail("reference.window_start", problem)
    try:
        kind, value = schedule_kind(args["schedule"])
    except ValueError as error:
        fail("schedule", str(error))
        return
    problem = monitoring.schedule_problem(platform, kind) or (
        monitoring.cron_problem(str(value)) if kind == "cron" else None
    )
    if problem:
        fail(f"schedule.{kind}", problem)
    if not 1 <= args["production_window_days"] <= 90:
        fail("production_window_days", f"must be 1 to 90 (got {args['production_window_days']})")
    if args.get("task", MONITOR_DEFAULTS["task"]) not in ("classification", "regression"):
        fail("task", f"{args.get('task')!r} is not one of classification, regression")

"""The stack config's monitoring blocks as the model monitoring interface both clouds' monitors take."""

from aiscale.components.common.model_monitoring import (
    ModelMonitorArgs,
    MonitorReferenceArgs,
    MonitorScheduleArgs,
    RetrainingArgs,
)
from aiscale.core.config.monitoring import ModelMonitoringConfig, RetrainingConfig, ScheduleConfig


def schedule_args(schedule: ScheduleConfig) -> MonitorScheduleArgs:
    """The one schedule the config gives (its validator allows exactly one)."""
    if schedule.every_hours is not None:
        return {"every_hours": schedule.every_hours}
    if schedule.daily_at_hour is not None:
        return {"daily_at_hour": schedule.daily_at_hour}
    assert schedule.cron is not None
    return {"cron": schedule.cron}


def monitor_args(block: ModelMonitoringConfig) -> ModelMonitorArgs:
    """A deployment's monitor: each signal with its metric (the platform default when unset) and threshold."""
    reference: MonitorReferenceArgs
    if block.reference.training_data is not None and block.reference.target_column is not None:
        reference = {"training_data": block.reference.training_data, "target_column": block.reference.target_column}
    else:
        assert block.reference.past_window is not None
        reference = {"window_start": block.reference.past_window.start, "window_end": block.reference.past_window.end}
    args: ModelMonitorArgs = {
        "signals": {
            name: {"metric": metric, "threshold": threshold}
            for name, (metric, threshold) in block.signal_metrics().items()
        },
        "reference": reference,
        "schedule": schedule_args(block.schedule),
        "production_window_days": block.production_window_days,
        "task": block.task,
        "paused": block.paused,
    }
    if block.features != "all":
        args["features"] = list(block.features)
    return args


def retraining_args(retraining: RetrainingConfig) -> RetrainingArgs:
    args: RetrainingArgs = {
        "pipeline": retraining.pipeline,
        "schedule": schedule_args(retraining.schedule),
        # Parameters go to the platforms as text (Azure ML literal inputs, Vertex AI parameter values parse it).
        "parameters": {
            key: str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in retraining.parameters.items()
        },
    }
    if retraining.pipeline_root is not None:
        args["pipeline_root"] = retraining.pipeline_root
    return args

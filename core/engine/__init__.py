"""The offline preview engine: run a Pulumi Python project under the SDK's mock engine and record it."""

from aiscale.core.engine.recorder import Registration, SourceLocation
from aiscale.core.engine.runner import DEFAULT_TIMEOUT_SECONDS, RecordedRun, record_program, run_stack, strip_aliases

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "RecordedRun",
    "Registration",
    "SourceLocation",
    "record_program",
    "run_stack",
    "strip_aliases",
]

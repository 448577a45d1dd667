"""The offline preview engine: run a Pulumi Python project under the SDK's mock engine and record it."""

from aiscale.core.engine.bootstrap import strip_aliases
from aiscale.core.engine.recorder import Registration, SourceLocation
from aiscale.core.engine.runner import DEFAULT_TIMEOUT_SECONDS, RecordedRun, record_program, record_stack, run_stack

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "RecordedRun",
    "Registration",
    "SourceLocation",
    "record_program",
    "record_stack",
    "run_stack",
    "strip_aliases",
]

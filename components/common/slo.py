"""The service level objective of a model endpoint, the same shape on Azure ML and Vertex AI endpoints."""

from typing import NotRequired, TypedDict

from aiscale.components.common.defaults import declare, stack_default
from aiscale.core import rules
from aiscale.core.config.common import EndpointSlo
from aiscale.core.errors import InvalidArgumentError


class EndpointSloArgs(TypedDict):
    """What an endpoint promises; with ``alert_routing`` the endpoint alerts when it misses it."""

    latency_p95_ms: int
    """95th percentile request latency, in milliseconds."""
    latency_p99_ms: int
    """99th percentile request latency, in milliseconds (at least ``latency_p95_ms``)."""
    error_rate_percent: NotRequired[float]
    """Share of requests answered with a server error (5xx) over 15 minutes that is still acceptable."""


SLO_DEFAULTS = declare(
    EndpointSloArgs,
    error_rate_percent=stack_default(EndpointSlo, "error_rate_percent"),
)
"""Defaults of the optional args of ``EndpointSloArgs``."""


def check_slo(component: str, slo: EndpointSloArgs | None) -> None:
    """Refuse an SLO that cannot hold (the rule the stack config applies too)."""
    if slo is None:
        return
    problems = rules.slo_problems(
        slo["latency_p95_ms"], slo["latency_p99_ms"], slo.get("error_rate_percent", SLO_DEFAULTS["error_rate_percent"])
    )
    if problems:
        field, problem = problems[0]
        raise InvalidArgumentError(component, f"slo.{field}", problem)

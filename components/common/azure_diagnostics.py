"""The diagnostics interface for Azure components: send a resource's logs and metrics to Log Analytics."""

from __future__ import annotations

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import monitor

from aiscale.components.common.options import child_options


class DiagnosticsArgs(TypedDict):
    """Where a component sends its diagnostic logs and metrics."""

    workspace_id: pulumi.Input[str]
    """Resource id of the Log Analytics workspace."""
    log_category_groups: NotRequired[list[str]]
    """Log category groups to collect (default ``["allLogs"]``; ``audit`` for a cheaper subset)."""
    metrics: NotRequired[bool]
    """Also send platform metrics (default True)."""


def diagnostic_setting(
    name: str, resource_uri: pulumi.Input[str], args: DiagnosticsArgs, parent: pulumi.Resource
) -> monitor.DiagnosticSetting:
    """A ``<name>-diagnostics`` diagnostic setting on ``resource_uri``, parented to the component."""
    return monitor.DiagnosticSetting(
        f"{name}-diagnostics",
        name=f"{name}-diagnostics",
        resource_uri=resource_uri,
        workspace_id=args["workspace_id"],
        log_analytics_destination_type="Dedicated",
        logs=[
            monitor.DiagnosticsLogSettingsArgs(category_group=group, enabled=True)
            for group in args.get("log_category_groups", ["allLogs"])
        ],
        metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)]
        if args.get("metrics", True)
        else None,
        opts=child_options(parent),
    )

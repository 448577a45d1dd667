"""The diagnostics interface on Azure: a diagnostic setting sending a resource's logs and metrics to Log Analytics.

Every Azure component with resource logs takes ``diagnostics: AzureDiagnosticsArgs`` and calls
:func:`diagnostic_setting` once per resource that emits them. The Google Cloud counterpart is
:mod:`aiscale.components.common.gcp_diagnostics`.
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import monitor

from aiscale.components.common.options import child_options
from aiscale.core.errors import InvalidArgumentError

CATEGORY_GROUPS = ("allLogs", "audit")


class AzureDiagnosticsArgs(TypedDict):
    """Where a component sends its diagnostic logs and metrics."""

    workspace_id: pulumi.Input[str]
    """Resource id of the Log Analytics workspace."""
    log_category_groups: NotRequired[Sequence[str]]
    """Log category groups to collect: ``allLogs`` (the default; ``audit`` alone for AKS) or ``audit``, cheaper."""
    metrics: NotRequired[bool]
    """Also send platform metrics (default True)."""


def diagnostic_setting(
    name: str,
    resource_uri: pulumi.Input[str],
    args: AzureDiagnosticsArgs,
    parent: pulumi.Resource,
    *,
    default_category_groups: Sequence[str] = ("allLogs",),
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
            for group in args.get("log_category_groups", default_category_groups)
        ],
        metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)]
        if args.get("metrics", True)
        else None,
        opts=child_options(parent),
    )


def check_diagnostics(component: str, args: AzureDiagnosticsArgs | None) -> None:
    """Refuse category groups Azure does not have."""
    unknown = sorted(set((args or {}).get("log_category_groups", [])) - set(CATEGORY_GROUPS))
    if unknown:
        raise InvalidArgumentError(
            component, "diagnostics.log_category_groups", f"{unknown} are not among {', '.join(CATEGORY_GROUPS)}"
        )

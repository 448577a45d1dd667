"""The alerts interface for Azure components: where alerts go and where their runbooks live.

Every alert aiscale creates names its runbook ``<runbook_base_url>/<alert>`` in its description (metric alerts)
or ``runbook_url`` annotation (Prometheus rules), and notifies the platform's action group.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

import pulumi


class AlertsArgs(TypedDict):
    action_group_id: pulumi.Input[str]
    runbook_base_url: str
    monitor_workspace_id: NotRequired[pulumi.Input[str]]
    """Azure Monitor workspace holding Prometheus metrics (for PromQL-based alerts)."""


def runbook(args: AlertsArgs, alert: str) -> str:
    return f"{args['runbook_base_url'].rstrip('/')}/{alert}"

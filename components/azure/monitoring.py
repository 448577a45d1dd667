"""Platform monitoring: Log Analytics, an Azure Monitor workspace for Prometheus metrics, and alert routing.

Components send diagnostics where :meth:`AzureMonitoring.diagnostics` says (the Log Analytics workspace) and route
their alerts through :meth:`AzureMonitoring.alert_routing` (the action group, the runbook base URL and the
workspaces), so every alert reaches the same people and links its runbook. The workspaces hold the platform's logs
and metrics: ``protect`` and ``lock`` apply to them.
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from aiscale.components.common.azure_alerts import AzureAlertRoutingArgs
from aiscale.components.common.azure_diagnostics import AzureDiagnosticsArgs
from aiscale.components.common.options import after, child_options
from aiscale.components.common.protection import ResourceLockArgs, check_lock, resource_lock
from aiscale.components.common.tags import Tags, azure_tags
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("AzureMonitoring")
PREVIOUS_TYPE = "aiscale:azure:Monitoring"
#: Tables of the audit trail: the subscription activity log and Key Vault data-plane audit events.
AUDIT_TABLES = ("AzureActivity", "AZKVAuditLogs")


class AzureMonitoringArgs(TypedDict):
    """Arguments of :class:`AzureMonitoring`."""

    name_prefix: str
    """Prefix of the workspace, Prometheus workspace and action group names."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the component's resources."""
    location: pulumi.Input[str]
    """Azure region of the resources (``westeurope``)."""
    log_retention_days: int
    """30-730 days."""
    alert_emails: Sequence[str]
    """Addresses every alert is mailed to."""
    runbook_base_url: str
    """``https://`` base of the runbooks: each alert links ``<runbook_base_url>/<alert kind>``."""
    webhook_url: NotRequired[pulumi.Input[str]]
    """Secret incoming-webhook URL (chat or paging); kept a Pulumi secret."""
    tags: NotRequired[Tags]
    """Azure tags of the workspaces and the action group."""
    protect: NotRequired[bool]
    """Pulumi refuses to delete the Log Analytics and Azure Monitor workspaces."""
    lock: NotRequired[ResourceLockArgs]
    """An Azure management lock on each workspace."""
    audit_retention_days: NotRequired[int]
    """Total retention of the audit tables (``AzureActivity``, ``AZKVAuditLogs``), 4-4383 days: rows past the
    workspace's retention stay searchable in the long-term tier."""


def _validate(args: AzureMonitoringArgs) -> None:
    if not 30 <= args["log_retention_days"] <= 730:
        raise InvalidArgumentError(COMPONENT, "log_retention_days", f"{args['log_retention_days']} is outside 30-730")
    if not args["alert_emails"]:
        raise InvalidArgumentError(COMPONENT, "alert_emails", "at least one address")
    if not args["runbook_base_url"].startswith("https://"):
        raise InvalidArgumentError(COMPONENT, "runbook_base_url", "must be an https:// URL")
    days = args.get("audit_retention_days")
    if days is not None and not 4 <= days <= 4383:
        raise InvalidArgumentError(COMPONENT, "audit_retention_days", f"{days} is outside 4-4383")
    check_lock(COMPONENT, args.get("lock"))
    azure_tags(COMPONENT, args.get("tags"))


class AzureMonitoring(pulumi.ComponentResource):
    """Platform monitoring on Azure: Log Analytics, an Azure Monitor workspace for Prometheus metrics and the action group every alert notifies.

    Children: ``<name>-logs``, ``<name>-prometheus``, ``<name>-action-group``, ``<name>-table-<table>`` (with
    ``audit_retention_days``).
    """

    logs: operationalinsights.Workspace
    prometheus: monitor.AzureMonitorWorkspace
    action_group: monitor.ActionGroup
    log_analytics_workspace_id: pulumi.Output[str]
    monitor_workspace_id: pulumi.Output[str]
    prometheus_query_endpoint: pulumi.Output[str]
    """Where Prometheus queries of the monitor workspace go (KEDA scales workloads on them)."""
    action_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: AzureMonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        self.runbook_base_url = args["runbook_base_url"].rstrip("/")
        self.location = args["location"]
        self.logs, self.prometheus = self._workspaces(name, args)
        self.action_group = self._action_group(name, args)
        if "audit_retention_days" in args:
            self._audit_tables(name, args, args["audit_retention_days"])
        if "lock" in args:
            resource_lock(f"{name}-logs", scope=self.logs.id, args=args["lock"], parent=self)
            resource_lock(f"{name}-prometheus", scope=self.prometheus.id, args=args["lock"], parent=self)

        self.log_analytics_workspace_id = self.logs.id
        self.monitor_workspace_id = self.prometheus.id
        self.prometheus_query_endpoint = self.prometheus.metrics.apply(
            lambda metrics: (metrics.prometheus_query_endpoint if metrics else None) or ""
        )
        self.action_group_id = self.action_group.id
        self.register_outputs(
            {
                "logAnalyticsWorkspaceId": self.log_analytics_workspace_id,
                "monitorWorkspaceId": self.monitor_workspace_id,
                "actionGroupId": self.action_group_id,
            }
        )

    def _workspaces(
        self, name: str, args: AzureMonitoringArgs
    ) -> tuple[operationalinsights.Workspace, monitor.AzureMonitorWorkspace]:
        """The Log Analytics workspace (resource-permission access only) and the Prometheus metrics workspace."""
        protect, prefix = args.get("protect", False), args["name_prefix"]
        logs = operationalinsights.Workspace(
            f"{name}-logs",
            workspace_name=f"{prefix}-logs",
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=args["log_retention_days"],
            features=operationalinsights.WorkspaceFeaturesArgs(
                disable_local_auth=True, enable_log_access_using_only_resource_permissions=True
            ),
            tags=args.get("tags"),
            opts=child_options(self, protect=protect),
        )
        prometheus = monitor.AzureMonitorWorkspace(
            f"{name}-prometheus",
            azure_monitor_workspace_name=f"{prefix}-prometheus",
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            tags=args.get("tags"),
            opts=child_options(self, protect=protect),
        )
        return logs, prometheus

    def _action_group(self, name: str, args: AzureMonitoringArgs) -> monitor.ActionGroup:
        """The action group every alert notifies: each address by e-mail, the webhook (a secret) when given."""
        prefix, webhook = args["name_prefix"], args.get("webhook_url")
        return monitor.ActionGroup(
            f"{name}-action-group",
            action_group_name=f"{prefix}-alerts",
            group_short_name=prefix[:12],
            resource_group_name=args["resource_group_name"],
            location="global",
            enabled=True,
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(
                    name=f"email-{index}", email_address=address, use_common_alert_schema=True
                )
                for index, address in enumerate(args["alert_emails"])
            ],
            webhook_receivers=[
                monitor.WebhookReceiverArgs(
                    name="webhook", service_uri=pulumi.Output.secret(webhook), use_common_alert_schema=True
                )
            ]
            if webhook is not None
            else None,
            tags=args.get("tags"),
            opts=child_options(self),
        )

    def _audit_tables(self, name: str, args: AzureMonitoringArgs, retention_days: int) -> None:
        """The audit tables' total retention, past the workspace's, in the long-term tier."""
        for table in AUDIT_TABLES:
            operationalinsights.Table(
                f"{name}-table-{table.lower()}",
                table_name=table,
                workspace_name=after(self.logs, f"{args['name_prefix']}-logs"),
                resource_group_name=args["resource_group_name"],
                total_retention_in_days=retention_days,
                opts=child_options(self),
            )

    def alert_routing(self) -> AzureAlertRoutingArgs:
        """The alert routing every Azure component's ``alert_routing`` argument takes."""
        return {
            "action_group_id": self.action_group_id,
            "runbook_base_url": self.runbook_base_url,
            "monitor_workspace_id": self.monitor_workspace_id,
            "log_analytics_workspace_id": self.log_analytics_workspace_id,
            "workspace_location": self.location,
        }

    def diagnostics(self) -> AzureDiagnosticsArgs:
        """The diagnostics every Azure component's ``diagnostics`` argument takes: all logs to the workspace."""
        return {"workspace_id": self.log_analytics_workspace_id}

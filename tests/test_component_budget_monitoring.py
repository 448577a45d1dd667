"""aiscale:index:AzureBudget and aiscale:index:AzureMonitoring."""

from typing import Any

import pulumi
import pytest

from aiscale.components.azure.budget import AzureBudget, AzureBudgetArgs
from aiscale.components.azure.monitoring import AzureMonitoring, AzureMonitoringArgs
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find


def budget_args(**changes: Any) -> AzureBudgetArgs:
    base: AzureBudgetArgs = {
        "budget_name": "rg-unit-monthly",
        "scope": "/subscriptions/s/resourceGroups/rg-unit",
        "amount": 5000,
        "start_date": "2026-01-01",
        "actual_thresholds": [50, 100],
        "forecast_thresholds": [100],
        "contact_emails": ["finops@example.com"],
        "alert_routing": {
            "action_group_id": "/actionGroups/alerts",
            "runbook_base_url": "https://runbooks.example.com",
        },
        "tag_filter": {"cost-center": ["cc-4711"]},
    }
    return changed(base, changes)


def test_budget() -> None:
    run = record_program(lambda: AzureBudget("b", budget_args()))
    assert children(run, find(run, "aiscale:index:AzureBudget", "b")) == [
        ("azure-native:consumption:Budget", "b-budget")
    ]
    notification = {
        "contactEmails": ["finops@example.com"],
        "contactGroups": ["/actionGroups/alerts"],
        "enabled": True,
        "operator": "GreaterThanOrEqualTo",
    }
    assert find(run, "azure-native:consumption:Budget", "b-budget").inputs == {
        "amount": 5000,
        "budgetName": "rg-unit-monthly",
        "category": "Cost",
        "filter": {"tags": {"name": "cost-center", "operator": "In", "values": ["cc-4711"]}},
        "notifications": {
            "actual-50": {**notification, "threshold": 50, "thresholdType": "Actual"},
            "actual-100": {**notification, "threshold": 100, "thresholdType": "Actual"},
            "forecasted-100": {**notification, "threshold": 100, "thresholdType": "Forecasted"},
        },
        "scope": "/subscriptions/s/resourceGroups/rg-unit",
        "timeGrain": "Monthly",
        "timePeriod": {"startDate": "2026-01-01T00:00:00Z"},
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start_date": "2026-01-02"}, "start_date: 2026-01-02 must be the first day of a month"),
        ({"start_date": "soon"}, "start_date: 'soon' is not a date"),
        ({"actual_thresholds": [10, 20, 30, 40, 50]}, "6 notifications; Azure allows 1 to 5 per budget"),
        ({"amount": 0}, "amount: must be positive"),
        ({"tag_filter": {"a": ["1"], "b": ["2"]}}, "tag_filter: Azure budgets filter on one tag"),
    ],
)
def test_budget_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: AzureBudget("b", budget_args(**changes)))
    assert message in str(caught.value)


def monitoring_args(**changes: Any) -> AzureMonitoringArgs:
    base: AzureMonitoringArgs = {
        "name_prefix": "unit",
        "resource_group_name": "rg",
        "location": "westeurope",
        "log_retention_days": 60,
        "alert_emails": ["oncall@example.com", "lead@example.com"],
        "runbook_base_url": "https://runbooks.example.com/aiscale/",
    }
    return changed(base, changes)


def test_monitoring() -> None:
    run = record_program(lambda: AzureMonitoring("mon", monitoring_args()))
    assert children(run, find(run, "aiscale:index:AzureMonitoring", "mon")) == [
        ("azure-native:operationalinsights:Workspace", "mon-logs"),
        ("azure-native:monitor:AzureMonitorWorkspace", "mon-prometheus"),
        ("azure-native:monitor:ActionGroup", "mon-action-group"),
    ]
    assert find(run, "azure-native:operationalinsights:Workspace", "mon-logs").inputs == {
        "features": {"disableLocalAuth": True, "enableLogAccessUsingOnlyResourcePermissions": True},
        "location": "westeurope",
        "resourceGroupName": "rg",
        "retentionInDays": 60,
        "sku": {"name": "PerGB2018"},
        "workspaceName": "unit-logs",
    }
    assert find(run, "azure-native:monitor:ActionGroup", "mon-action-group").inputs == {
        "actionGroupName": "unit-alerts",
        "emailReceivers": [
            {"emailAddress": "oncall@example.com", "name": "email-0", "useCommonAlertSchema": True},
            {"emailAddress": "lead@example.com", "name": "email-1", "useCommonAlertSchema": True},
        ],
        "enabled": True,
        "groupShortName": "unit",
        "location": "global",
        "resourceGroupName": "rg",
    }


def test_audit_tables_keep_the_audit_rows_for_years() -> None:
    run = record_program(lambda: AzureMonitoring("mon", monitoring_args(audit_retention_days=2557)))
    logs = find(run, "azure-native:operationalinsights:Workspace", "mon-logs")
    for table in ("AzureActivity", "AZKVAuditLogs"):
        record = find(run, "azure-native:operationalinsights:Table", f"mon-table-{table.lower()}")
        assert record.inputs == {
            "resourceGroupName": "rg",
            "tableName": table,
            "totalRetentionInDays": 2557,
            "workspaceName": "unit-logs",
        }
        assert logs.urn in record.dependencies
    without = record_program(lambda: AzureMonitoring("mon", monitoring_args()))
    assert not [r for r in without.registrations if r.type == "azure-native:operationalinsights:Table"]


def test_webhook_stays_secret() -> None:
    secret = "https://hooks.example.com/services/T0/B0/very-secret"
    run = record_program(lambda: AzureMonitoring("mon", monitoring_args(webhook_url=pulumi.Output.secret(secret))))
    group = find(run, "azure-native:monitor:ActionGroup", "mon-action-group")
    assert group.inputs["webhookReceivers"] == [
        {
            "name": "webhook",
            "serviceUri": "[secret]",
            "useAadAuth": False,
            "useCommonAlertSchema": True,
        }  # useAadAuth: SDK default
    ]
    assert secret not in repr(group.inputs)
    assert group.has_secret_inputs


def test_alert_routing_routes_to_the_action_group() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        monitoring = AzureMonitoring("mon", monitoring_args())
        seen.update(monitoring.alert_routing())

    record_program(program)
    assert seen["runbook_base_url"] == "https://runbooks.example.com/aiscale"
    assert set(seen) == {
        "action_group_id",
        "runbook_base_url",
        "monitor_workspace_id",
        "log_analytics_workspace_id",
        "workspace_location",
    }
    assert seen["workspace_location"] == "westeurope"


def test_monitoring_workspaces_are_protected_and_locked() -> None:
    run = record_program(lambda: AzureMonitoring("mon", monitoring_args(protect=True, lock={"level": "ReadOnly"})))
    assert children(run, find(run, "aiscale:index:AzureMonitoring", "mon")) == [
        ("azure-native:operationalinsights:Workspace", "mon-logs"),
        ("azure-native:monitor:AzureMonitorWorkspace", "mon-prometheus"),
        ("azure-native:monitor:ActionGroup", "mon-action-group"),
        ("azure-native:authorization:ManagementLockByScope", "mon-logs-lock"),
        ("azure-native:authorization:ManagementLockByScope", "mon-prometheus-lock"),
    ]
    assert find(run, "azure-native:operationalinsights:Workspace", "mon-logs").protect
    assert find(run, "azure-native:monitor:AzureMonitorWorkspace", "mon-prometheus").protect
    assert not find(run, "azure-native:monitor:ActionGroup", "mon-action-group").protect
    lock = find(run, "azure-native:authorization:ManagementLockByScope", "mon-logs-lock")
    assert lock.inputs["level"] == "ReadOnly"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"log_retention_days": 7}, "log_retention_days: 7 is outside 30-730"),
        ({"alert_emails": []}, "alert_emails: at least one address"),
        ({"runbook_base_url": "http://wiki"}, "runbook_base_url: must be an https:// URL"),
        ({"audit_retention_days": 4384}, "audit_retention_days: 4384 is outside 4-4383"),
    ],
)
def test_monitoring_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: AzureMonitoring("mon", monitoring_args(**changes)))
    assert message in str(caught.value)

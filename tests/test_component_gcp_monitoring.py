"""aiscale:index:GcpMonitoring and aiscale:index:GcpBudget: exact children and inputs, secrets, validation."""

from typing import Any

import pulumi
import pytest

from aiscale.components.gcp.budget import GcpBudget, GcpBudgetArgs
from aiscale.components.gcp.monitoring import KMS_TAMPERING_FILTER, GcpMonitoring, GcpMonitoringArgs
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find


def monitoring_args(**changes: Any) -> GcpMonitoringArgs:
    base: GcpMonitoringArgs = {
        "project": "p-unit",
        "alert_emails": ["oncall@example.com", "ml@example.com"],
        "runbook_base_url": "https://runbooks.example.com/aiscale/",
        "log_retention_days": 90,
        "labels": {"owner": "ml"},
    }
    return changed(base, changes)


def test_monitoring_children_and_channels() -> None:
    run = record_program(
        lambda: GcpMonitoring(
            "mon", monitoring_args(webhook_url=pulumi.Output.secret("https://hooks.example/T/secret"))
        )
    )
    assert children(run, find(run, "aiscale:index:GcpMonitoring", "mon")) == [
        ("gcp:monitoring/notificationChannel:NotificationChannel", "mon-email-0"),
        ("gcp:monitoring/notificationChannel:NotificationChannel", "mon-email-1"),
        ("gcp:monitoring/notificationChannel:NotificationChannel", "mon-webhook"),
        ("gcp:logging/projectBucketConfig:ProjectBucketConfig", "mon-log-retention"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "mon-alert-kms-key-tampering"),
    ]
    email = find(run, "gcp:monitoring/notificationChannel:NotificationChannel", "mon-email-0")
    assert email.inputs == {
        "displayName": "aiscale alerts: oncall@example.com",
        "labels": {"email_address": "oncall@example.com"},
        "project": "p-unit",
        "type": "email",
        "userLabels": {"owner": "ml"},
    }
    webhook = find(run, "gcp:monitoring/notificationChannel:NotificationChannel", "mon-webhook")
    assert webhook.inputs["type"] == "webhook_tokenauth"
    assert webhook.inputs["labels"] == {"url": "[secret]"}
    retention = find(run, "gcp:logging/projectBucketConfig:ProjectBucketConfig", "mon-log-retention")
    assert retention.inputs == {"bucketId": "_Default", "location": "global", "project": "p-unit", "retentionDays": 90}


def test_kms_tampering_is_a_log_based_alert() -> None:
    run = record_program(lambda: GcpMonitoring("mon", monitoring_args()))
    alert = find(run, "gcp:monitoring/alertPolicy:AlertPolicy", "mon-alert-kms-key-tampering")
    assert alert.inputs["conditions"] == [
        {
            "conditionMatchedLog": {"filter": KMS_TAMPERING_FILTER},
            "displayName": "KMS key version disabled or destroyed",
        }
    ]
    # Log-based alerts must rate-limit their notifications.
    assert alert.inputs["alertStrategy"] == {"autoClose": "1800s", "notificationRateLimit": {"period": "300s"}}
    assert alert.inputs["notificationChannels"] == ["[unknown]", "[unknown]"]
    assert alert.inputs["severity"] == "CRITICAL"
    assert alert.inputs["documentation"]["links"] == [
        {"displayName": "Runbook", "url": "https://runbooks.example.com/aiscale/kms-key-tampering"}
    ]
    assert 'protoPayload.methodName="DestroyCryptoKeyVersion"' in KMS_TAMPERING_FILTER


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"alert_emails": []}, "alert_emails: at least one address"),
        ({"runbook_base_url": "http://runbooks"}, "runbook_base_url: must be an https:// URL"),
        ({"log_retention_days": 0}, "log_retention_days: 0 is outside 1-3650"),
    ],
)
def test_monitoring_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: GcpMonitoring("mon", monitoring_args(**changes)))
    assert message in str(caught.value)


def budget_args(**changes: Any) -> GcpBudgetArgs:
    base: GcpBudgetArgs = {
        "billing_account": "01A2B3-C4D5E6-F7A8B9",
        "project": "p-unit",
        "project_number": "123456789012",
        "display_name": "p-unit monthly",
        "amount": 1500.25,
        "currency": "EUR",
        "actual_thresholds": [50, 100],
        "forecast_thresholds": [110],
        "contact_emails": ["finops@example.com"],
        "label_filter": {"environment": "prod"},
    }
    return changed(base, changes)


def test_monthly_budget() -> None:
    run = record_program(lambda: GcpBudget("budget", budget_args()))
    assert children(run, find(run, "aiscale:index:GcpBudget", "budget")) == [
        ("gcp:monitoring/notificationChannel:NotificationChannel", "budget-email-0"),
        ("gcp:billing/budget:Budget", "budget-budget"),
    ]
    budget = find(run, "gcp:billing/budget:Budget", "budget-budget")
    assert budget.inputs == {
        "allUpdatesRule": {
            "disableDefaultIamRecipients": True,
            "monitoringNotificationChannels": ["[unknown]"],
        },
        "amount": {"specifiedAmount": {"currencyCode": "EUR", "nanos": 250000000, "units": "1500"}},
        "billingAccount": "01A2B3-C4D5E6-F7A8B9",
        "budgetFilter": {
            "calendarPeriod": "MONTH",
            "labels": {"environment": "prod"},
            "projects": ["projects/123456789012"],
        },
        "displayName": "p-unit monthly",
        "thresholdRules": [
            {"spendBasis": "CURRENT_SPEND", "thresholdPercent": 0.5},
            {"spendBasis": "CURRENT_SPEND", "thresholdPercent": 1},
            {"spendBasis": "FORECASTED_SPEND", "thresholdPercent": 1.1},
        ],
    }
    channel = find(run, "gcp:monitoring/notificationChannel:NotificationChannel", "budget-email-0")
    assert channel.urn in budget.property_dependencies["allUpdatesRule"]


def test_budget_publishes_to_a_topic_it_creates() -> None:
    key = "projects/p-unit/locations/europe-west4/keyRings/r/cryptoKeys/platform"
    run = record_program(
        lambda: GcpBudget(
            "budget",
            budget_args(
                topic_name="p-unit-budget",
                topic_region="europe-west4",
                customer_managed_key={"key_id": key},
                labels={"owner": "ml"},
            ),
        )
    )
    assert children(run, find(run, "aiscale:index:GcpBudget", "budget")) == [
        ("gcp:monitoring/notificationChannel:NotificationChannel", "budget-email-0"),
        ("gcp:pubsub/topic:Topic", "budget-topic"),
        ("gcp:pubsub/topicIAMMember:TopicIAMMember", "budget-topic-publisher"),
        ("gcp:billing/budget:Budget", "budget-budget"),
    ]
    topic = find(run, "gcp:pubsub/topic:Topic", "budget-topic")
    assert topic.inputs == {
        "kmsKeyName": key,
        "labels": {"owner": "ml"},
        "messageRetentionDuration": "604800s",
        "messageStoragePolicy": {"allowedPersistenceRegions": ["europe-west4"], "enforceInTransit": True},
        "name": "p-unit-budget",
        "project": "p-unit",
    }
    assert find(run, "gcp:pubsub/topicIAMMember:TopicIAMMember", "budget-topic-publisher").inputs == {
        "member": "serviceAccount:billing-budget-alert@system.gserviceaccount.com",
        "project": "p-unit",
        "role": "roles/pubsub.publisher",
        "topic": "p-unit-budget",
    }
    budget = find(run, "gcp:billing/budget:Budget", "budget-budget")
    assert budget.inputs["allUpdatesRule"]["pubsubTopic"] == "[unknown]"
    assert topic.urn in budget.property_dependencies["allUpdatesRule"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"topic_region": "europe-west4"}, "topic_region: applies to the notification topic: give topic_name"),
        ({"customer_managed_key": {"key_id": "k"}}, "customer_managed_key: applies to the notification topic"),
        ({"topic_name": "goog-budget"}, "topic_name: 'goog-budget' is not a Pub/Sub topic name"),
    ],
)
def test_budget_topic_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: GcpBudget("budget", budget_args(**changes)))
    assert message in str(caught.value)


def test_budget_over_a_fixed_period() -> None:
    run = record_program(lambda: GcpBudget("budget", budget_args(start_date="2026-01-01", end_date="2026-12-31")))
    budget_filter = find(run, "gcp:billing/budget:Budget", "budget-budget").inputs["budgetFilter"]
    assert "calendarPeriod" not in budget_filter
    assert budget_filter["customPeriod"] == {
        "endDate": {"day": 31, "month": 12, "year": 2026},
        "startDate": {"day": 1, "month": 1, "year": 2026},
    }


def test_budget_also_notifies_the_routed_channels() -> None:
    routing = {"notification_channels": ["projects/p/notificationChannels/7"], "runbook_base_url": "https://runbooks"}
    run = record_program(lambda: GcpBudget("budget", budget_args(alert_routing=routing)))
    rule = find(run, "gcp:billing/budget:Budget", "budget-budget").inputs["allUpdatesRule"]
    assert rule["monitoringNotificationChannels"] == ["[unknown]", "projects/p/notificationChannels/7"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"contact_emails": [f"a{i}@example.com" for i in range(6)]},
            "6 addresses and 0 routed channels; a budget notifies 1 to 5 channels",
        ),
        (
            {
                "contact_emails": [f"a{i}@example.com" for i in range(4)],
                "alert_routing": {"notification_channels": ["c1", "c2"], "runbook_base_url": "https://runbooks"},
            },
            "4 addresses and 2 routed channels; a budget notifies 1 to 5 channels",
        ),
        ({"actual_thresholds": [], "forecast_thresholds": []}, "give at least one actual or forecast threshold"),
        ({"label_filter": {"a": "1", "b": "2"}}, "label_filter: budgets filter on a single label"),
        ({"end_date": "2026-12-31"}, "end_date: needs start_date"),
    ],
)
def test_budget_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: GcpBudget("budget", budget_args(**changes)))
    assert message in str(caught.value)

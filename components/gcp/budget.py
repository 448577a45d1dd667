"""A Cloud Billing budget for the project: current and forecasted spend thresholds, e-mail and Pub/Sub notices.

Scoped to the project (and optionally to resources carrying one label), monthly by default or over a fixed period
when an end date is given. Notifications go to e-mail notification channels (at most five per budget) and, with
``topic_name``, to a Pub/Sub topic the component creates for automation (for example scaling GPU pools down):
encrypted with the customer key when given, its messages kept in the budget's region, Cloud Billing's budget
service account allowed to publish. Billing-account administrators are not mailed by default: the configured
contacts are.
"""

import datetime
import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_gcp import billing, monitoring, pubsub

from aiscale.components.common.customer_managed_key import GcpCustomerManagedKeyArgs
from aiscale.components.common.gcp_alerts import GcpAlertRoutingArgs
from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Labels, gcp_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("GcpBudget")
PREVIOUS_TYPE = "aiscale:gcp:Budget"
#: Budgets notify at most five Cloud Monitoring notification channels.
MAX_CHANNELS = 5
#: The service account Cloud Billing publishes budget notifications as.
BUDGET_PUBLISHER = "serviceAccount:billing-budget-alert@system.gserviceaccount.com"
TOPIC_NAME = re.compile(r"^(?!goog)[A-Za-z][A-Za-z0-9._~+%-]{2,254}$")


class GcpBudgetArgs(TypedDict):
    """Arguments of :class:`GcpBudget`."""

    billing_account: str
    """Billing account of the project (``XXXXXX-XXXXXX-XXXXXX``)."""
    project: pulumi.Input[str]
    """Project that owns the notification channels."""
    project_number: str
    """Project number (service agent addresses and resource names are derived from it)."""
    display_name: str
    """Name of the budget."""
    amount: float
    """Amount per period, in ``currency``."""
    currency: str
    """ISO 4217 currency code of the billing account (``EUR``)."""
    actual_thresholds: Sequence[int]
    """Percentages of current spend."""
    forecast_thresholds: Sequence[int]
    """Percentages of forecasted spend."""
    contact_emails: Sequence[str]
    """Addresses the budget notifies."""
    start_date: NotRequired[str]
    """First day of a fixed period (``YYYY-MM-DD``, with ``end_date``)."""
    end_date: NotRequired[str]
    """With ``start_date``: a fixed period instead of calendar months."""
    label_filter: NotRequired[Mapping[str, str]]
    """Count only resources carrying this label (one key)."""
    topic_name: NotRequired[str]
    """Also publish every notification to a Pub/Sub topic of this name, created in ``project`` (automation)."""
    topic_region: NotRequired[str]
    """The only region the topic stores messages in (data residency; default: Google's choice)."""
    customer_managed_key: NotRequired[GcpCustomerManagedKeyArgs]
    """Encrypt the topic's messages with this key (the Pub/Sub service agent needs the key role)."""
    alert_routing: NotRequired[GcpAlertRoutingArgs]
    """Also notify the platform's notification channels (with the e-mail channels, at most five)."""
    labels: NotRequired[Labels]
    """Labels of the e-mail notification channels and the topic."""


def _validate(args: GcpBudgetArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    if args["amount"] <= 0:
        fail("amount", "must be positive")
    if not args["actual_thresholds"] and not args["forecast_thresholds"]:
        fail("actual_thresholds", "give at least one actual or forecast threshold")
    channels = len(args["contact_emails"]) + len(args.get("alert_routing", {}).get("notification_channels", []))
    if not args["contact_emails"] or channels > MAX_CHANNELS:
        fail(
            "contact_emails",
            f"{len(args['contact_emails'])} addresses and {channels - len(args['contact_emails'])} routed channels; "
            f"a budget notifies 1 to {MAX_CHANNELS} channels",
        )
    if len(args.get("label_filter", {})) > 1:
        fail("label_filter", "budgets filter on a single label")
    if "end_date" in args and "start_date" not in args:
        fail("end_date", "needs start_date")
    for argument in ("topic_region", "customer_managed_key"):
        if argument in args and "topic_name" not in args:
            fail(argument, "applies to the notification topic: give topic_name")
    if "topic_name" in args and not TOPIC_NAME.fullmatch(args["topic_name"]):
        fail("topic_name", f"{args['topic_name']!r} is not a Pub/Sub topic name (3-255, starting with a letter)")
    gcp_labels(COMPONENT, args.get("labels"))


def _day(text: str) -> dict[str, int]:
    day = datetime.date.fromisoformat(text)
    return {"year": day.year, "month": day.month, "day": day.day}


def _custom_period(args: GcpBudgetArgs) -> billing.BudgetBudgetFilterCustomPeriodArgs | None:
    """From ``start_date`` to ``end_date``; None for calendar months."""
    if "start_date" not in args or "end_date" not in args:
        return None
    return billing.BudgetBudgetFilterCustomPeriodArgs(
        start_date=billing.BudgetBudgetFilterCustomPeriodStartDateArgs(**_day(args["start_date"])),
        end_date=billing.BudgetBudgetFilterCustomPeriodEndDateArgs(**_day(args["end_date"])),
    )


class GcpBudget(pulumi.ComponentResource):
    """A Cloud Billing budget for a project, with e-mail, routed and Pub/Sub notifications.

    Children: ``<name>-email-<n>`` notification channels, ``<name>-topic`` and ``<name>-topic-publisher`` (with
    ``topic_name``), ``<name>-budget``.
    """

    budget: billing.Budget
    budget_id: pulumi.Output[str]
    topic_id: pulumi.Output[str] | None
    """``projects/<p>/topics/<t>`` of the notification topic (with ``topic_name``): subscribe automation to it."""

    def __init__(self, name: str, args: GcpBudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        channels = [
            monitoring.NotificationChannel(
                f"{name}-email-{index}",
                project=args["project"],
                display_name=f"aiscale budget: {address}",
                type="email",
                labels={"email_address": address},
                user_labels=dict(args.get("labels", {})),
                opts=child_options(self),
            )
            for index, address in enumerate(args["contact_emails"])
        ]
        topic = self._topic(name, args["topic_name"], args) if "topic_name" in args else None
        units, fraction = divmod(round(args["amount"] * 1_000_000_000), 1_000_000_000)
        custom_period = _custom_period(args)
        self.budget = billing.Budget(
            f"{name}-budget",
            billing_account=args["billing_account"],
            display_name=args["display_name"],
            amount=billing.BudgetAmountArgs(
                specified_amount=billing.BudgetAmountSpecifiedAmountArgs(
                    currency_code=args["currency"], units=str(units), nanos=fraction or None
                )
            ),
            threshold_rules=[
                billing.BudgetThresholdRuleArgs(threshold_percent=percent / 100, spend_basis=basis)
                for basis, thresholds in (
                    ("CURRENT_SPEND", args["actual_thresholds"]),
                    ("FORECASTED_SPEND", args["forecast_thresholds"]),
                )
                for percent in thresholds
            ],
            budget_filter=billing.BudgetBudgetFilterArgs(
                projects=[f"projects/{args['project_number']}"],
                labels=dict(args.get("label_filter", {})) or None,
                calendar_period=None if custom_period else "MONTH",
                custom_period=custom_period,
            ),
            all_updates_rule=billing.BudgetAllUpdatesRuleArgs(
                monitoring_notification_channels=[
                    *(channel.id for channel in channels),
                    *args.get("alert_routing", {}).get("notification_channels", []),
                ],
                pubsub_topic=topic.id if topic is not None else None,
                disable_default_iam_recipients=True,
            ),
            opts=child_options(self),
        )
        self.budget_id = self.budget.id
        self.topic_id = topic.id if topic is not None else None
        self.register_outputs({"budgetId": self.budget_id, "topicId": self.topic_id})

    def _topic(self, name: str, topic_name: str, args: GcpBudgetArgs) -> pubsub.Topic:
        """``<name>-topic``, and Cloud Billing's right to publish to it (``<name>-topic-publisher``)."""
        key = args.get("customer_managed_key")
        topic = pubsub.Topic(
            f"{name}-topic",
            name=topic_name,
            project=args["project"],
            kms_key_name=key["key_id"] if key is not None else None,
            message_storage_policy=pubsub.TopicMessageStoragePolicyArgs(
                allowed_persistence_regions=[args["topic_region"]], enforce_in_transit=True
            )
            if "topic_region" in args
            else None,
            message_retention_duration="604800s",
            labels=args.get("labels"),
            opts=child_options(self),
        )
        pubsub.TopicIAMMember(
            f"{name}-topic-publisher",
            project=args["project"],
            topic=topic.name,
            role="roles/pubsub.publisher",
            member=BUDGET_PUBLISHER,
            opts=child_options(self),
        )
        return topic

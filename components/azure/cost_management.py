"""Cost attribution settings of a subscription: a daily cost anomaly alert and tag inheritance.

- The anomaly alert is a Cost Management insight alert (a scheduled action of kind ``InsightAlert``): once a day
  Cost Management compares the subscription's spend by resource group with its forecast and mails the contacts
  when it finds an anomaly. Azure offers it on the subscription scope only, and it mails people: it cannot notify
  an action group, so its message carries the runbook link instead.
- Tag inheritance applies the subscription's and resource groups' tags to the cost records of resources that lack
  them (the nodes AKS creates in its node resource group, for instance), so spend splits by ``owner``,
  ``cost-center`` and ``team``. It is a setting of the whole subscription, so it belongs to whoever owns it.
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import costmanagement

from aiscale.components.common.azure_alerts import AzureAlertRoutingArgs, runbook
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.options import child_options
from aiscale.components.common.type_tokens import type_token
from aiscale.core.config.azure import AzureCostConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("AzureCostManagement")
#: Cost Management's built-in view the anomaly alert evaluates: daily cost by resource group.
ANOMALY_VIEW = "ms:DailyAnomalyByResourceGroup"
#: Cost Management limits an insight alert's subject to 70 characters and its message to 250.
MAX_SUBJECT, MAX_MESSAGE = 70, 250


class CostAnomalyAlertArgs(TypedDict):
    """Who is mailed about cost anomalies, and over which period."""

    emails: Sequence[str]
    start_date: str
    """``YYYY-MM-DD``, fixed (like a budget's start)."""
    end_date: str
    """``YYYY-MM-DD``: Cost Management needs an end to every scheduled action."""


class AzureCostManagementArgs(TypedDict):
    """Arguments of :class:`AzureCostManagement`."""

    subscription_id: pulumi.Input[str]
    """The subscription the settings apply to (Cost Management's only scope for insight alerts)."""
    display_name: str
    """Shown in the subscription's Cost Management alerts (and names the alert)."""
    anomaly_alert: NotRequired[CostAnomalyAlertArgs]
    """Mail a daily cost anomaly alert."""
    alert_routing: NotRequired[AzureAlertRoutingArgs]
    """Link the ``cost-anomaly`` runbook of the routing in the alert's message."""
    tag_inheritance: NotRequired[bool]
    """Apply subscription and resource group tags to the cost records of untagged resources."""


DEFAULTS = declare(AzureCostManagementArgs, tag_inheritance=stack_default(AzureCostConfig, "tag_inheritance"))


def _validate(args: AzureCostManagementArgs) -> None:
    alert = args.get("anomaly_alert")
    if alert is not None:
        if not alert["emails"]:
            raise InvalidArgumentError(COMPONENT, "anomaly_alert.emails", "at least one address")
        if alert["end_date"] <= alert["start_date"]:
            raise InvalidArgumentError(COMPONENT, "anomaly_alert.end_date", "must be after start_date")
    if len(_subject(args)) > MAX_SUBJECT:
        raise InvalidArgumentError(COMPONENT, "display_name", f"the alert subject must fit {MAX_SUBJECT} characters")
    if len(_message(args)) > MAX_MESSAGE:
        raise InvalidArgumentError(
            COMPONENT, "alert_routing.runbook_base_url", f"the alert message with the link must fit {MAX_MESSAGE}"
        )


def _subject(args: AzureCostManagementArgs) -> str:
    return f"Cost anomaly: {args['display_name']}"


def _message(args: AzureCostManagementArgs) -> str:
    message = "Spend of the subscription departs from its forecast."
    if "alert_routing" in args:
        message += f" Runbook: {runbook(args['alert_routing'], 'cost-anomaly')}"
    return message


class AzureCostManagement(pulumi.ComponentResource):
    """``<name>-anomaly-alert`` and ``<name>-tag-inheritance``, both on the subscription."""

    scope: pulumi.Output[str]
    """The Cost Management scope of the settings (``subscriptions/<id>``)."""
    anomaly_alert_id: pulumi.Output[str] | None
    """Resource id of the anomaly alert (with ``anomaly_alert``)."""

    def __init__(self, name: str, args: AzureCostManagementArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        _validate(args)
        scope = pulumi.Output.concat("subscriptions/", args["subscription_id"])
        alert = args.get("anomaly_alert")
        self.anomaly_alert_id = None
        if alert is not None:
            self.anomaly_alert_id = costmanagement.ScheduledActionByScope(
                f"{name}-anomaly-alert",
                name=f"{name}-anomaly-alert",
                scope=scope,
                kind="InsightAlert",
                display_name=args["display_name"],
                status="Enabled",
                view_id=pulumi.Output.concat(
                    "/subscriptions/",
                    args["subscription_id"],
                    "/providers/Microsoft.CostManagement/views/",
                    ANOMALY_VIEW,
                ),
                schedule=costmanagement.SchedulePropertiesArgs(
                    frequency="Daily",
                    start_date=f"{alert['start_date']}T00:00:00Z",
                    end_date=f"{alert['end_date']}T00:00:00Z",
                ),
                notification=costmanagement.NotificationPropertiesArgs(
                    to=list(alert["emails"]), subject=_subject(args), message=_message(args)
                ),
                opts=child_options(self),
            ).id
        if args.get("tag_inheritance", DEFAULTS["tag_inheritance"]):
            costmanagement.TagInheritanceSetting(
                f"{name}-tag-inheritance",
                scope=scope,
                kind="taginheritance",
                # On a clash, the resource's own tag wins: a pool's team tag is not overwritten by the group's.
                properties=costmanagement.TagInheritancePropertiesArgs(prefer_container_tags=False),
                opts=child_options(self),
            )
        self.scope = scope
        self.register_outputs({"scope": self.scope, "anomalyAlertId": self.anomaly_alert_id})

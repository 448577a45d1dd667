"""A monthly cost budget on a resource group or subscription, with actual and forecast notifications.

The start date comes from config and never from the clock: Azure rejects changing a budget's start date, so a
date computed at deploy time would fail every later update.
"""

import datetime
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import consumption

from aiscale.components.common.azure_alerts import AzureAlertRoutingArgs
from aiscale.components.common.options import child_options
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("AzureBudget")
PREVIOUS_TYPE = "aiscale:azure:Budget"
#: Azure allows at most five notifications per budget.
MAX_NOTIFICATIONS = 5


class AzureBudgetArgs(TypedDict):
    """Arguments of :class:`AzureBudget`."""

    budget_name: str
    """Name of the budget."""
    scope: pulumi.Input[str]
    """``/subscriptions/<id>`` or a resource group id."""
    amount: float
    """Monthly amount in the billing account's currency."""
    start_date: str
    """``YYYY-MM-01``; fixed, because Azure rejects a changed start date."""
    end_date: NotRequired[str]
    """Last day of the budget (``YYYY-MM-DD``); open-ended when unset."""
    actual_thresholds: Sequence[int]
    """Percentages of actual spend that notify."""
    forecast_thresholds: Sequence[int]
    """Percentages of forecast spend that notify."""
    contact_emails: Sequence[str]
    """Addresses the budget notifies."""
    alert_routing: NotRequired[AzureAlertRoutingArgs]
    """Also notify the platform's action group."""
    tag_filter: NotRequired[Mapping[str, Sequence[str]]]
    """Count only resources carrying one of these values of one tag."""


def _validate(args: AzureBudgetArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    if args["amount"] <= 0:
        fail("amount", "must be positive")
    try:
        start = datetime.date.fromisoformat(args["start_date"])
    except ValueError:
        fail("start_date", f"{args['start_date']!r} is not a date")
    else:
        if start.day != 1:
            fail("start_date", f"{args['start_date']} must be the first day of a month")
    count = len(args["actual_thresholds"]) + len(args["forecast_thresholds"])
    if not 1 <= count <= MAX_NOTIFICATIONS:
        fail("actual_thresholds", f"{count} notifications; Azure allows 1 to {MAX_NOTIFICATIONS} per budget")
    if not args["contact_emails"]:
        fail("contact_emails", "at least one address")
    if len(args.get("tag_filter", {})) > 1:
        fail("tag_filter", "Azure budgets filter on one tag; use one tag name")


class AzureBudget(pulumi.ComponentResource):
    """A monthly Azure cost budget with actual and forecast notifications.

    Children: ``<name>-budget``.
    """

    budget: consumption.Budget
    budget_id: pulumi.Output[str]

    def __init__(self, name: str, args: AzureBudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        groups = [args["alert_routing"]["action_group_id"]] if "alert_routing" in args else None
        notifications = {
            f"{kind.lower()}-{threshold}": consumption.NotificationArgs(
                enabled=True,
                operator="GreaterThanOrEqualTo",
                threshold=threshold,
                threshold_type=kind,
                contact_emails=list(args["contact_emails"]),
                contact_groups=groups,
            )
            for kind, thresholds in (("Actual", args["actual_thresholds"]), ("Forecasted", args["forecast_thresholds"]))
            # Numbers reach a component served to other languages as floats: name notifications by whole percent.
            for threshold in (int(value) for value in thresholds)
        }
        tag_filter = dict(args.get("tag_filter", {}))
        self.budget = consumption.Budget(
            f"{name}-budget",
            budget_name=args["budget_name"],
            scope=args["scope"],
            amount=args["amount"],
            category="Cost",
            time_grain="Monthly",
            time_period=consumption.BudgetTimePeriodArgs(
                start_date=f"{args['start_date']}T00:00:00Z",
                end_date=f"{args['end_date']}T00:00:00Z" if "end_date" in args else None,
            ),
            filter=consumption.BudgetFilterArgs(
                tags=consumption.BudgetComparisonExpressionArgs(
                    name=next(iter(tag_filter)), operator="In", values=list(next(iter(tag_filter.values())))
                )
            )
            if tag_filter
            else None,
            notifications=notifications,
            opts=child_options(self),
        )
        self.budget_id = self.budget.id
        self.register_outputs({"budgetId": self.budget_id})

"""A monthly cost budget on a resource group or subscription, with actual and forecast notifications.

The start date comes from config and never from the clock: Azure rejects changing a budget's start date, so a
date computed at deploy time would fail every later update.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import consumption

from aiscale.components.common.options import child_options
from aiscale.core.errors import InvalidArgumentError

COMPONENT = "aiscale:azure:Budget"
#: Azure allows at most five notifications per budget.
MAX_NOTIFICATIONS = 5


class BudgetArgs(TypedDict):
    """Arguments of :class:`Budget`."""

    budget_name: str
    scope: pulumi.Input[str]
    """``/subscriptions/<id>`` or a resource group id."""
    amount: float
    start_date: str
    """``YYYY-MM-01``."""
    end_date: NotRequired[str]
    actual_thresholds: Sequence[int]
    forecast_thresholds: Sequence[int]
    contact_emails: Sequence[str]
    action_group_id: NotRequired[pulumi.Input[str]]
    """Also notify this action group (the platform's alert routing)."""
    tag_filter: NotRequired[Mapping[str, Sequence[str]]]


def _validate(args: BudgetArgs) -> None:
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


class Budget(pulumi.ComponentResource):
    """``<name>-budget``."""

    budget: consumption.Budget

    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        _validate(args)
        groups = [args["action_group_id"]] if "action_group_id" in args else None
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
            for threshold in thresholds
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
        self.register_outputs({"budgetId": self.budget.id})

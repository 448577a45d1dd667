"""Budget coherence: a budget is compared with what the stack's resources cost (``aiscale.core.cost``).

A monthly budget below the stack's **floor** (every autoscaler at its minimum) is exceeded every month, so its
alerts stop meaning anything; below the **ceiling** (every autoscaler at its maximum) it fires whenever demand
peaks, which may be intended. The same estimator prices ``aiscale plan`` offline and the resources a real preview
hands to this stack policy. Each budget is compared with the estimate of its cloud's resources in the stack; a
budget in another currency than the price table, or whose amount a preview cannot know, is reported as not
evaluated with the reason (the estimate never converts currencies), never skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from aiscale.core.cost import PRICED_TYPES, CostRecord, StackEstimate, cloud_of, estimate
from aiscale.core.cost.records import UNKNOWN
from aiscale.policies._support import NotEvaluated, Rule, azure_type, known, placement, stack_policy, type_matches
from aiscale.policies.stack import AZURE_BUDGETS, GCP_BUDGET

AUTOSCALE_SETTING = azure_type("monitor", "AutoscaleSetting")
#: Months per budget period: budgets are compared per month.
AZURE_GRAINS = {"Monthly": 1, "BillingMonth": 1, "Quarterly": 3, "BillingQuarter": 3, "Annually": 12,
                "BillingAnnual": 12}  # fmt: skip
GCP_PERIODS = {None: 1, "MONTH": 1, "QUARTER": 3, "YEAR": 12}
CURRENCY_CONFIG = {
    "azureBudgetCurrency": {
        "type": "string",
        "pattern": "^[A-Z]{3}$",
        "default": "USD",
        "description": "Currency of Azure budgets: the billing account's, which a preview cannot read.",
    }
}


def plain(value: Any) -> Any:
    """A policy property as plain data, values a preview cannot know as ``"[unknown]"`` (the plan's convention)."""
    if isinstance(value, Mapping):
        return {key: plain(_item(value, key)) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [plain(_item(value, index)) for index in range(len(value))]
    return value


def _item(container: Any, key: Any) -> Any:
    try:
        return container[key]
    except UnknownValueError:
        return UNKNOWN


def _record(resource: PolicyResource) -> CostRecord:
    dependencies = {key: [d.urn for d in found] for key, found in resource.property_dependencies.items()}
    props = plain(resource.props)
    # Prices are regional: a resource placed by its provider (azure-native:location, gcp:region) is priced there.
    location = placement(resource, "location")
    if "location" not in props and location is not None:
        props["location"] = location
    return CostRecord(resource.urn, resource.resource_type, resource.name, props, dependencies)


def monthly_amount(budget: PolicyResource, config: Mapping[str, Any]) -> tuple[float, str] | None:
    """A budget's amount per month and its currency; None when a preview cannot know them."""
    if type_matches(budget.resource_type, AZURE_BUDGETS):
        amount, months = known(budget.props, "amount"), AZURE_GRAINS.get(known(budget.props, "timeGrain"))
        currency = str(config.get("azureBudgetCurrency", "USD"))
    else:
        specified = known(budget.props, "amount", "specifiedAmount")
        if not isinstance(specified, Mapping):
            return None  # last period's amount: known only to the billing account
        units, nanos = known(specified, "units"), known(specified, "nanos") or 0
        try:
            amount = float(units) + float(nanos) / 1e9
        except (TypeError, ValueError):
            return None
        months = GCP_PERIODS.get(known(budget.props, "budgetFilter", "calendarPeriod"))
        currency = known(specified, "currencyCode")
    if not isinstance(amount, int | float) or months is None or not isinstance(currency, str):
        return None
    return float(amount) / months, currency


#: How each cloud's budget currency is set, quoted when a budget cannot be compared.
CURRENCY_SETTING = {
    "azure": "Azure budgets are in the billing account's currency: set azureBudgetCurrency in the stack's policy "
    "config to it",
    "gcp": "Google Cloud budgets state their currency: set aiscale:gcp.budget.currency (it must be the billing "
    "account's)",
}


def not_compared(budget: PolicyResource, found: tuple[float, str] | None, currency: str | None) -> str | None:
    """Why a budget cannot be compared with the estimate, or None when it can."""
    cloud = cloud_of(budget.resource_type)
    if found is None:
        return (
            f"budget {budget.name}: its monthly amount is not known before deployment (last period's spend, or an "
            "unknown value), so it is not compared with the estimate"
        )
    if currency is None:
        return f"budget {budget.name}: the price table has no rows, so there is no estimate to compare with"
    if found[1] != currency:
        return (
            f"budget {budget.name} is in {found[1]} and the price table in {currency}: not compared (estimates never "
            f"convert currencies); {CURRENCY_SETTING.get(cloud, '')}"
        ).rstrip("; ")
    return None


def _coherence(bound: str, consequence: str) -> Callable[..., Iterator[tuple[str, PolicyResource] | NotEvaluated]]:
    def check(
        args: StackValidationArgs, config: Mapping[str, Any]
    ) -> Iterator[tuple[str, PolicyResource] | NotEvaluated]:
        resources = list(args.resources)
        budgets = [r for r in resources if type_matches(r.resource_type, (*AZURE_BUDGETS, GCP_BUDGET))]
        if not budgets:
            return
        budget_urns = {b.urn for b in budgets}
        costs: StackEstimate = estimate(
            [_record(r) for r in resources if r.urn not in budget_urns], config.get("environment")
        )
        for budget in budgets:
            found = monthly_amount(budget, config)
            reason = not_compared(budget, found, costs.currency)
            if reason is not None or found is None:
                yield NotEvaluated(reason or "", budget)
                continue
            amount, currency = found
            cloud = cloud_of(budget.resource_type)
            value = costs.floor(cloud) if bound == "floor" else costs.ceiling(cloud)
            if amount < value:
                yield (
                    f"budget {budget.name} is {amount:,.2f} {currency} a month, below the estimated {bound} of "
                    f"{value:,.2f} {currency} of the stack's {cloud} resources: {consequence}",
                    budget,
                )

    return check


ABSENT = (
    "Resources without a price row are not counted (the estimate lists them as unpriced), so the estimate is a lower "
    "bound; a budget in another currency than the price table, or of last period's amount, is not compared and is "
    "reported as not evaluated with the reason."
)
TYPES = (*PRICED_TYPES, AUTOSCALE_SETTING, *AZURE_BUDGETS, GCP_BUDGET)

POLICIES = [
    stack_policy(
        Rule(
            "ml-cost-01",
            "Budget above the idle cost",
            "A monthly budget is not below the estimated floor of the stack's resources on its cloud (every "
            "autoscaler at its minimum): such a budget is exceeded every month and its alerts stop meaning anything.",
            Severity.HIGH,
            ("custom:finops",),
            ABSENT,
            "Raise the budget above the floor shown by `aiscale plan`, or lower the minimum node and instance counts.",
            "Cost",
            CURRENCY_CONFIG,
        ),
        TYPES,
        _coherence("floor", "the budget would be exceeded every month"),
    ),
    stack_policy(
        Rule(
            "ml-cost-02",
            "Budget above the cost at full demand",
            "A monthly budget is not below the estimated ceiling of the stack's resources on its cloud (every "
            "autoscaler at its maximum): below it, the budget fires whenever demand peaks.",
            Severity.LOW,
            ("custom:finops",),
            ABSENT,
            "Raise the budget to the ceiling shown by `aiscale plan`, lower max_nodes / max_instances, or accept "
            "that the budget alerts at peaks.",
            "Cost",
            CURRENCY_CONFIG,
        ),
        TYPES,
        _coherence("ceiling", "the budget fires when the stack scales to its maximum"),
    ),
]

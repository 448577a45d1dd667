"""The cost estimate in reports: a short summary for the terminal, a table with deltas for a pull request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiscale.core.cost import StackEstimate, Unpriced


def needs_price(estimate: StackEstimate) -> list[Unpriced]:
    """Unpriced resources the estimator knows how to price but has no price row for (the interesting ones)."""
    return estimate.needs_price()


def without_rule(estimate: StackEstimate) -> list[Unpriced]:
    return estimate.without_rule()


def amount(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


def totals(estimate: StackEstimate) -> str:
    return (
        f"floor {amount(estimate.floor())} · ceiling {amount(estimate.ceiling())} · "
        f"expected {amount(estimate.expected())} {estimate.currency or ''}".rstrip()
    )


def table_lines(estimate: StackEstimate) -> list[str]:
    """The terminal summary: what the figure covers, totals, each priced resource, what could not be priced, cost
    per 1,000 predictions, warnings and the assumptions."""
    lines = [f"Cost per month (estimate): {estimate.headline()}", f"  {totals(estimate)}"]
    width = max((len(c.name) for c in estimate.priced), default=0) + 2
    for cost in estimate.priced:
        span = amount(cost.floor) if cost.floor == cost.ceiling else f"{amount(cost.floor)}-{amount(cost.ceiling)}"
        lines.append(f"  {span:>17}  {cost.name:<{width}}{cost.basis}")
    missing = needs_price(estimate)
    if missing:
        lines.append(f"  Unpriced, not counted ({len(missing)}; reasons in --format json):")
        lines += [f"    {u.name}: {u.reason}" for u in missing]
    others = without_rule(estimate)
    if others:
        types = len({u.type for u in others})
        lines.append(f"  Unpriced, not counted: {len(others)} more resources of {types} types with no price rule")
    lines += [f"  {line}" for line in prediction_lines(estimate)]
    lines += [f"  warning: {w}" for w in estimate.warnings]
    lines += [f"  assumption: {a}" for a in estimate.assumptions]
    return lines


def prediction_lines(estimate: StackEstimate) -> list[str]:
    """Cost per 1,000 predictions of each deployment that states an expected request rate."""
    currency = estimate.currency or ""
    lines = []
    for item in estimate.predictions:
        rate = f"{item.requests_per_second:g} requests/s expected"
        if item.floor is None or item.ceiling is None:
            lines.append(f"Cost per 1,000 predictions, {item.name} ({rate}): unpriced ({item.reason})")
        else:
            lines.append(
                f"Cost per 1,000 predictions, {item.name} ({rate}): {item.floor:,.4f} to {item.ceiling:,.4f} "
                f"{currency} (floor to ceiling capacity)"
            )
    return lines


def delta(current: float | None, baseline: float | None) -> str:
    if current is None or baseline is None:
        return "n/a"
    change = current - baseline
    return "±0.00" if abs(change) < 0.005 else f"{change:+,.2f}"


def markdown_lines(estimate: StackEstimate, baseline: Mapping[str, Any] | None) -> list[str]:
    """The cost table of a pull-request comment, with the change against the baseline plan's ``cost``."""
    currency = estimate.currency or ""
    before = (baseline or {}).get("monthly") or {}
    lines = [f"#### Cost per month ({currency}, estimate)", ""]
    if baseline is not None:
        lines += ["| | Floor | Ceiling | Expected |", "|---|---:|---:|---:|"]
        lines.append(
            f"| This change | {amount(estimate.floor())} | {amount(estimate.ceiling())} | "
            f"{amount(estimate.expected())} |"
        )
        lines.append(
            f"| Base | {amount(before.get('floor'))} | {amount(before.get('ceiling'))} | "
            f"{amount(before.get('expected'))} |"
        )
        lines.append(
            f"| Delta | {delta(estimate.floor(), before.get('floor'))} | "
            f"{delta(estimate.ceiling(), before.get('ceiling'))} | "
            f"{delta(estimate.expected(), before.get('expected'))} |"
        )
    else:
        lines += ["| Floor | Ceiling | Expected |", "|---:|---:|---:|"]
        lines.append(f"| {amount(estimate.floor())} | {amount(estimate.ceiling())} | {amount(estimate.expected())} |")
    lines += ["", "| Resource | Floor | Ceiling | Basis |", "|---|---:|---:|---|"]
    lines += [f"| `{c.name}` | {amount(c.floor)} | {amount(c.ceiling)} | {_cell(c.basis)} |" for c in estimate.priced]
    missing = needs_price(estimate)
    others = without_rule(estimate)
    if missing:
        lines += ["", f"**Unpriced, not counted ({len(missing)})**: no price row for what they need", ""]
        lines += [f"- `{u.name}`: {_cell(u.reason)}" for u in missing]
        gaps = sorted({u.gap for u in missing if u.gap})
        lines += ["", *(f"<sub>Why: {_cell(gap)}.</sub>" for gap in gaps)]
    if others:
        lines += ["", f"{len(others)} more resources of {len({u.type for u in others})} types have no price rule."]
    lines += ["", "<sub>" + " ".join(_cell(a) for a in estimate.assumptions) + "</sub>", ""]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

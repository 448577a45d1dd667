"""The cost estimate in reports: a short summary for the terminal, a table with deltas for a pull request."""

from __future__ import annotations

from aiscale.core.cost import StackEstimate, Unpriced
from aiscale.core.diff import CostDiff, short_reason


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


def delta(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "±0.00" if abs(value) < 0.005 else f"{value:+,.2f}"


def markdown_lines(estimate: StackEstimate, changes: CostDiff | None) -> list[str]:
    """The cost part of a pull-request comment: what the figure covers, totals (with the change against the
    baseline), the delta per changed resource and what became unpriced, cost per 1,000 predictions, warnings, and
    the priced and unpriced resources folded."""
    currency = estimate.currency or ""
    lines = [f"#### Cost per month ({currency}, estimate)", "", f"**{estimate.headline()}**", ""]
    lines += ["| | Floor | Ceiling | Expected |", "|---|---:|---:|---:|"]
    lines.append(
        f"| {'This change' if changes else 'This plan'} | {amount(estimate.floor())} | "
        f"{amount(estimate.ceiling())} | {amount(estimate.expected())} |"
    )
    if changes is not None:
        before = changes.before
        lines.append(
            f"| Base | {amount(before.get('floor'))} | {amount(before.get('ceiling'))} | "
            f"{amount(before.get('expected'))} |"
        )
        lines.append(
            f"| Delta | {delta(changes.total('floor'))} | {delta(changes.total('ceiling'))} | "
            f"{delta(changes.total('expected'))} |"
        )
        lines += ["", *cost_delta_lines(changes)]
    lines += _prediction_table(estimate)
    if estimate.warnings:
        lines += ["", "> [!WARNING]", *(f"> {_cell(w)}" for w in estimate.warnings)]
    lines += ["", *_folded_details(estimate), ""]
    return lines


def cost_delta_lines(changes: CostDiff) -> list[str]:
    """The change per resource, and the resources that became unpriced (named, not counted as zero)."""
    lines: list[str] = []
    if changes.resources:
        lines += ["| Changed resource | Floor | Ceiling | Δ floor | Δ ceiling |", "|---|---:|---:|---:|---:|"]
        for entry in changes.resources:
            after = entry.after or (0.0, 0.0)
            gone = " (removed)" if entry.after is None else ""
            lines.append(
                f"| `{entry.name}`{gone} | {amount(after[0])} | {amount(after[1])} | {delta(entry.floor)} | "
                f"{delta(entry.ceiling)} |"
            )
        lines.append("")
    if changes.newly_unpriced:
        lines += [f"**+{len(changes.newly_unpriced)} unpriced** in this change, not counted:", ""]
        lines += [f"- `{u['name']}`: {_cell(short_reason(u))}" for u in changes.newly_unpriced]
        lines.append("")
    if changes.no_longer_unpriced:
        names = ", ".join(f"`{u['name']}`" for u in changes.no_longer_unpriced)
        lines += [f"No longer unpriced: {names}.", ""]
    if not lines:
        lines = ["No resource's cost changes.", ""]
    return lines


def _prediction_table(estimate: StackEstimate) -> list[str]:
    if not estimate.predictions:
        return []
    currency = estimate.currency or ""
    lines = [
        "",
        f"Cost per 1,000 predictions ({currency}, at the request rate the config expects):",
        "",
        "| Deployment | Requests/s | Floor | Ceiling |",
        "|---|---:|---:|---:|",
    ]
    for item in estimate.predictions:
        if item.floor is None or item.ceiling is None:
            lines.append(f"| `{item.name}` | {item.requests_per_second:g} | unpriced: {_cell(item.reason)} | |")
        else:
            lines.append(f"| `{item.name}` | {item.requests_per_second:g} | {item.floor:,.4f} | {item.ceiling:,.4f} |")
    return lines


def _folded_details(estimate: StackEstimate) -> list[str]:
    missing = needs_price(estimate)
    lines = [
        f"<details><summary>Priced ({len(estimate.priced)}) and unpriced ({len(missing)}) parts, assumptions</summary>",
        "",
        "| Resource | Floor | Ceiling | Basis |",
        "|---|---:|---:|---|",
    ]
    lines += [f"| `{c.name}` | {amount(c.floor)} | {amount(c.ceiling)} | {_cell(c.basis)} |" for c in estimate.priced]
    if missing:
        lines += ["", f"**Unpriced, not counted ({len(missing)})**: no usable price row for what they need", ""]
        lines += [f"- `{u.name}`: {_cell(u.reason)}" for u in missing]
        gaps = sorted({u.gap for u in missing if u.gap})
        lines += ["", *(f"<sub>Why: {_cell(gap)}.</sub>" for gap in gaps)]
    others = without_rule(estimate)
    if others:
        lines += ["", f"{len(others)} more resources of {len({u.type for u in others})} types have no price rule."]
    lines += ["", "<sub>" + " ".join(_cell(a) for a in estimate.assumptions) + "</sub>", "", "</details>"]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

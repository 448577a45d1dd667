"""Markdown rendering of a plan: one pull-request comment per stack, updated in place.

The first line is a hidden marker (``<!-- aiscale-plan:<stack> -->``) that CI finds to update the comment instead
of adding another. With a baseline (the base branch's plan JSON) the comment is about the change: a one-screen
summary (counts, stateful changes first, new mandatory findings, cost delta), the changed resources with their
values, findings new / resolved / unchanged (folded), the cost with its delta per resource. A change that changes
nothing gets a short form. Without a baseline it describes the stack as it is. A plan that fails gets a comment
that says why. Secrets never appear: inputs are redacted before they reach a report. GitHub refuses comments over
65,536 characters: folded sections are condensed until the comment fits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiscale.core.diff import PlanDiff, ResourceChange, diff_plans
from aiscale.core.plan import Plan
from aiscale.core.render.changes import ACTION_WORDS, SYMBOLS, field_lines
from aiscale.core.render.ci import CiRun, ci_run
from aiscale.core.render.cost import markdown_lines

COMMENT_LIMIT = 65_536
"""GitHub's limit on a comment body, in characters."""
CHANGE_LINES = 12
"""Value lines shown under one changed resource before the rest is summarised."""
STATEFUL_LINES = 10
"""Stateful changes listed in the summary's warning."""


def marker(stack: str) -> str:
    return f"<!-- aiscale-plan:{stack} -->"


def render_markdown(
    plan: Plan, baseline: Mapping[str, Any] | None = None, limit: int = COMMENT_LIMIT, ci: CiRun | None = None
) -> str:
    run = plan.run
    document = plan.to_json()
    ci = ci if ci is not None else ci_run()
    if baseline is None:
        return _fit(_stack_comment(plan, ci), limit)
    changes = diff_plans(baseline, document)
    if changes.empty:
        return "\n".join(_short_comment(plan, changes, ci)) + "\n"
    title = f"### aiscale plan · `{run.stack}` ({run.environment or 'unknown environment'}): {_counts(changes)}"
    head = [marker(run.stack), title, *_ci(ci), ""]
    head += _notices(plan)
    head += _summary(plan, changes)
    head += _stateful(changes.resources.stateful_at_risk)
    head += _new_mandatory(changes)
    head += _changes(changes)
    head += _findings(plan, changes)
    head += _not_evaluated(plan)
    head += markdown_lines(plan.cost, changes.cost)
    return _fit(head, limit)


def render_failure(stack: str, error: str, exit_code: int, ci: CiRun | None = None) -> str:
    """The comment of a plan that failed: the error, so the pull request shows why there is no plan."""
    ci = ci if ci is not None else ci_run()
    lines = [marker(stack), f"### aiscale plan · `{stack}`: the plan failed", *_ci(ci), ""]
    lines += [
        "> [!CAUTION]",
        f"> `aiscale plan {stack}` failed (exit {exit_code}): nothing was planned, so there are no changes, findings "
        "or cost to show.",
        "",
        "```text",
        *(f"error: {error}").splitlines(),
        "```",
        "",
    ]
    return "\n".join(lines)


# --- Parts ----------------------------------------------------------------------------------------------------------


def _notices(plan: Plan) -> list[str]:
    """The unknown-environment warning, then what the offline run could not do (charts the provider renders)."""
    lines = ["> [!WARNING]", f"> {plan.environment_warning}", ""] if plan.environment_warning else []
    for note in plan.run.notes:
        lines += ["> [!NOTE]", f"> {note}", ""]
    return lines


def _ci(ci: CiRun | None) -> list[str]:
    return [f"<sub>{ci.markdown()}</sub>"] if ci is not None else []


def _counts(changes: PlanDiff) -> str:
    return changes.resources.headline().removeprefix("Resources: ")


def _summary(plan: Plan, changes: PlanDiff) -> list[str]:
    counts = changes.resources.counts()
    replaced = f" · **±{counts['replace']}** to replace" if counts["replace"] else ""
    lines = [
        f"- **Resources**: **+{counts['create']}** to create · **~{counts['update']}** to update{replaced} · "
        f"**-{counts['delete']}** to delete ({counts['unchanged']} unchanged)",
    ]
    risky = changes.resources.stateful_at_risk
    lines.append(
        f"- **Stateful**: **{len(risky)}** changed or removed (below)" if risky else "- **Stateful**: none changed"
    )
    if changes.findings is None:
        lines.append(f"- **Findings**: {_policy_counts(plan)}; {changes.findings_note}")
    else:
        found = changes.findings.counts()
        lines.append(
            f"- **Findings**: **{found['newMandatory']}** new mandatory · {found['new'] - found['newMandatory']} new "
            f"advisory · {found['resolved']} resolved · {found['unchanged']} unchanged"
            + (f" · {len(plan.not_evaluated)} not evaluated" if plan.not_evaluated else "")
        )
    lines.append(f"- **Cost**: {_cost_summary(changes)}")
    lines.append(f"- **Estimate**: {plan.cost.headline()}")
    return [*lines, ""]


def _cost_summary(changes: PlanDiff) -> str:
    cost = changes.cost
    currency = cost.currency or ""

    def signed(value: float | None) -> str:
        return "n/a" if value is None else ("±0.00" if abs(value) < 0.005 else f"{value:+,.2f}")

    text = f"floor {signed(cost.total('floor'))} · ceiling {signed(cost.total('ceiling'))} {currency}/month".replace(
        "  ", " "
    )
    if cost.newly_unpriced:
        names = ", ".join(f"`{u['name']}`" for u in cost.newly_unpriced[:3])
        more = f" and {len(cost.newly_unpriced) - 3} more" if len(cost.newly_unpriced) > 3 else ""
        text += f"; **+{len(cost.newly_unpriced)} unpriced**: {names}{more} (not counted, below)"
    return text


def _policy_counts(plan: Plan) -> str:
    if plan.policy_pack is None:
        return "policies not evaluated"
    counts = plan.summary()["violations"]
    disabled = f" · {counts['disabled']} disabled" if counts.get("disabled") else ""
    return f"**{counts['mandatory']}** mandatory · {counts['advisory']} advisory · {counts['waived']} waived{disabled}"


def _stateful(risky: Sequence[ResourceChange]) -> list[str]:
    if not risky:
        return []
    lines = ["> [!WARNING]", f"> **{len(risky)} stateful resource(s) changed or removed**: data or keys may be lost."]
    # Deletions and replacements first: they lose data; the list stays one screen long.
    ordered = sorted(risky, key=lambda c: c.action not in ("delete", "replace", "rename"))
    for change in ordered[:STATEFUL_LINES]:
        lines.append(f"> - {ACTION_WORDS[change.action](change)}: `{change.type}` `{change.name}`")
    if len(ordered) > STATEFUL_LINES:
        lines.append(f"> - … {len(ordered) - STATEFUL_LINES} more (below)")
    return [*lines, ""]


def _new_mandatory(changes: PlanDiff) -> list[str]:
    found = changes.findings.new_mandatory() if changes.findings else []
    if not found:
        return []
    return [
        f"#### New mandatory findings ({len(found)})",
        "",
        *_finding_table(found),
        "",
    ]


def _changes(changes: PlanDiff) -> list[str]:
    if not changes.resources.changes:
        return ["#### Changes", "", "No resource changes.", ""]
    lines = ["#### Changes", "", "```diff"]
    for change in changes.resources.changes:
        lines.append(f"{SYMBOLS[change.action]} {change.type} {change.name}{_note(change)}")
        values = field_lines(change)
        shown = values[:CHANGE_LINES]
        lines += [f"    {line}" for line in shown]
        if len(values) > len(shown):
            lines.append(f"    … {len(values) - len(shown)} more changed inputs (--format json has them)")
    return [*lines, "```", ""]


def _note(change: ResourceChange) -> str:
    if change.action == "update":
        return "  (update; replacement not known offline)"
    if change.action == "replace":
        return "  (replace: a changed input forces a new resource)"
    if change.action == "rename":
        return f"  (renamed from {change.previous_name}: replaced unless an alias names the old URN)"
    return ""


def _findings(plan: Plan, changes: PlanDiff) -> list[str]:
    if changes.findings is None:
        return [f"#### Findings ({changes.findings_note})", "", *_policy_results(plan)]
    found = changes.findings
    lines = [
        f"#### Findings: {len(found.new)} new · {len(found.resolved)} resolved · {len(found.unchanged)} unchanged",
        "",
    ]
    advisory_new = [f for f in found.new if f.get("enforcement") != "mandatory"]
    if advisory_new:
        lines += [f"New advisory ({len(advisory_new)}):", "", *_finding_table(advisory_new), ""]
    if found.resolved:
        lines += [f"Resolved ({len(found.resolved)}):", "", *_finding_table(found.resolved), ""]
    if found.escalated:
        lines += [f"Now mandatory, advisory before ({len(found.escalated)}):", "", *_finding_table(found.escalated), ""]
    if found.unchanged:
        lines += _folded(f"Unchanged findings ({len(found.unchanged)})", _finding_table(found.unchanged))
    if plan.waived:
        lines += _folded(f"Waived ({len(plan.waived)})", _waived_table(plan))
    return lines


def _not_evaluated(plan: Plan) -> list[str]:
    """What the policies did not judge, with the reason, and what the stack's policy config changed: folded,
    never hidden."""
    lines: list[str] = []
    skipped = (
        ("Not applicable", "Why", [n for n in plan.not_evaluated if n.kind == "not-applicable"]),
        ("Not evaluated before deployment", "Value it needs", [n for n in plan.not_evaluated if n.kind == "unknown"]),
    )
    for title, column, entries in skipped:
        if entries:
            rows = [f"| Policy | Resource | {column} |", "|---|---|---|"]
            rows += [f"| `{n.policy}` | {_target(n.urn)} | {_cell(n.message)} |" for n in entries]
            lines += _folded(f"{title} ({len(entries)})", rows)
    if plan.disabled:
        rows = ["| Policy | Resource | Message |", "|---|---|---|"]
        rows += [f"| `{d.policy}` | {_target(d.urn)} | {_cell(d.message)} |" for d in plan.disabled]
        lines += _folded(f"Disabled by the stack's policy config ({len(plan.disabled)})", rows)
    if plan.lowered:
        items = [f"- `{item.policy}` is {item.level} here ({_cell(item.waiver)})" for item in plan.lowered]
        lines += _folded(f"Lowered under a central enforcement waiver ({len(plan.lowered)})", items)
    return lines


def _finding_table(findings: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = ["| Level | Policy | Resource | Message |", "|---|---|---|---|"]
    rows += [
        f"| {f.get('enforcement', '')} | `{f['policy']}` | {_target(f.get('urn'))} | {_cell(str(f.get('message', '')))} |"
        for f in findings
    ]
    return rows


def _waived_table(plan: Plan) -> list[str]:
    rows = ["| Policy | Resource | Waiver |", "|---|---|---|"]
    rows += [f"| `{w.policy}` | {_target(w.urn)} | {_cell(w.reason)} |" for w in plan.waived]
    return rows


def _folded(summary: str, body: list[str]) -> list[str]:
    return [f"<details><summary>{summary}</summary>", "", *body, "", "</details>", ""]


# --- Short form and stack form ----------------------------------------------------------------------------------------


def _short_comment(plan: Plan, changes: PlanDiff, ci: CiRun | None) -> list[str]:
    run = plan.run
    unchanged = changes.resources.unchanged
    lines = [
        marker(run.stack),
        f"### aiscale plan · `{run.stack}` ({run.environment or 'unknown environment'}): no changes",
        *_ci(ci),
        "",
        *_notices(plan),
        f"No changes to `{run.stack}` against the base branch's plan: {unchanged} resources unchanged, no new or "
        "resolved findings, no cost change.",
        "",
        f"- **Findings**: {_policy_counts(plan)}"
        + (f" · {len(plan.not_evaluated)} not evaluated" if plan.not_evaluated else ""),
        f"- **Estimate**: {plan.cost.headline()}",
    ]
    if changes.findings is None:
        lines.append(f"- {changes.findings_note}")
    mandatory = plan.mandatory_violations
    if mandatory:
        lines += ["", f"Mandatory findings (existing, {len(mandatory)}; they still fail the check):", ""]
        lines += _finding_table([v.to_json() for v in mandatory][:5])
        if len(mandatory) > 5:
            lines.append(f"\n… {len(mandatory) - 5} more: `aiscale plan {run.stack}` lists them.")
    return lines


def _stack_comment(plan: Plan, ci: CiRun | None) -> list[str]:
    """Without a baseline: the stack as it is."""
    run = plan.run
    summary = plan.summary()
    lines = [
        marker(run.stack),
        f"### aiscale plan · `{run.stack}` ({run.environment or 'unknown environment'})",
        *_ci(ci),
        "",
        *_notices(plan),
        f"**{summary['resources']}** resources in **{summary['components']}** components · "
        f"**{summary['protected']}** protected · findings: {_policy_counts(plan)}"
        + (f" · {len(plan.not_evaluated)} not evaluated" if plan.not_evaluated else ""),
        "",
        f"**Estimate**: {plan.cost.headline()}",
        "",
        "<sub>No baseline: this is the whole stack, not a change (CI compares with the base branch's plan).</sub>",
        "",
    ]
    mandatory = [v.to_json() for v in plan.mandatory_violations]
    if mandatory:
        lines += [f"#### Mandatory findings ({len(mandatory)})", "", *_finding_table(mandatory), ""]
    lines += markdown_lines(plan.cost, None)
    lines += _policy_results(plan, mandatory=False)
    lines += _not_evaluated(plan)
    by_type = summary["byType"]
    lines += _folded(
        f"Resources by type ({len(by_type)} types)",
        ["| Count | Type |", "|---:|---|", *(f"| {count} | `{type_}` |" for type_, count in by_type.items())],
    )
    return lines


def _policy_results(plan: Plan, mandatory: bool = True) -> list[str]:
    """Current findings: mandatory (blocking) first and open, advisory and waived folded."""
    advisory = [v.to_json() for v in plan.violations if v.enforcement == "advisory"]
    lines: list[str] = []
    if mandatory and plan.mandatory_violations:
        mandatory_rows = [v.to_json() for v in plan.mandatory_violations]
        lines += [f"#### Mandatory findings ({len(mandatory_rows)})", "", *_finding_table(mandatory_rows), ""]
    if advisory:
        lines += _folded(f"Advisory findings ({len(advisory)})", _finding_table(advisory))
    if plan.waived:
        lines += _folded(f"Waived ({len(plan.waived)})", _waived_table(plan))
    return lines


# --- Size --------------------------------------------------------------------------------------------------------------


def _fit(lines: list[str], limit: int) -> str:
    """Join the comment; over GitHub's limit, fold the longest tables into a pointer to the JSON (longest first),
    then the values under changed resources, then changed resources from the end; the summary always stays."""
    note = "left out to fit the comment size limit: `aiscale plan --format json` has everything"

    def size() -> int:
        return sum(len(line) + 1 for line in lines)

    while size() > limit:
        tables = _table_spans(lines)
        if not tables:
            break
        start, end = max(tables, key=lambda span: sum(len(line) for line in lines[span[0] : span[1]]))
        rows = end - start - (2 if lines[start].startswith("|") else 0)
        lines = [*lines[:start], f"<sub>{rows} rows {note}.</sub>", *lines[end:]]
    if size() > limit and "```diff" in lines:
        start = lines.index("```diff") + 1
        end = lines.index("```", start)
        values = sum(1 for line in lines[start:end] if line.startswith("    "))
        heads = [line for line in lines[start:end] if not line.startswith("    ")]

        def condensed(shown: int) -> list[str]:
            more = f" and {len(heads) - shown} more changed resources" if shown < len(heads) else ""
            return [*lines[:start], *heads[:shown], f"… {values} value lines{more} {note}", *lines[end:]]

        shown = len(heads)
        while sum(len(line) + 1 for line in condensed(shown)) > limit and shown > 0:
            shown = shown * 3 // 4
        lines = condensed(shown)
    if size() > limit:
        # Still too long: keep the summary (up to its first blank line after the heading), leave the rest out.
        end = lines.index("", lines.index("") + 1) if lines.count("") > 1 else len(lines)
        lines = [*lines[:end], "", f"<sub>The rest is {note}.</sub>"]
    text = "\n".join(lines)
    return text + ("\n" if not text.endswith("\n") else "")


def _table_spans(lines: list[str]) -> list[tuple[int, int]]:
    """Where the tables and the lists of resources are (``(start, end)`` line indexes, more than three rows)."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    kind = ""
    for index, line in enumerate([*lines, ""]):
        row = "|" if line.startswith("|") else "- `" if line.startswith("- `") else ""
        if start is not None and row != kind:
            if index - start > 3:
                spans.append((start, index))
            start = None
        if row and start is None:
            start, kind = index, row
    return spans


def _target(urn: str | None) -> str:
    return f"`{urn.split('::')[-1]}`" if urn else "stack"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


__all__ = ["COMMENT_LIMIT", "marker", "render_failure", "render_markdown"]

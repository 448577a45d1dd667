"""Markdown rendering of a plan: one pull-request comment per stack, updated in place.

The first line is a hidden marker (``<!-- aiscale-plan:<stack> -->``) that CI finds to update the comment instead
of adding another. Order follows what a reviewer must see first: stateful resources changed or removed, the counts
against the base branch's plan, policy results (mandatory, advisory, waived), the cost with its delta, then the
full diff, the resource tree and a Mermaid graph in collapsed blocks. Inputs are never printed (secrets cannot
appear); a diff names changed fields only. GitHub refuses comments over 65,536 characters: the graph, then the
tree, then diff lines are condensed until the comment fits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiscale.core.baseline import Diff, diff
from aiscale.core.plan import Plan
from aiscale.core.render.cost import markdown_lines
from aiscale.core.render.graph import mermaid
from aiscale.core.render.tree import walk

COMMENT_LIMIT = 65_536
"""GitHub's limit on a comment body, in characters."""


def marker(stack: str) -> str:
    return f"<!-- aiscale-plan:{stack} -->"


def render_markdown(plan: Plan, baseline: Mapping[str, Any] | None = None, limit: int = COMMENT_LIMIT) -> str:
    run = plan.run
    changes = diff(plan.to_json()["resources"], baseline) if baseline is not None else None
    head = [marker(run.stack), f"### aiscale plan · `{run.stack}` ({run.environment or 'unknown environment'})", ""]
    if plan.environment_warning:
        head += ["> [!WARNING]", f"> {plan.environment_warning}", ""]
    for note in run.notes:  # what the offline run could not do (charts the provider renders, no stack file)
        head += ["> [!NOTE]", f"> {note}", ""]
    if changes is not None:
        head += _stateful(changes)
        head += [_counts(changes, baseline, plan), ""]
    head += [_summary(plan), ""]
    head += _policy_results(plan)
    head += markdown_lines(plan.cost, baseline.get("cost") if baseline is not None else None)
    folded = {
        "diff": _diff_block(changes) if changes is not None else [],
        "tree": _tree_block(plan),
        "graph": _graph_block(plan),
    }
    return _fit(head, folded, limit)


def _stateful(changes: Diff) -> list[str]:
    risky = changes.stateful_at_risk
    if not risky:
        return []
    lines = ["> [!WARNING]", f"> **{len(risky)} stateful resource(s) changed or removed**: data or keys may be lost."]
    for change in risky:
        what = "removed" if change.kind == "removed" else f"changed ({', '.join(change.fields)}; may be replaced)"
        lines.append(f"> - {what}: `{change.type}` `{change.name}`")
    return [*lines, ""]


def _counts(changes: Diff, baseline: Mapping[str, Any] | None, plan: Plan) -> str:
    before = sum(1 for r in (baseline or {}).get("resources", []) if r.get("custom", True))
    after = plan.summary()["resources"]
    return (
        f"**{len(changes.added)}** to add · **{len(changes.changed)}** to change · **{len(changes.removed)}** to "
        f"remove against the base branch's plan ({before} → {after} resources)"
    )


def _summary(plan: Plan) -> str:
    summary = plan.summary()
    policies = (
        "policies not evaluated"
        if plan.policy_pack is None
        else f"policy violations: **{summary['violations']['mandatory']}** mandatory, "
        f"**{summary['violations']['advisory']}** advisory, **{summary['violations']['waived']}** waived"
        + (f", **{len(plan.disabled)}** disabled" if plan.disabled else "")
    )
    return (
        f"**{summary['resources']}** resources in **{summary['components']}** components · "
        f"**{summary['protected']}** protected · {policies}"
    )


def _policy_results(plan: Plan) -> list[str]:
    """Policy results grouped: mandatory (blocking) first, then advisory, then waived, then what was not judged
    (not applicable, or not knowable before deployment), each with its reason: visible, not hidden."""
    lines: list[str] = []
    groups = (
        ("Mandatory", [v for v in plan.violations if v.enforcement == "mandatory"]),
        ("Advisory", [v for v in plan.violations if v.enforcement == "advisory"]),
    )
    for title, violations in groups:
        if not violations:
            continue
        lines += [f"#### {title} ({len(violations)})", "", "| Policy | Resource | Message |", "|---|---|---|"]
        lines += [f"| `{v.policy}` | {_target(v.urn)} | {_cell(v.message)} |" for v in violations]
        lines.append("")
    if plan.waived:
        lines += [f"#### Waived ({len(plan.waived)})", "", "| Policy | Resource | Waiver |", "|---|---|---|"]
        lines += [f"| `{w.policy}` | {_target(w.urn)} | {_cell(w.reason)} |" for w in plan.waived]
        lines.append("")
    if plan.disabled:
        lines += [
            f"#### Disabled by the stack's policy config ({len(plan.disabled)})",
            "",
            "| Policy | Resource | Message |",
            "|---|---|---|",
        ]
        lines += [f"| `{d.policy}` | {_target(d.urn)} | {_cell(d.message)} |" for d in plan.disabled]
        lines.append("")
    if plan.lowered:
        lines += ["#### Lowered under a central enforcement waiver", ""]
        lines += [f"- `{item.policy}` is {item.level} here ({_cell(item.waiver)})" for item in plan.lowered]
        lines.append("")
    skipped = (
        ("Not applicable", "Why", [n for n in plan.not_evaluated if n.kind == "not-applicable"]),
        ("Not evaluated before deployment", "Value it needs", [n for n in plan.not_evaluated if n.kind == "unknown"]),
    )
    for title, column, entries in skipped:
        if entries:
            lines += [f"#### {title} ({len(entries)})", "", f"| Policy | Resource | {column} |", "|---|---|---|"]
            lines += [f"| `{n.policy}` | {_target(n.urn)} | {_cell(n.message)} |" for n in entries]
            lines.append("")
    return lines


def _diff_block(changes: Diff) -> list[str]:
    if not (changes.added or changes.changed or changes.removed):
        return ["<details><summary>Resource changes: none</summary>", "", "No resource changes.", "", "</details>", ""]
    body = [f"+ {c.type} {c.name}" for c in changes.added]
    body += [f"~ {c.type} {c.name} ({', '.join(c.fields)})" for c in changes.changed]
    body += [f"- {c.type} {c.name}" for c in changes.removed]
    return [
        "<details><summary>Resource changes (full diff)</summary>",
        "",
        "```diff",
        *body,
        "```",
        "",
        "</details>",
        "",
    ]


def _tree_block(plan: Plan) -> list[str]:
    by_type = plan.summary()["byType"]
    lines = ["<details><summary>Resources</summary>", "", "| Count | Type |", "|---:|---|"]
    lines += [f"| {count} | `{type_}` |" for type_, count in by_type.items()]
    lines += ["", "```"]
    lines += [
        f"{prefix}{connector}{r.type} {r.name}{' (protected)' if r.protect else ''}"
        for r, prefix, connector in walk(plan.run.registrations)
    ]
    return [*lines, "```", "", "</details>", ""]


def _graph_block(plan: Plan) -> list[str]:
    graph = mermaid(plan.run.registrations)
    return ["<details><summary>Graph</summary>", "", "```mermaid", graph.rstrip("\n"), "```", "", "</details>", ""]


def _fit(head: list[str], folded: dict[str, list[str]], limit: int) -> str:
    """Join the comment, condensing folded sections until it fits GitHub's limit."""

    def text() -> str:
        return "\n".join(head + folded["diff"] + folded["tree"] + folded["graph"])

    note = "`aiscale plan --format json` has everything"
    if len(text()) > limit:
        folded["graph"] = ["<sub>Graph left out to fit the comment size limit: `aiscale graph` draws it.</sub>", ""]
    if len(text()) > limit:
        folded["tree"] = [f"<sub>Resource tree left out to fit the comment size limit: {note}.</sub>", ""]
    while len(text()) > limit and len(folded["diff"]) > 9:
        # Drop diff lines from the end, keeping the block's frame, and say how many were dropped.
        body = folded["diff"][3:-4]
        kept = body[: max(0, len(body) - max(1, len(body) // 4))]
        folded["diff"] = [
            *folded["diff"][:3],
            *kept,
            f"... {len(body) - len(kept)} more lines: {note}",
            *folded["diff"][-4:],
        ]
    return text()


def _target(urn: str | None) -> str:
    return f"`{urn.split('::')[-1]}`" if urn else "stack"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

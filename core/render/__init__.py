"""Renderings of a plan: terminal table, JSON contract, markdown."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiscale.core.diff import diff_plans
from aiscale.core.plan import Plan
from aiscale.core.render.markdown import render_failure, render_markdown
from aiscale.core.render.table import render_table
from aiscale.core.render.terminal import Style

FORMATS = ("table", "json", "markdown", "sarif", "junit")
BASELINE_FORMATS = ("table", "json", "markdown")
"""Formats that show the change against a baseline plan."""


def render(
    plan: Plan, output_format: str, baseline: Mapping[str, Any] | None = None, style: Style | None = None
) -> str:
    """``baseline``: a previous plan's JSON document; table, JSON (its ``diff`` key) and markdown show the change
    against it. ``style``: how the table fits the terminal it is shown on."""
    if output_format == "json":
        document = plan.to_json()
        if baseline is not None:
            document["diff"] = diff_plans(baseline, document).to_json()
        return json.dumps(document, indent=2, sort_keys=False) + "\n"
    if output_format == "markdown":
        return render_markdown(plan, baseline)
    if output_format == "sarif":
        from aiscale.core.render.sarif import render_sarif  # noqa: PLC0415 - loads the policy pack's metadata

        return render_sarif(plan)
    if output_format == "junit":
        from aiscale.core.render.junit import render_junit  # noqa: PLC0415

        return render_junit(plan)
    changes = diff_plans(baseline, plan.to_json()) if baseline is not None else None
    return render_table(plan, style, changes)


__all__ = ["BASELINE_FORMATS", "FORMATS", "Style", "render", "render_failure", "render_markdown", "render_table"]

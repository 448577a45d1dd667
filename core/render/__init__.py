"""Renderings of a plan: terminal table, JSON contract, markdown."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiscale.core.plan import Plan
from aiscale.core.render.markdown import render_markdown
from aiscale.core.render.table import render_table

FORMATS = ("table", "json", "markdown", "sarif", "junit")


def render(plan: Plan, output_format: str, baseline: Mapping[str, Any] | None = None) -> str:
    """``baseline``: a previous plan's JSON document; the markdown comment shows the changes against it."""
    if output_format == "json":
        return json.dumps(plan.to_json(), indent=2, sort_keys=False) + "\n"
    if output_format == "markdown":
        return render_markdown(plan, baseline)
    if output_format == "sarif":
        from aiscale.core.render.sarif import render_sarif  # noqa: PLC0415 - loads the policy pack's metadata

        return render_sarif(plan)
    if output_format == "junit":
        from aiscale.core.render.junit import render_junit  # noqa: PLC0415

        return render_junit(plan)
    return render_table(plan)


__all__ = ["FORMATS", "render", "render_markdown", "render_table"]

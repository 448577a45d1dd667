"""Renderings of a plan: terminal table, JSON contract, markdown."""

from __future__ import annotations

import json

from aiscale.core.plan import Plan
from aiscale.core.render.markdown import render_markdown
from aiscale.core.render.table import render_table

FORMATS = ("table", "json", "markdown")


def render(plan: Plan, output_format: str) -> str:
    if output_format == "json":
        return json.dumps(plan.to_json(), indent=2, sort_keys=False) + "\n"
    if output_format == "markdown":
        return render_markdown(plan)
    return render_table(plan)


__all__ = ["FORMATS", "render", "render_markdown", "render_table"]

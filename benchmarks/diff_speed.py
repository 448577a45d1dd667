"""Diff speed: two plans of about 4,000 resources each, compared as the pull-request comment compares them.

    python benchmarks/diff_speed.py [--blocks 667] [--repeat 5]

The synthetic azure-native program (benchmarks/synthetic_program.py) is recorded once through the offline engine
and its plan JSON is the baseline. The current plan is the baseline with a realistic pull request's worth of edits
on top: 5 % of the resources get a changed input (a scalar, a nested value, a list), 1 % are removed, 1 % added and
0.5 % renamed; a tenth of the findings are new and a tenth resolved. Prints the resources, what the diff found, and
the best wall time of the diff itself (``aiscale.core.diff.diff_plans``) and of the diff with the markdown comment
rendered from it. Goal: the diff under 1 s.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def edited(baseline: dict[str, Any], seed: int = 7) -> dict[str, Any]:
    """The baseline plan with a pull request's edits."""
    rng = random.Random(seed)
    current = copy.deepcopy(baseline)
    custom = [r for r in current["resources"] if r["custom"]]
    for resource in rng.sample(custom, len(custom) // 20):
        inputs = resource["inputs"]
        if inputs:
            key = rng.choice(sorted(inputs))
            inputs[key] = (
                {"changed": inputs[key], "by": "the pull request"} if rng.random() < 0.3 else f"{inputs[key]}-v2"
            )
    removed = {r["urn"] for r in rng.sample(custom, len(custom) // 100)}
    current["resources"] = [r for r in current["resources"] if r["urn"] not in removed]
    for index, resource in enumerate(rng.sample(custom, len(custom) // 100)):
        added = copy.deepcopy(resource)
        added["urn"] = f"{resource['urn']}-added-{index}"
        added["name"] = f"{resource['name']}-added-{index}"
        added["inputs"]["addedBy"] = "the pull request"
        current["resources"].append(added)
    for index, resource in enumerate(rng.sample([r for r in custom if r["urn"] not in removed], len(custom) // 200)):
        resource["urn"] = f"{resource['urn']}-renamed-{index}"
        resource["name"] = f"{resource['name']}-renamed-{index}"
    findings = current["violations"]
    current["violations"] = findings[len(findings) // 10 :] + [
        {**f, "urn": f"{f['urn']}-new"} for f in findings[: len(findings) // 10]
    ]
    return current


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--blocks", type=int, default=667, help="blocks of six resources (default 667: 4,002)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    import synthetic_program  # noqa: PLC0415

    from aiscale.core.diff import diff_plans  # noqa: PLC0415
    from aiscale.core.engine import record_program  # noqa: PLC0415
    from aiscale.core.plan import Plan  # noqa: PLC0415
    from aiscale.core.render.markdown import render_markdown  # noqa: PLC0415
    from aiscale.policies.evaluation import evaluate  # noqa: PLC0415

    synthetic_program.load_classes()
    started = time.perf_counter()
    run = record_program(lambda: synthetic_program.build(args.blocks), project_name="bench", stack="prod", timeout=1800)
    plan = Plan(run)
    plan.record_policies("aiscale", evaluate(run))
    baseline = plan.to_json()
    current = edited(baseline)
    prepared = time.perf_counter() - started
    before = sum(1 for r in baseline["resources"] if r["custom"])
    after = sum(1 for r in current["resources"] if r["custom"])

    diff_times, comment_times = [], []
    changes = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        changes = diff_plans(baseline, current)
        diff_times.append(time.perf_counter() - started)
    assert changes is not None
    comment = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        # The recorded plan against the edited one (the same changes, the other way round): a Plan is what renders.
        comment = render_markdown(plan, current)
        comment_times.append(time.perf_counter() - started)
    assert comment is not None
    counts = changes.resources.counts()
    found = changes.findings.counts() if changes.findings else {}
    print(f"plans: {before:,} resources (baseline) and {after:,} (current), prepared in {prepared:.1f} s")
    print(
        f"diff: +{counts['create']} ~{counts['update']} ±{counts['replace']} -{counts['delete']} "
        f"({counts['unchanged']:,} unchanged); findings {found}"
    )
    print(f"diff_plans: best of {args.repeat}: {min(diff_times) * 1000:.0f} ms (goal: under 1 s)")
    print(
        f"diff and markdown comment: best of {args.repeat}: {min(comment_times) * 1000:.0f} ms, {len(comment):,} characters"
    )


if __name__ == "__main__":
    main()

"""Policy evaluation speed: the whole aiscale pack over a recorded program of at least 5,000 resources.

    python benchmarks/policy_speed.py [--blocks 850] [--repeat 3]

The synthetic azure-native program (benchmarks/synthetic_program.py: subnets, NSGs, keys, GPU agent pools, role
assignments, private endpoints) is recorded once through the offline engine; then the pack is evaluated
``--repeat`` times through pulumi-policy's analyzer in process, as ``aiscale plan`` does (resource policies per
resource, stack policies once). Prints resources, findings, best wall time, resources per second, and the peak
resident memory of the process. Goal: at least 5,000 resources/s.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=850, help="blocks of six resources (default 850: 5,104)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    import synthetic_program  # noqa: PLC0415

    from aiscale.core.engine import record_program  # noqa: PLC0415
    from aiscale.core.policy_run import evaluate  # noqa: PLC0415
    from aiscale.policies import all_policies  # noqa: PLC0415

    synthetic_program.load_classes()
    all_policies()  # import the pack before the clock starts
    started = time.perf_counter()
    run = record_program(lambda: synthetic_program.build(args.blocks), project_name="bench", stack="prod", timeout=1800)
    recorded = time.perf_counter() - started
    custom = sum(1 for r in run.registrations if r.custom)

    times = []
    report = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        report = evaluate(run)
        times.append(time.perf_counter() - started)
    assert report is not None
    best = min(times)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"recorded {len(run.registrations)} registrations ({custom} resources) in {recorded:.1f} s")
    print(
        f"policy pack: {len(all_policies())} policies, {len(report.violations)} findings, "
        f"{len(report.not_evaluated)} not evaluated"
    )
    print(f"evaluation: best of {args.repeat}: {best:.2f} s = {len(run.registrations) / best:,.0f} resources/s")
    print(f"peak RSS of the process: {peak_mb:.0f} MB (goal: at least 5,000 resources/s)")


if __name__ == "__main__":
    main()

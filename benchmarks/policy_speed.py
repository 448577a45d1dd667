"""Policy evaluation speed: the whole aiscale pack over recorded programs of 4,000, 8,000 and 16,000 resources.

    python benchmarks/policy_speed.py [--sizes 4000 8000 16000] [--programs kubernetes azure-native] [--repeat 3]

Two synthetic programs, each recorded once per size through the offline engine: a multi-tenant Kubernetes program
(benchmarks/synthetic_kubernetes.py: namespaces with their network policies, quotas, workloads — what the tenancy
stack policy joins by namespace) and an azure-native one (benchmarks/synthetic_program.py: subnets, NSGs, keys,
GPU agent pools, role assignments, private endpoints). The pack is then evaluated ``--repeat`` times through
pulumi-policy's analyzer in process, as ``aiscale plan`` does (resource policies per resource, stack policies
once). Prints, per program and size: resources, findings, the best wall and CPU times, resources per second (of
CPU time: on a shared machine wall time also counts other processes' turns) and the slowest stack policy. Goal: at
least 5,000 resources/s at every size (stack policies linear in the resources).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiscale.core.engine import RecordedRun

HERE = Path(__file__).resolve().parent
GOAL = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4_000, 8_000, 16_000])
    parser.add_argument(
        "--programs", nargs="+", choices=["kubernetes", "azure-native"], default=["kubernetes", "azure-native"]
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    import synthetic_kubernetes  # noqa: PLC0415
    import synthetic_program  # noqa: PLC0415

    from aiscale.core.engine import record_program  # noqa: PLC0415
    from aiscale.policies import all_policies  # noqa: PLC0415

    synthetic_program.load_classes()
    all_policies()  # import the pack before the clock starts
    programs: dict[str, Callable[[int], Callable[[], None]]] = {
        "kubernetes": lambda size: lambda: synthetic_kubernetes.build(size // synthetic_kubernetes.OBJECTS_PER_BLOCK),
        "azure-native": lambda size: lambda: synthetic_program.build((size - 4) // 7),
    }
    below = []
    print(
        f"{'program':<14}{'resources':>10}{'findings':>10}{'wall s':>8}{'CPU s':>8}{'resources/s':>13}"
        "  slowest stack policy (CPU)"
    )
    for name in args.programs:
        for size in args.sizes:
            run = record_program(programs[name](size), project_name="bench", stack="prod", timeout=3600)
            (wall, cpu), findings, slowest = measure(run, args.repeat)
            rate = len(run.registrations) / cpu
            if rate < GOAL:
                below.append(f"{name} at {size}")
            print(
                f"{name:<14}{len(run.registrations):>10,}{findings:>10,}{wall:>8.2f}{cpu:>8.2f}{rate:>13,.0f}  "
                f"{slowest[0]} {slowest[1]:.2f} s"
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {peak_mb:.0f} MB; goal: at least {GOAL:,} resources/s at every size")
    print("goal met" if not below else f"goal missed: {', '.join(below)}")


def measure(run: RecordedRun, repeat: int) -> tuple[tuple[float, float], int, tuple[str, float]]:
    """Best wall and CPU time of an evaluation of the pack, its number of findings, and the slowest stack policy
    (its own CPU time: an evaluation of it alone less an evaluation of no policy)."""
    from pulumi_policy import StackValidationPolicy  # noqa: PLC0415

    from aiscale.policies import all_policies  # noqa: PLC0415
    from aiscale.policies.evaluation import evaluate  # noqa: PLC0415

    walls, cpus, findings = [], [], 0
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        report = evaluate(run)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
        findings = len(report.violations)

    def alone(policies: list) -> float:
        started = time.process_time()
        evaluate(run, policies=policies)
        return time.process_time() - started

    # What a stack policy adds to an evaluation of no policy (reading the run, building the analyzer requests).
    baseline = min(alone([]) for _ in range(repeat))
    stack_times = [
        (policy.name, max(0.0, min(alone([policy]) for _ in range(repeat)) - baseline))
        for policy in all_policies()
        if isinstance(policy, StackValidationPolicy)
    ]
    return (min(walls), min(cpus)), findings, max(stack_times, key=lambda entry: entry[1])


if __name__ == "__main__":
    main()

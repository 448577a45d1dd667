"""Offline engine vs. plain Pulumi mocks on the same synthetic azure-native program, side by side.

    python benchmarks/plan_speed.py [--blocks 50] [--repeat 3]

Each measurement runs in a fresh process (imports included, as a user would run it); the table shows the best
wall time of ``--repeat`` runs and the peak resident memory of that process. "plain mocks" is the usual unit-test
set-up (``pulumi.runtime.set_mocks`` with the SDK's MockMonitor) with aliases kept; "offline engine" is
``aiscale.core.engine.record_program``, which records every registration and strips aliases.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _child(mode: str, blocks: int) -> None:
    sys.path.insert(0, str(HERE))
    import pulumi  # noqa: PLC0415
    import synthetic_program  # noqa: PLC0415

    # Load the resource classes before the clock starts: both set-ups pay the same import cost.
    synthetic_program.load_classes()
    started = time.perf_counter()
    if mode == "offline":
        from aiscale.core.engine import record_program  # noqa: PLC0415

        run = record_program(lambda: synthetic_program.build(blocks), project_name="bench")
        registered = sum(1 for r in run.registrations if r.custom)
    else:
        from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks, set_mocks  # noqa: PLC0415
        from pulumi.runtime.stack import wait_for_rpcs  # noqa: PLC0415
        from pulumi.runtime.sync_await import _sync_await  # noqa: PLC0415

        class PlainMocks(Mocks):
            def new_resource(self, args: MockResourceArgs) -> tuple[str, dict]:
                return f"{args.name}-id", args.inputs

            def call(self, args: MockCallArgs) -> tuple[dict, None]:
                return {}, None

        monitor = MockMonitor(PlainMocks())
        set_mocks(PlainMocks(), project="bench", stack="dev", preview=True, monitor=monitor)
        synthetic_program.build(blocks)
        _sync_await(wait_for_rpcs())
        registered = sum(1 for urn in monitor.resources if "bench:index:Block::" not in urn.split("$")[-1])
        pulumi.log.debug("done")
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "resources": registered}))


def measure(mode: str, blocks: int, repeat: int) -> dict[str, float]:
    best: dict[str, float] | None = None
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--blocks", str(blocks)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=("offline", "plain"))
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.blocks)
        return

    offline = measure("offline", args.blocks, args.repeat)
    plain = measure("plain", args.blocks, args.repeat)
    counts = f"{int(offline['resources'])} resources (plain mocks registered {int(plain['resources'])})"
    print(f"synthetic azure-native program: {counts}")
    print(f"{'':<34}{'wall time (s)':>14}{'peak RSS (MB)':>15}")
    print(f"{'plain mocks, aliases kept':<34}{plain['seconds']:>14.2f}{plain['peak_mb']:>15.0f}")
    print(f"{'aiscale offline engine':<34}{offline['seconds']:>14.2f}{offline['peak_mb']:>15.0f}")
    print(
        f"speed-up {plain['seconds'] / offline['seconds']:.1f}x, "
        f"memory {plain['peak_mb'] / offline['peak_mb']:.1f}x less (goal: at least 5x faster)"
    )


if __name__ == "__main__":
    main()

"""The fast loop, measured: the CI job per stack, several stacks in one process, watch-mode re-plans, help latency,
and the modules a dev plan loads.

    python benchmarks/fast_loop.py [--repeat 3] [--before REV] [--only ci,watch,help,modules] [--edits 5]
        [--settle 15]

Every measurement runs the installed ``aiscale`` command in fresh processes, as a user or CI would. ``--before REV``
also measures a previous commit of this repository (checked out with ``git worktree`` into a temporary folder and
imported instead of the installed tree), running what the workflows ran then: one program run per report.
Figures are wall times, best of ``--repeat`` runs; the machine's load shows in them, so compare rows of one run.
Watch-mode re-plans also give the CPU seconds they used and the load average: on a shared machine a re-plan's wall
time is its CPU time stretched by the other processes' turns. The first edit comes ``--settle`` seconds after the
watch started, as a user's first save would: meanwhile the watcher fills what every re-plan would compute again.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STACKS = ("dev", "staging", "prod")
PACKAGES = {"core": "core", "components": "components", "blueprints": "blueprints", "policies": "policies"}
# Runs the aiscale command from a checked-out tree instead of the installed (editable) one.
SHIM = (
    "import sys\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in type(f).__module__ + repr(f)]\n"
    "sys.path.insert(0, {root!r})\n"
    "from aiscale.core.cli import run\n"
    "sys.argv = ['aiscale', *sys.argv[1:]]\n"
    "run()\n"
)


class Command:
    """How to start ``aiscale``: the installed one, or a checked-out tree's (run on that tree's own stacks)."""

    def __init__(self, label: str, shim_root: Path | None = None) -> None:
        self.label = label
        self.shim_root = shim_root
        self.project = REPO if shim_root is None else (shim_root.parent / "tree")

    def argv(self, *args: str, python_flags: Sequence[str] = ()) -> list[str]:
        if self.shim_root is None:
            return [sys.executable, *python_flags, "-m", "aiscale.core.cli", *args]
        return [sys.executable, *python_flags, "-c", SHIM.format(root=str(self.shim_root)), *args]


def timed(argv: Sequence[str], cwd: Path = REPO, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        if result.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv[-6:])} failed ({result.returncode}):\n{result.stderr[-2000:]}")
        best = min(best, elapsed)
    return best


@contextlib.contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """A temporary worktree of ``revision`` laid out as the ``aiscale`` package (as setup.py maps it)."""
    folder = Path(tempfile.mkdtemp(prefix="aiscale-before-"))
    tree = folder / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), revision], cwd=REPO, check=True, capture_output=True
    )
    try:
        package = folder / "shim" / "aiscale"
        package.mkdir(parents=True)
        for name, source in PACKAGES.items():
            (package / name).symlink_to(tree / source)
        yield folder / "shim"
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


# --- The CI job --------------------------------------------------------------------------------------------------


def ci_job(command: Command, repeat: int, reports: Path, one_run: bool) -> dict[str, float]:
    """Wall time of the pull-request job's plan step per stack: then three program runs, now one."""
    times = {}
    for stack in STACKS:
        files = [f"{fmt}:{reports}/{stack}.{fmt}" for fmt in ("sarif", "json", "markdown")]
        if one_run:
            argvs = [command.argv("plan", stack, *(a for f in files for a in ("--output", f)))]
        else:
            argvs = [
                command.argv("plan", stack, "--format", f.split(":")[0], "--output", f.split(":", 1)[1]) for f in files
            ]
        times[stack] = min(sum(timed(argv, cwd=command.project) for argv in argvs) for _ in range(repeat))
    return times


def all_stacks(command: Command, repeat: int, reports: Path) -> float:
    outputs = [a for fmt in ("sarif", "json", "markdown") for a in ("--output", f"{fmt}:{reports}/{{stack}}.{fmt}")]
    return timed(command.argv("plan", *STACKS, *outputs), repeat=repeat)


# --- Watch mode --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replan:
    seconds: float
    """From saving the stack file to the re-plan's summary line."""
    cpu: tuple[float, float] | None
    """CPU seconds the re-plan's child and the watch process itself used meanwhile (Linux: /proc), else None."""
    load: float
    """The 1-minute load average when it finished."""


def watch_replans(edits: int, settle: float) -> list[Replan]:
    """``edits`` saves of the dev stack file, one a second, the first ``settle`` seconds after the watch started."""
    with tempfile.TemporaryDirectory(prefix="aiscale-watch-") as temporary:
        project = Path(temporary)
        shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
        shutil.copytree(REPO / "stacks", project / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
        stack_file = project / "stacks" / "Pulumi.dev.yaml"
        original = stack_file.read_text()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiscale.core.cli",
                "plan",
                "dev",
                "--watch",
                "--output",
                f"json:{project}/dev.json",
            ],
            cwd=project,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[tuple[float, str]] = []
        ready = threading.Event()

        def read() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                lines.append((time.perf_counter(), line.rstrip()))
                ready.set()

        threading.Thread(target=read, daemon=True).start()
        try:
            _wait_for(lines, "Ctrl-C stops", 300)
            time.sleep(settle)
            replans = []
            for index in range(edits):
                time.sleep(1.0)
                seen = len(lines)
                cpu = _cpu_seconds(process.pid)
                saved = time.perf_counter()
                stack_file.write_text(original.replace("cc-4711", f"cc-{4712 + index}", 1))
                stamp, _ = _wait_for(lines, "dev: planned in", 120, start=seen)
                after = _cpu_seconds(process.pid)
                used = (after[0] - cpu[0], after[1] - cpu[1]) if after is not None and cpu is not None else None
                replans.append(Replan(stamp - saved, used, os.getloadavg()[0]))
            return replans
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def _cpu_seconds(pid: int) -> tuple[float, float] | None:
    """User and system CPU of the children ``pid`` has waited for (a re-plan's child is, once done) and of ``pid``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14-17 of proc(5): utime, stime, cutime, cstime; the split dropped the first two.
    utime, stime, cutime, cstime = (int(value) / os.sysconf("SC_CLK_TCK") for value in fields[11:15])
    return cutime + cstime, utime + stime


def _wait_for(lines: list[tuple[float, str]], text: str, timeout: float, start: int = 0) -> tuple[float, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for stamp, line in lines[start:]:
            if text in line:
                return stamp, line
            if line.startswith("error:"):
                raise SystemExit(line)
        time.sleep(0.01)
    raise SystemExit(f"no {text!r} within {timeout} s: {lines[-5:]}")


# --- Help and modules --------------------------------------------------------------------------------------------


def help_latency(command: Command, repeat: int) -> dict[str, float]:
    return {
        " ".join(args): timed(command.argv(*args), repeat=repeat)
        for args in (["--help"], ["--version"], ["plan", "--help"], ["graph", "--help"])
    }


def modules_loaded(command: Command, reports: Path) -> tuple[int, float, int]:
    """Imports ``python -X importtime`` reports for a dev plan, their total self time (s), and SDK modules among them."""
    result = subprocess.run(
        command.argv(
            "plan", "dev", "--format", "json", "--output", f"{reports}/modules.json", python_flags=["-X", "importtime"]
        ),
        cwd=command.project,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = [line for line in result.stderr.splitlines() if re.match(r"import time:\s+\d", line)]
    self_us = sum(int(line.split(":", 1)[1].split("|")[0]) for line in rows)
    sdk = sum(1 for line in rows if re.search(r"\|\s*pulumi_(azure_native|gcp|kubernetes)\b", line))
    return len(rows), self_us / 1e6, sdk


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--edits", type=int, default=5, help="stack file edits in watch mode")
    parser.add_argument(
        "--settle", type=float, default=15.0, help="seconds between the watch's start and its first edit"
    )
    parser.add_argument("--before", default=None, metavar="REV", help="also measure this commit (e.g. the merge base)")
    parser.add_argument("--only", default="ci,watch,help,modules")
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    after = Command("now")
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="aiscale-reports-") as reports_dir:
        reports = Path(reports_dir)
        before = Command(f"at {args.before}", stack.enter_context(checkout(args.before))) if args.before else None
        print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}")
        if "help" in chosen:
            print(f"\nhelp latency (s, best of {args.repeat})")
            rows = {c.label: help_latency(c, args.repeat) for c in (before, after) if c}
            for name in next(iter(rows.values())):
                print(f"  aiscale {name:<16}" + "".join(f"{c:>10} {rows[c][name]:.3f}" for c in rows))
        if "modules" in chosen:
            print("\nmodules imported by `aiscale plan dev` (python -X importtime)")
            for command in (c for c in (before, after) if c):
                count, seconds, sdk = modules_loaded(command, reports)
                print(f"  {command.label:<14} {count} imports ({sdk} of provider SDKs), {seconds:.2f} s of import time")
        if "ci" in chosen:
            print(f"\nCI plan step per stack: SARIF + JSON + markdown (s, best of {args.repeat})")
            jobs = []
            if before:
                jobs.append((f"{before.label}: three runs", ci_job(before, args.repeat, reports, one_run=False)))
            jobs.append(("now: three runs", ci_job(after, args.repeat, reports, one_run=False)))
            jobs.append(("now: one run", ci_job(after, args.repeat, reports, one_run=True)))
            for label, times in jobs:
                total = sum(times.values())
                print(f"  {label:<22}" + "".join(f"  {s} {t:5.2f}" for s, t in times.items()) + f"  total {total:5.2f}")
            print(f"  {'now: one process':<22}  {' '.join(STACKS)} {all_stacks(after, args.repeat, reports):5.2f}")
        if "watch" in chosen:
            replans = watch_replans(args.edits, args.settle)
            seconds = [r.seconds for r in replans]
            print(
                f"\nwatch mode: save stacks/Pulumi.dev.yaml -> re-planned dev (policies, cost, JSON written), {args.edits} "
                f"edits from {args.settle:g} s after the start: median {statistics.median(seconds):.2f} s, max "
                f"{max(seconds):.2f} s (goal: at most 1 s)"
            )
            for number, replan in enumerate(replans, 1):
                cpu = (
                    f"CPU {replan.cpu[0]:.2f} s in the re-plan's child, {replan.cpu[1]:.2f} s in the watcher"
                    if replan.cpu is not None
                    else "CPU not measured here"
                )
                print(f"  edit {number}: {replan.seconds:.2f} s, {cpu}, load {replan.load:.1f}")


if __name__ == "__main__":
    main()

"""``aiscale plan STACK --watch``: plan again whenever what the plan depends on changes, and say what changed.

Watched: the project file, the stacks' files, their policy files and the policy pack's, and every Python file of
the project. What changed is shown as the terminal diff of a change review (``aiscale plan --baseline``), against
the previous run. Each re-plan forks from this process, which keeps the SDKs and every module outside the program's
directory imported (``aiscale.core.engine.warm``), so a changed stack file re-plans in well under a second and a
changed program file is read fresh. A changed Python file that this process has imported cannot be reloaded
correctly in place (other modules hold its old classes): the watcher then restarts itself, says so, and carries
the previous plans over, so the next diff is still against them.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from aiscale.core import commands
from aiscale.core.errors import AiscaleError
from aiscale.core.outputs import Output
from aiscale.core.planner import Planner, PlanOptions
from aiscale.core.policy_pack import installed_pack
from aiscale.core.project import PulumiProject

#: Where a restarted watcher finds the plans it compares with (a file it deletes once read).
STATE_VARIABLE = "AISCALE_WATCH_STATE"
POLL_SECONDS = 0.1
QUIET_SECONDS = 0.05
_SKIPPED_DIRS = {"node_modules", "__pycache__", "build", "dist"}


def watch(  # noqa: PLR0917 - the plan command hands over what it has resolved
    project: PulumiProject,
    stacks: Sequence[str],
    outputs: Mapping[str, Sequence[Output]],
    baselines: Mapping[str, Mapping[str, Any] | None],
    options: PlanOptions,
    argv: Sequence[str],
) -> int:
    planner = Planner(project, options, warm=True, keep_documents=True)
    previous = _restored_state()
    files = WatchedFiles(project, stacks, options)
    for stack in stacks:
        _plan(planner, stack, outputs[stack], baselines[stack], previous, first=stack not in previous)
    planner.finish_warming()
    _status(f"watching {len(files.snapshot)} files of project {project.name}; Ctrl-C stops")
    try:
        while True:
            changed = files.wait(idle=planner.idle)
            stale = _loaded(changed)
            if stale or project.root / "Pulumi.yaml" in changed:
                _restart(project, stale or [project.root / "Pulumi.yaml"], previous, argv)
            shown = ", ".join(project.display_path(path) for path in changed[:3])
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            for stack in _affected(project, stacks, changed, options):
                _status(f"{datetime.now():%H:%M:%S} {shown}{more} changed: planning {stack} again")
                _plan(planner, stack, outputs[stack], baselines[stack], previous, first=False)
            planner.finish_warming()
    except KeyboardInterrupt:
        _status("stopped watching")
        return 0


def _plan(  # noqa: PLR0917
    planner: Planner,
    stack: str,
    outputs: Sequence[Output],
    baseline: Mapping[str, Any] | None,
    previous: dict[str, dict[str, Any]],
    first: bool,
) -> None:
    """One run: the full report the first time, then what changed since the previous run; errors keep watching."""
    started = time.monotonic()
    try:
        report = planner.plan(stack, outputs, baseline, previous=None if first else previous[stack])
        commands.write_reports(report, outputs, stdout=first)
    except AiscaleError as error:
        _status(f"error: {error}")
        return
    seconds = time.monotonic() - started
    current = report.document or {}
    if report.changes is not None:  # the same diff as the change review's, against the previous run
        commands.write_stdout(report.changes)
    _status(f"{stack}: planned in {seconds:.2f} s ({report.counted}, exit code {report.exit_code})")
    previous[stack] = current


class WatchedFiles:
    """What a plan depends on, polled by modification time (no file-system events needed)."""

    def __init__(self, project: PulumiProject, stacks: Sequence[str], options: PlanOptions) -> None:
        self.project = project
        self.files = [project.root / "Pulumi.yaml"]
        for stack in stacks:
            self.files.append(project.stack_file(stack))
            self.files.append(_policy_file(project, stack, options))
        self.files += installed_pack().files()
        self.snapshot = self._scan()

    def _scan(self) -> dict[Path, tuple[int, int, int]]:
        # Polled several times a second: plain stats of absolute paths, no resolving of links.
        found = {}
        for path in (*self.files, *_python_files(self.project.root)):
            try:
                status = path.stat()
            except OSError:
                continue
            found[path] = (status.st_mtime_ns, status.st_size, status.st_ino)
        return found

    def wait(self, idle: Callable[[], None] = lambda: None) -> list[Path]:
        """Block until something changed (and then stayed quiet briefly); the changed, added or removed files.
        ``idle`` runs between polls (briefly: it delays noticing a change)."""
        while True:
            idle()
            time.sleep(POLL_SECONDS)
            current = self._scan()
            if current == self.snapshot:
                continue
            while True:  # an editor saving several files, or writing a file in steps
                time.sleep(QUIET_SECONDS)
                settled = self._scan()
                if settled == current:
                    break
                current = settled
            changed = sorted(
                path for path in current.keys() | self.snapshot.keys() if current.get(path) != self.snapshot.get(path)
            )
            self.snapshot = current
            return changed


def _policy_file(project: PulumiProject, stack: str, options: PlanOptions) -> Path:
    return (options.policy_config_for(stack) or project.stack_config_dir / f"Policy.{stack}.yaml").absolute()


def _python_files(root: Path) -> Iterable[Path]:
    for directory, dirs, files in os.walk(root):
        # Virtualenvs (they hold a pyvenv.cfg), hidden folders and build output are not the project's code.
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".") and d not in _SKIPPED_DIRS and not (Path(directory, d) / "pyvenv.cfg").exists()
        ]
        for name in files:
            if name.endswith(".py"):
                yield Path(directory, name)


def _affected(
    project: PulumiProject, stacks: Sequence[str], changed: Sequence[Path], options: PlanOptions
) -> list[str]:
    """A stack's own files affect only that stack; anything else affects every watched stack."""
    own = {stack: {project.stack_file(stack), _policy_file(project, stack, options)} for stack in stacks}
    if all(any(path in files for files in own.values()) for path in changed):
        return [stack for stack in stacks if own[stack] & set(changed)]
    return list(stacks)


def _loaded(changed: Sequence[Path]) -> list[Path]:
    """Changed Python files that this process has imported (a fork would run their old code)."""
    python = {path.resolve(): path for path in changed if path.suffix == ".py"}
    if not python:  # the common case, a stack or policy file: nothing to look up
        return []
    loaded = set()
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if filename and filename.endswith(".py"):
            loaded.add(os.path.realpath(filename))
    return [path for resolved, path in python.items() if str(resolved) in loaded]


def _restart(project: PulumiProject, stale: Sequence[Path], previous: Mapping[str, Any], argv: Sequence[str]) -> None:
    shown = ", ".join(project.display_path(path) for path in stale)
    _status(f"{shown} changed, and this process had imported it: restarting the worker (the SDKs load again)")
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="aiscale-watch-", delete=False) as state:
        json.dump(previous, state)
    os.environ[STATE_VARIABLE] = state.name
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "aiscale.core.cli", *argv])


def _restored_state() -> dict[str, dict[str, Any]]:
    path = os.environ.pop(STATE_VARIABLE, None)
    if not path:
        return {}
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    finally:
        Path(path).unlink(missing_ok=True)


def _status(message: str) -> None:
    print(message, file=sys.stderr, flush=True)

"""Running a Pulumi Python project under the SDK's mock engine: an offline preview.

The program runs as the Python language host would run it (same ``__main__``, same runtime config, same root
stack resource), but every resource registration goes to a :class:`Recorder` instead of a deployment engine.
Nothing reaches a cloud; no credentials are needed. :func:`run_stack` runs it in a child process
(``aiscale.core.engine.isolation``); :func:`record_stack` is the same run in the calling process;
:func:`record_program` records a Python callable in process, for tests of components and blueprints.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiscale.core.config.loader import ENVIRONMENT_KEY, resolve_environment
from aiscale.core.engine import bootstrap, isolation
from aiscale.core.engine.bootstrap import PROVIDER_RENDERED_CHARTS, describe_error, is_program_file
from aiscale.core.engine.recorder import Recorder, Registration
from aiscale.core.engine.stack_config import RuntimeConfig, read_runtime_config
from aiscale.core.errors import AiscaleError, ProgramError
from aiscale.core.project import PulumiProject, load_project

DEFAULT_TIMEOUT_SECONDS = 300.0

# One program at a time per process: a run changes the working directory, sys.path and sys.argv.
_RUN_LOCK = threading.Lock()


@dataclass
class RecordedRun:
    """Everything an offline preview learned about a stack."""

    project: PulumiProject
    stack: str
    environment: str | None
    preview: bool
    registrations: list[Registration]
    stack_urn: str | None
    stack_outputs: dict[str, Any]
    config: RuntimeConfig
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    """What the run could not do or assumed (a missing stack file, charts the provider renders, ...)."""


def run_stack(
    project_dir: Path,
    stack: str,
    *,
    preview: bool = True,
    keep_aliases: bool = False,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    on_progress: Callable[[isolation.Progress], None] | None = None,
) -> RecordedRun:
    """Run the project's program for ``stack`` offline, in a child process, and return what it registered.

    ``timeout`` bounds reading the stack's config and running its program. Raises ConfigError, ProjectError or
    ProgramError (all AiscaleError) with a message fit for the terminal.
    """
    project = load_project(project_dir)
    return isolation.run_isolated(
        lambda: record_stack(project, stack, preview=preview, keep_aliases=keep_aliases),
        stack=stack,
        timeout=timeout,
        on_progress=on_progress,
    )


def record_stack(
    project: PulumiProject, stack: str, *, preview: bool = True, keep_aliases: bool = False
) -> RecordedRun:
    """Read the stack's config and run its program in this process; see :func:`run_stack`."""
    isolation.report(isolation.PHASE_LOADING)
    config = read_runtime_config(project, stack)
    if not project.main.exists():
        raise ProgramError(f"{project.display_path(project.main)}: the program (main in Pulumi.yaml) does not exist")
    job = _job(project, stack, config, preview, keep_aliases)
    recorder = Recorder(project.root)
    main = project.main
    with _program_environment(project):
        run = _record(project, stack, config, job, lambda: runpy.run_path(str(main), run_name="__main__"), recorder)
    isolation.report(isolation.PHASE_RECORDED, resources=len(run.registrations))
    return run


def record_program(
    program: Callable[[], None],
    *,
    stack: str = "dev",
    project_name: str = "test",
    config: Mapping[str, Any] | None = None,
    secret_keys: Iterable[str] = (),
    preview: bool = True,
    keep_aliases: bool = False,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> RecordedRun:
    """Record a Python callable as if it were a stack's program, in this process (for unit tests of components
    and blueprints). ``config`` maps full config keys (``aiscale:owner``) to values as they would appear in a
    stack file.
    """
    root = Path.cwd().resolve()
    project = PulumiProject(root, project_name, "python", root, root, {})
    runtime = RuntimeConfig()
    for key, value in (config or {}).items():
        runtime.values[key] = json.dumps(value) if isinstance(value, dict | list) else _config_text(value)
    runtime.secret_keys.update(secret_keys)
    job = _job(project, stack, runtime, preview, keep_aliases)
    return _record(project, stack, runtime, job, program, Recorder(project.root), timeout)


def _config_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _job(project: PulumiProject, stack: str, config: RuntimeConfig, preview: bool, keep_aliases: bool) -> bootstrap.Job:
    return bootstrap.Job(
        project=project.name,
        stack=stack,
        root=str(project.root),
        config=config.values,
        secret_keys=sorted(config.secret_keys),
        preview=preview,
        keep_aliases=keep_aliases,
    )


def _record(  # noqa: PLR0917 - private; both entry points pass everything
    project: PulumiProject,
    stack: str,
    config: RuntimeConfig,
    job: bootstrap.Job,
    program: Callable[[], None],
    recorder: Recorder,
    timeout: float | None = None,
) -> RecordedRun:
    """Run ``program`` in a thread of its own; ``timeout`` None means the caller (a parent process) enforces it."""
    # Before the program runs: an environment the stack name contradicts registers nothing.
    environment = resolve_environment(
        stack, config.values.get(ENVIRONMENT_KEY), project.display_path(project.stack_file(stack))
    )

    def tick() -> None:
        isolation.report(isolation.PHASE_PROGRAM, resources=len(recorder.registrations))

    started = time.perf_counter()
    with _RUN_LOCK:
        finished, construction, error = bootstrap.run_in_thread(
            lambda: bootstrap.execute(job, program, recorder), timeout=timeout, tick=tick
        )
    if not finished:
        raise ProgramError(
            f"the program of stack {stack!r} did not finish within {timeout:g} s "
            f"({len(recorder.registrations)} resources registered so far); an Output that never resolves "
            "or a blocking call in the program would do this"
        )
    seconds = time.perf_counter() - started
    if error is not None:
        raise _program_error(error, project) from None
    if recorder.errors():
        raise ProgramError("the program logged errors:\n" + "\n".join(f"  {m}" for m in recorder.errors()))
    return _recorded_run(project, stack, environment, config, recorder, construction.order, job.preview, seconds)


def _recorded_run(  # noqa: PLR0917 - private
    project: PulumiProject,
    stack: str,
    environment: str | None,
    config: RuntimeConfig,
    recorder: Recorder,
    order: Mapping[tuple[str, str], int],
    preview: bool,
    seconds: float,
) -> RecordedRun:
    last = len(order)
    registrations = sorted(recorder.registrations.values(), key=lambda r: (order.get((r.type, r.name), last), r.urn))
    return RecordedRun(
        project=project,
        stack=stack,
        environment=environment,
        preview=preview,
        registrations=registrations,
        stack_urn=recorder.stack_urn,
        stack_outputs=recorder.stack_outputs,
        config=config,
        warnings=recorder.warnings(),
        seconds=seconds,
        notes=[*config.notes, *_chart_notes(registrations)],
    )


def _chart_notes(registrations: Iterable[Registration]) -> list[str]:
    """Charts whose objects the Kubernetes provider renders: offline nothing lists or checks them."""
    notes = []
    for registration in registrations:
        if registration.type in PROVIDER_RENDERED_CHARTS:
            chart = registration.inputs.get("chart")
            named = f" (chart {chart})" if isinstance(chart, str) else ""
            notes.append(
                f"helm chart {registration.name}{named}, {registration.type}: the Kubernetes provider renders "
                "its objects, which an offline run cannot; they were not evaluated (not listed, not checked "
                "by policies)"
            )
    return notes


class _program_environment:
    """Working directory, sys.path and sys.argv as the Python language host sets them; restored afterwards."""

    def __init__(self, project: PulumiProject) -> None:
        self.project = project
        self.program_dir = project.main if project.main.is_dir() else project.main.parent

    def __enter__(self) -> None:
        self.cwd = os.getcwd()
        self.argv = sys.argv
        self.path = list(sys.path)
        self.modules = set(sys.modules)
        os.chdir(self.program_dir)
        sys.argv = [str(self.project.main)]
        sys.path.insert(0, str(self.program_dir))

    def __exit__(self, *_exc: object) -> None:
        os.chdir(self.cwd)
        sys.argv = self.argv
        sys.path[:] = self.path
        # Forget the program's own modules so another project with same-named modules runs its own code.
        for name in set(sys.modules) - self.modules:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if module_file and is_program_file(module_file, self.project.root):
                del sys.modules[name]


def _program_error(error: BaseException, project: PulumiProject) -> AiscaleError:
    if isinstance(error, AiscaleError):
        return error
    return ProgramError(describe_error(error, project.root))

"""Running a Pulumi Python project under the SDK's mock engine: an offline preview.

The program runs as the Python language host would run it (same ``__main__``, same runtime config, same root
stack resource), but every resource registration goes to a :class:`Recorder` instead of a deployment engine.
Nothing reaches a cloud; no credentials are needed. :func:`run_stack` runs it in a child process
(``aiscale.core.engine.isolation``); :func:`record_stack` is the same run in the calling process;
:func:`record_program` records a Python callable in process, for tests of components and blueprints.
"""

from __future__ import annotations

import functools
import json
import os
import runpy
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiscale.core.config.loader import ENVIRONMENT_KEY, resolve_environment
from aiscale.core.engine import bootstrap, isolation, stack_references
from aiscale.core.engine.bootstrap import PROVIDER_RENDERED_CHARTS, describe_error, is_program_file
from aiscale.core.engine.interpreter import Interpreter, activated_environment, program_interpreter
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
    """Read the stack's config and run its program — in this process, or with the project's own virtualenv
    (``aiscale.core.engine.interpreter``) through the bootstrap — see :func:`run_stack`."""
    isolation.report(isolation.PHASE_LOADING)
    config = read_runtime_config(project, stack)
    if not project.main.exists():
        raise ProgramError(f"{project.display_path(project.main)}: the program (main in Pulumi.yaml) does not exist")
    job = _job(project, stack, config, preview, keep_aliases)
    interpreter, note = program_interpreter(project)
    if note:  # for whoever runs the command; not a property of the plan, so not in its reports
        print(f"note: {note}", file=sys.stderr)
    if interpreter is not None:
        run = record_in_virtualenv(project, stack, config, job, interpreter)
    else:
        program = functools.partial(runpy.run_path, str(project.main), run_name="__main__")
        with _program_environment(project):
            run = _record(project, stack, config, job, program, Recorder(project.root))
    isolation.report(isolation.PHASE_RECORDED, resources=len(run.registrations))
    return run


def record_program(
    program: Callable[[], object],
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
        stack_references=stack_references.answers(),
    )


def _record(  # noqa: PLR0917 - private; both entry points pass everything
    project: PulumiProject,
    stack: str,
    config: RuntimeConfig,
    job: bootstrap.Job,
    program: Callable[[], object],
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


def record_in_virtualenv(
    project: PulumiProject, stack: str, config: RuntimeConfig, job: bootstrap.Job, interpreter: Interpreter
) -> RecordedRun:
    """Run the program with the project's own interpreter: the bootstrap (which needs only the ``pulumi`` SDK)
    records it there and sends every registration back in its wire form."""
    environment = resolve_environment(
        stack, config.values.get(ENVIRONMENT_KEY), project.display_path(project.stack_file(stack))
    )
    recorder = Recorder(project.root)
    read_fd, write_fd = os.pipe()
    spec = {"job": vars(job), "main": str(project.main), "program_dir": str(project.program_dir)}
    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            [str(interpreter.python), "-c", _BOOTSTRAP, str(Path(bootstrap.__file__)), str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=sys.stderr.fileno(),  # the program's prints never reach a report on stdout
            cwd=project.program_dir,
            env=activated_environment(interpreter),
            pass_fds=(write_fd,),
        )
    except OSError as error:
        os.close(read_fd)
        raise ProgramError(f"cannot start {interpreter.python}: {error.strerror}") from None
    finally:
        os.close(write_fd)
    assert process.stdin is not None
    with process.stdin:
        process.stdin.write(json.dumps(spec).encode())
    outcome: dict[str, Any] = {}
    with os.fdopen(read_fd, "rb", buffering=0) as frames:
        decoder = bootstrap.FrameDecoder()
        while chunk := frames.read(1 << 16):
            for header, blob in decoder.feed(chunk):
                if header["kind"] == "progress":
                    isolation.report(isolation.PHASE_PROGRAM, resources=len(recorder.registrations))
                elif header["kind"] in ("done", "error", "started"):
                    outcome[header["kind"]] = header
                else:
                    recorder.receive(header, blob)
    status = process.wait()
    seconds = time.perf_counter() - started
    if "error" in outcome:
        raise ProgramError(outcome["error"]["message"])
    if "done" not in outcome:
        raise ProgramError(
            f"the program of stack {stack!r} ended {interpreter.python} (exit status {status}) without a result: "
            + ("the virtualenv has no pulumi SDK" if "started" not in outcome else "it called os._exit or crashed")
        )
    if recorder.errors():
        raise ProgramError("the program logged errors:\n" + "\n".join(f"  {m}" for m in recorder.errors()))
    order = {(t, n): i for t, n, i in outcome["done"]["order"]}
    started_info = outcome["started"]
    config.notes.append(
        f"the program ran in its own virtualenv {project.display_path(interpreter.virtualenv)} (Python "
        f"{started_info['python']}, pulumi {started_info['pulumi']}); the policy pack ran in aiscale's"
    )
    return _recorded_run(project, stack, environment, config, recorder, order, job.preview, seconds)


# Run the bootstrap file as __main__ without its folder on sys.path (the program's folder goes there instead).
_BOOTSTRAP = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"


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
        self.program_dir = project.program_dir

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

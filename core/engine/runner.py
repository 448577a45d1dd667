"""Running a Pulumi Python project in process under the SDK's mock engine: an offline preview.

The program runs as the Python language host would run it (same ``__main__``, same runtime config, same root
stack resource), but every resource registration goes to a :class:`RecordingMonitor` instead of a deployment
engine. Nothing reaches a cloud; no credentials are needed.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import runpy
import sys
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import empty_pb2
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockSettings
from pulumi.runtime.stack import run_in_stack

from aiscale.core.config.loader import ENVIRONMENT_KEY, resolve_environment
from aiscale.core.engine.recorder import OfflineMocks, RecordingEngine, RecordingMonitor, Registration
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

    @property
    def notes(self) -> list[str]:
        return self.config.notes


def strip_aliases(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
    """Stack transformation used only offline: drop declared aliases.

    azure-native declares aliases for every historic type token of each resource, and computing their URNs
    dominates an offline run. Aliases only matter when migrating existing state, which an offline run never
    has. Never register this in a real deployment.
    """
    if not args.opts.aliases:
        return None
    opts = copy.copy(args.opts)
    opts.aliases = None
    return pulumi.ResourceTransformationResult(args.props, opts)


class _ConstructionOrder:
    """Stack transformation that notes the order in which the program constructs resources.

    Registrations reach the monitor from a thread pool in no fixed order; construction order is what the
    program says, so reports list resources in that order. Optionally strips aliases (see strip_aliases).
    """

    def __init__(self, strip: bool) -> None:
        self.strip = strip
        self.order: dict[tuple[str, str], int] = {}

    def __call__(self, args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        self.order.setdefault((args.type_, args.name), len(self.order))
        return strip_aliases(args) if self.strip else None

    def sort(self, registrations: list[Registration]) -> list[Registration]:
        last = len(self.order)
        return sorted(registrations, key=lambda r: (self.order.get((r.type, r.name), last), r.urn))


def run_stack(
    project_dir: Path,
    stack: str,
    *,
    preview: bool = True,
    keep_aliases: bool = False,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    on_register: Callable[[int], None] | None = None,
) -> RecordedRun:
    """Run the project's program for ``stack`` offline and return what it registered.

    Raises ConfigError, ProjectError or ProgramError (all AiscaleError) with a message fit for the terminal.
    """
    project = load_project(project_dir)
    config = read_runtime_config(project, stack)
    if not project.main.exists():
        raise ProgramError(f"{project.display_path(project.main)}: the program (main in Pulumi.yaml) does not exist")

    def program() -> None:
        runpy.run_path(str(project.main), run_name="__main__")

    with _program_environment(project):
        return _record(project, stack, config, program, preview, keep_aliases, timeout, on_register)


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
    """Record a Python callable as if it were a stack's program (for unit tests of components and blueprints).

    ``config`` maps full config keys (``aiscale:owner``) to values as they would appear in a stack file.
    """
    root = Path.cwd().resolve()
    project = PulumiProject(root, project_name, "python", root, root, {})
    runtime = RuntimeConfig()
    for key, value in (config or {}).items():
        runtime.values[key] = json.dumps(value) if isinstance(value, dict | list) else _config_text(value)
    runtime.secret_keys.update(secret_keys)
    return _record(project, stack, runtime, program, preview, keep_aliases, timeout, None)


def _config_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _record(  # noqa: PLR0917 - private; both entry points pass everything
    project: PulumiProject,
    stack: str,
    config: RuntimeConfig,
    user_program: Callable[[], None],
    preview: bool,
    keep_aliases: bool,
    timeout: float,
    on_register: Callable[[int], None] | None,
) -> RecordedRun:
    environment = resolve_environment(
        stack, config.values.get(ENVIRONMENT_KEY), project.display_path(project.stack_file(stack))
    )
    mocks = OfflineMocks(preview=preview)
    monitor = RecordingMonitor(mocks, project.root, on_register)
    engine = RecordingEngine()
    outcome: dict[str, BaseException] = {}
    construction = _ConstructionOrder(strip=not keep_aliases)

    def program() -> Awaitable[None]:
        pulumi.runtime.register_stack_transformation(construction)
        user_program()
        return _drain_outputs()

    def worker() -> None:
        # A fresh thread starts with an empty context, so the runtime settings of this run are its own.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            _configure_runtime(monitor, engine, project, stack, preview)
            runtime_config.set_all_config(dict(config.values), sorted(config.secret_keys))
            loop.run_until_complete(run_in_stack(program))
        except BaseException as error:
            outcome["error"] = error

    started = time.perf_counter()
    with _RUN_LOCK:
        thread = threading.Thread(target=worker, name=f"aiscale-offline-{stack}", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise ProgramError(
                f"the program of stack {stack!r} did not finish within {timeout:g} s "
                f"({len(monitor.registrations)} resources registered so far); an Output that never resolves "
                "or a blocking call in the program would do this"
            )
    seconds = time.perf_counter() - started

    error = outcome.get("error")
    if error is not None:
        raise _program_error(error, project) from None
    if engine.errors():
        raise ProgramError("the program logged errors:\n" + "\n".join(f"  {m}" for m in engine.errors()))

    return RecordedRun(
        project=project,
        stack=stack,
        environment=environment,
        preview=preview,
        registrations=construction.sort(list(monitor.registrations.values())),
        stack_urn=monitor.stack_urn,
        stack_outputs=monitor.stack_outputs,
        config=config,
        warnings=engine.warnings(),
        seconds=seconds,
    )


async def _drain_outputs() -> None:
    """Wait for every pending RPC and Output of the program, in linear time.

    The SDK's ``wait_for_rpcs`` waits with ``asyncio.wait(FIRST_COMPLETED)`` in a loop, which attaches a
    callback to every pending task on every round: quadratic in the number of Outputs, and a large share of
    an offline run. Waiting here first leaves it one round over finished tasks. Failures are not consumed:
    ``wait_for_rpcs`` still awaits every task and raises what it raises in a real run.
    """
    manager = runtime_settings._get_rpc_manager()
    while True:
        pending = [task for task in runtime_settings.SETTINGS.outputs if not task.done()]
        pending += [rpc for rpc in manager.rpcs if not (isinstance(rpc, asyncio.Future) and rpc.done())]
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)


def _configure_runtime(
    monitor: RecordingMonitor, engine: RecordingEngine, project: PulumiProject, stack: str, preview: bool
) -> None:
    features = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    settings = MockSettings(
        monitor=monitor,
        monitor_features=features,
        engine=engine,
        project=project.name,
        stack=stack,
        dry_run=preview,
        organization="organization",
        root_directory=str(project.root),
        parallel=None,
        legacy_apply_enabled=False,
        callbacks=None,
        outputs=set(),
        lock=threading.Lock(),
        package_refs={},
        base_providers_by_ref={},
    )
    runtime_settings.configure(settings)
    runtime_settings.set_root_resource(None)  # type: ignore[arg-type]


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
            if module_file and _is_program_file(Path(module_file), self.project.root):
                del sys.modules[name]


def _is_program_file(path: Path, root: Path) -> bool:
    """A file of the project itself, not of a virtualenv that happens to live inside the project."""
    resolved = path.resolve()
    return (
        resolved.is_relative_to(root)
        and not resolved.is_relative_to(Path(sys.prefix).resolve())
        and "site-packages" not in resolved.parts
    )


def _program_error(error: BaseException, project: PulumiProject) -> AiscaleError:
    if isinstance(error, AiscaleError):
        return error
    if isinstance(error, pulumi.RunError):
        return ProgramError(str(error))
    if isinstance(error, SystemExit):
        return ProgramError(f"the program exited with status {error.code}")
    frames = traceback.extract_tb(error.__traceback__)
    location = _best_frame(frames, project.root)
    where = f"\n  at {location}" if location else ""
    return ProgramError(f"the program failed: {type(error).__name__}: {error}{where}")


def _best_frame(frames: traceback.StackSummary, root: Path) -> str | None:
    """The innermost frame in the project itself, else the innermost frame outside the Pulumi SDKs."""
    in_project = [f for f in frames if _is_program_file(Path(f.filename), root)]
    outside_sdk = [
        f for f in frames if "/pulumi/" not in f.filename and "/pulumi_" not in f.filename and "runpy" not in f.filename
    ]
    chosen = (in_project or outside_sdk or list(frames))[-1:] if frames else []
    if not chosen:
        return None
    frame = chosen[0]
    shown = os.path.relpath(frame.filename, root) if _under(frame.filename, root) else frame.filename
    return f"{shown}:{frame.lineno}"


def _under(filename: str, root: Path) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(root)
    except OSError:
        return False

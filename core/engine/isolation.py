"""Running a stack's job in a child process that can be stopped, and that cannot take aiscale down with it.

The parent (the ``aiscale`` command, with the SDKs already imported) forks one child per job. The child starts
from the parent's state as it was before any program ran — a clean program state for every stack — sends its
progress and its result back over a pipe, and exits. The parent

- enforces ``--timeout`` on the program by killing the child's process group, even when the program holds the
  interpreter (a regular expression that never ends, a C extension in a loop);
- notices a child that died without a result (``os._exit``, a signal, a closed pipe) and says so;
- never sees the program's prints on its own stdout: the child's stdout is its stderr, so a report written to
  stdout cannot be corrupted.

Where ``os.fork`` does not exist the job runs in this process.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiscale.core.engine.bootstrap import FrameDecoder, write_frame
from aiscale.core.engine.warm import Warmer
from aiscale.core.errors import AiscaleError, ProgramError

T = TypeVar("T")

#: Phases a job reports, in order; the parent's deadline covers the first two (the stack's own code).
PHASE_LOADING = "loading"
PHASE_PROGRAM = "program"
PHASE_RECORDED = "recorded"
PHASE_POLICIES = "policies"
PHASE_COST = "cost"
PHASE_RENDERING = "rendering"


@dataclass
class Progress:
    """What the child last said it was doing."""

    phase: str = PHASE_LOADING
    resources: int = 0
    modules: int = 0
    detail: str = ""
    program_done: bool = False
    """The stack's own code (config read, program) has finished: the deadline no longer applies."""
    started: float = field(default_factory=time.monotonic)

    def describe(self) -> str:
        if self.phase == PHASE_LOADING:
            return f"importing SDKs and the program ({self.modules} modules)"
        if self.phase == PHASE_PROGRAM:
            if self.resources == 0:
                return f"importing SDKs and the program ({self.modules} modules)"
            return f"running the program: {self.resources} resources"
        if self.phase == PHASE_RECORDED:
            return f"recorded {self.resources} resources"
        if self.phase == PHASE_POLICIES:
            return f"policies{': ' + self.detail if self.detail else ''}"
        if self.phase == PHASE_COST:
            return "cost estimate"
        return "rendering"


class InternalError(Exception):
    """An aiscale bug in the child: its type, message and traceback, re-raised in the parent."""

    def __init__(self, description: str, child_traceback: str) -> None:
        super().__init__(description)
        self.child_traceback = child_traceback


class _Channel:
    def __init__(self, fd: int, track_modules: bool) -> None:
        self.fd = fd
        self.program_done = False
        self.phase = PHASE_LOADING
        self.resources = 0
        self.detail = ""
        # Modules already executed at the fork are the parent's; lazy ones count once something executes them.
        self.reported: set[str] | None = (
            {name for name, module in sys.modules.items() if not _lazy(module)} if track_modules else None
        )
        self.lazy: set[str] = set()
        """Modules seen loaded lazily and not executed yet."""

    def send(self, header: dict[str, Any], blob: bytes = b"") -> None:
        write_frame(self.fd, header, blob)

    def send_progress(self) -> None:
        self.send(
            {
                "kind": "progress",
                "phase": self.phase,
                "resources": self.resources,
                "modules": len(sys.modules),
                "detail": self.detail,
                "programDone": self.program_done,
                "newModules": self._new_modules(),
            }
        )

    def _new_modules(self) -> list[tuple[str, str | None]]:
        if self.reported is None:
            return []
        # Sent every 0.1 s, and the SDKs put thousands of modules in sys.modules: sets first, then the few new.
        new = []
        for name in sorted((sys.modules.keys() - self.reported) | self.lazy):
            module = sys.modules.get(name)
            if module is not None and _lazy(module):
                self.lazy.add(name)
                continue
            self.lazy.discard(name)
            if module is not None:
                self.reported.add(name)
                new.append((name, getattr(module, "__file__", None)))
        return new


def _lazy(module: object) -> bool:
    """A lazily loaded module not executed yet (the provider SDKs create their service modules this way)."""
    return type(module).__name__ == "_LazyModule"


_CHANNEL: _Channel | None = None
"""Set in a child: where :func:`report` sends. None in the parent (reports go nowhere)."""


def report(phase: str, *, resources: int = 0, detail: str = "") -> None:
    """Tell the parent what the job is doing (a no-op when the job runs in this process)."""
    if _CHANNEL is None:
        return
    if phase not in (PHASE_LOADING, PHASE_PROGRAM):
        _CHANNEL.program_done = True  # the stack's code is done: the deadline no longer applies
    _CHANNEL.phase, _CHANNEL.resources, _CHANNEL.detail = phase, resources, detail
    _CHANNEL.send_progress()


def in_child() -> bool:
    return _CHANNEL is not None


#: The child's collector thresholds. A program run allocates millions of short-lived objects (outputs, futures,
#: tasks), nearly all freed by reference counting; at Python's default (a young collection every 700
#: allocations) the collector took about a third of a re-plan's CPU. Cycles are still collected, in batches.
CHILD_GC_THRESHOLDS = (100_000, 10, 10)


def run_isolated(
    job: Callable[[], T],
    *,
    stack: str,
    timeout: float,
    on_progress: Callable[[Progress], None] | None = None,
    idle: Callable[[], None] | None = None,
    warmer: Warmer | None = None,
) -> T:
    """Run ``job`` in a forked child and return its result (pickled back); errors are re-raised here.

    ``timeout`` bounds the stack's own code (config read and program run); ``on_progress`` sees every progress
    message; ``idle`` is called about every 0.1 s while the parent waits; ``warmer`` imports here, meanwhile,
    the modules the child loads.
    """
    if not hasattr(os, "fork"):
        return job()
    read_fd, write_fd = os.pipe()
    _flush()  # unflushed output would be written twice: once by the parent and once by the child
    # The child's garbage collector must not walk the parent's objects (the imported SDKs): touching them
    # would copy every page the two processes share. Frozen objects are left alone by the collector.
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        os.close(read_fd)
        _child(job, write_fd, track_modules=warmer is not None)
    os.close(write_fd)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)  # also done by the child: whichever runs first
    try:
        return _wait(pid, read_fd, stack, timeout, on_progress=on_progress, idle=idle, warmer=warmer)
    except BaseException:
        _kill(pid)
        raise
    finally:
        os.close(read_fd)


def _child(job: Callable[[], Any], write_fd: int, *, track_modules: bool) -> None:  # pragma: no cover - child
    global _CHANNEL  # noqa: PLW0603 - one channel per child process, set once right after the fork
    code = 1
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        # Ctrl-C reaches the parent, which stops the child; the child must not die half-way on its own.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.dup2(2, 1)  # the program's prints go to stderr, never into a report on stdout
        gc.set_threshold(*CHILD_GC_THRESHOLDS)
        _CHANNEL = _Channel(write_fd, track_modules)
        try:
            result = job()
            _CHANNEL.send_progress()  # the last modules it loaded
        except AiscaleError as error:
            _CHANNEL.send(
                {
                    "kind": "error",
                    "module": type(error).__module__,
                    "class": type(error).__qualname__,
                    "message": error.message,
                }
            )
        except BaseException as error:
            _CHANNEL.send(
                {
                    "kind": "internal",
                    "description": f"{type(error).__name__}: {error}",
                    "traceback": traceback.format_exc(),
                }
            )
        else:
            _CHANNEL.send({"kind": "result"}, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
    finally:
        _flush()
        os._exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        # A program may have closed or replaced them (and a process may start without stdout): nothing to flush.
        with contextlib.suppress(Exception):
            stream.flush()


def _wait(
    pid: int,
    read_fd: int,
    stack: str,
    timeout: float,
    *,
    on_progress: Callable[[Progress], None] | None,
    idle: Callable[[], None] | None,
    warmer: Warmer | None,
) -> Any:
    progress = Progress()
    deadline = progress.started + timeout
    frames = _FrameReader(read_fd)
    outcome: tuple[dict[str, Any], bytes] | None = None
    while not frames.closed:
        now = time.monotonic()
        if not progress.program_done and now >= deadline:
            _kill(pid)
            raise ProgramError(
                f"the program of stack {stack!r} did not finish within {timeout:g} s ({progress.resources} "
                "resources registered so far; aiscale stopped it); an Output that never resolves, a blocking "
                "call or a computation that never ends in the program would do this"
            )
        wait = 0.1 if progress.program_done else min(0.1, deadline - now)
        ready, _, _ = select.select([read_fd], [], [], max(wait, 0.0))
        for header, blob in frames.read() if ready else ():
            if header["kind"] == "progress":
                progress.phase = header["phase"]
                progress.resources = header["resources"]
                progress.modules = header["modules"]
                progress.detail = header["detail"]
                progress.program_done = header["programDone"]
                if warmer is not None:
                    warmer.add(header["newModules"])
                if on_progress is not None:
                    on_progress(progress)
            else:
                outcome = (header, blob)
        if warmer is not None:
            warmer.step()
        if idle is not None:
            idle()
    _, status = os.waitpid(pid, 0)
    if outcome is None:
        raise ProgramError(_died(stack, status, progress))
    header, blob = outcome
    if header["kind"] == "result":
        return pickle.loads(blob)
    if header["kind"] == "error":
        raise _aiscale_error(header["module"], header["class"], header["message"])
    raise InternalError(header["description"], header["traceback"])


class _FrameReader:
    """Frames from a pipe, read only when ``select`` says there is something to read."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.closed = False
        self._decoder = FrameDecoder()

    def read(self) -> list[tuple[dict[str, Any], bytes]]:
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.closed = True
            return []
        return self._decoder.feed(chunk)


def _died(stack: str, status: int, progress: Progress) -> str:
    when = f"while {progress.describe()}"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
        return f"the process running stack {stack!r} was killed by {name} {when}; no report was made"
    code = os.WEXITSTATUS(status)
    return (
        f"the program of stack {stack!r} ended the process (exit status {code}) {when}, without a result: "
        "it called os._exit, or closed the pipe aiscale records through; no report was made"
    )


def _aiscale_error(module: str, qualname: str, message: str) -> AiscaleError:
    """The child's error as the same class here (both sides run the same code)."""
    cls: Any = sys.modules.get(module)
    for part in qualname.split("."):
        cls = getattr(cls, part, None)
    if not (isinstance(cls, type) and issubclass(cls, AiscaleError)):
        cls = ProgramError
    error = cls.__new__(cls)
    AiscaleError.__init__(error, message)
    return error


def _kill(pid: int) -> None:
    """Stop the child and everything it started (its process group), and reap it."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)

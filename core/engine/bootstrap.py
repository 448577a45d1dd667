"""The half of the offline engine that runs inside the program's interpreter.

It runs a Pulumi Python program under the SDK's mock engine and hands every registration, in its wire form, to a
sink. It imports only the standard library and the ``pulumi`` SDK (never ``aiscale``), so the same file serves two
ways: imported by aiscale to run a program in aiscale's own environment, and run as a script by the interpreter of
a project that has its own virtualenv (``python bootstrap.py FD`` reads a job from stdin and writes what it
records to file descriptor FD as frames, see :func:`write_frame`). Supported ``pulumi`` SDKs: 3.100 and later.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import inspect
import json
import os
import runpy
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.proto import engine_pb2
from pulumi.runtime.stack import run_in_stack

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
#: Components whose children the Kubernetes provider renders (Helm's ``template``): nothing offline evaluates them.
PROVIDER_RENDERED_CHARTS = ("kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v4:Chart")
_HELM_TEMPLATE = "kubernetes:helm:template"


class Sink(Protocol):
    """Where a run's registrations go: aiscale's recorder in process, or a frame writer in a subprocess."""

    def resource(self, request: Any, urn: str, resource_id: str | None, *, read: bool) -> None: ...

    def stack(self, urn: str) -> None: ...

    def outputs(self, request: Any) -> None: ...

    def log(self, severity: str, message: str, urn: str) -> None: ...


class OfflineMocks(pulumi_mocks.Mocks):
    """Deterministic answers in place of cloud providers.

    In preview mode new resources get no id and only their scalar inputs as outputs, so everything a provider
    would compute is unknown, as in a real ``pulumi preview``. Outside preview, ids are derived from type and name,
    and ``name`` from the name input. Subclass and extend ``INVOKES`` (or ``call``/``new_resource``) to answer more.
    """

    #: Lookups every stack is likely to make, answered with obviously fake but well-formed values.
    INVOKES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "azure-native:authorization:getClientConfig": lambda _a: {
            "clientId": "00000000-0000-0000-0000-00000000c11e",
            "objectId": "00000000-0000-0000-0000-0000000000b1",
            "subscriptionId": "00000000-0000-0000-0000-000000000000",
            "tenantId": "00000000-0000-0000-0000-000000000000",
        },
        # The classic pulumi-azure provider's lookup of the same identity.
        "azure:core/getClientConfig:getClientConfig": lambda _a: {
            "clientId": "00000000-0000-0000-0000-00000000c11e",
            "objectId": "00000000-0000-0000-0000-0000000000b1",
            "subscriptionId": "00000000-0000-0000-0000-000000000000",
            "tenantId": "00000000-0000-0000-0000-000000000000",
        },
        "gcp:organizations/getClientConfig:getClientConfig": lambda a: {
            "project": a.get("project", "offline-project"),
            "region": "offline-region",
            "zone": "offline-zone",
            "accessToken": "offline",
        },
        "gcp:organizations/getProject:getProject": lambda a: {
            "projectId": a.get("projectId", "offline-project"),
            "number": "000000000000",
            "name": a.get("projectId", "offline-project"),
        },
        "azure-native:containerservice:listManagedClusterUserCredentials": lambda a: {
            "kubeconfigs": [{"name": "clusterUser", "value": _offline_aks_kubeconfig(a.get("resourceName", "aks"))}]
        },
    }

    def __init__(self, preview: bool, stack_references: Mapping[str, Any] | None = None) -> None:
        self.preview = preview
        self.stack_references = dict(stack_references or {})

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        # Only scalar inputs are echoed as outputs: providers reshape nested values (azure-native returns a map
        # where a list went in), so echoing those would hand the program outputs of the wrong shape.
        state = {key: value for key, value in args.inputs.items() if isinstance(value, (str, int, float, bool))}
        if args.typ == STACK_REFERENCE:
            # A referenced stack's outputs: recorded ones when given (--stack-outputs), else all unknown.
            stack = args.resource_id or args.name
            unknown = {"name": stack, "outputs": rpc.UNKNOWN, "secretOutputNames": rpc.UNKNOWN}
            return stack, self.stack_references.get(stack, unknown)
        if args.resource_id:
            return args.resource_id, state
        if self.preview and args.custom:
            return "", state
        digest = hashlib.sha256(f"{args.typ}::{args.name}".encode()).hexdigest()[:12]
        if args.custom and "name" not in state:
            state["name"] = self._physical_name(args)
        return f"{args.name}-{digest}", state

    @staticmethod
    def _physical_name(args: pulumi_mocks.MockResourceArgs) -> str:
        """The ``name`` output providers compute: azure-native echoes ``<type>Name`` (``vaultName``)."""
        type_name = args.typ.rsplit(":", 1)[-1]
        for key in (type_name[:1].lower() + type_name[1:] + "Name", "resourceName"):
            if isinstance(args.inputs.get(key), str):
                return args.inputs[key]
        return args.name

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        # No failures as an empty list: the SDK's MockMonitor iterates the failures of the tuple (None fails).
        if args.token == _HELM_TEMPLATE:
            # The provider renders the chart (helm template); offline its objects are unknown, never an empty
            # list, so a program's chart.get_resource(...) stays unknown instead of failing with a KeyError.
            return {"result": rpc.UNKNOWN}, []
        answer = self.INVOKES.get(args.token)
        return (answer(args.args) if answer else {}), []


def _offline_aks_kubeconfig(cluster: str) -> str:
    """An Entra ID (kubelogin) kubeconfig shaped like the one AKS returns, base64 as the API sends it."""
    import base64  # noqa: PLC0415 - only for this lookup

    text = f"""apiVersion: v1
kind: Config
clusters:
- name: {cluster}
  cluster:
    certificate-authority-data: b2ZmbGluZQ==
    server: https://{cluster}.offline.privatelink.azmk8s.io:443
contexts:
- name: {cluster}
  context: {{cluster: {cluster}, user: clusterUser_{cluster}}}
current-context: {cluster}
users:
- name: clusterUser_{cluster}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630,
             --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id, 00000000-0000-0000-0000-000000000000,
             --login, devicecode]
"""
    return base64.b64encode(text.encode()).decode()


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that hands each registration to a sink and builds URNs the way the real engine does."""

    def __init__(self, mocks: OfflineMocks, sink: Sink, root: Path) -> None:
        super().__init__(mocks)
        self.sink = sink
        self.root = root
        self._seen: dict[str, str] = {}
        self._files: dict[str, str] = {}
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The real engine prefixes a child's type with its parent's full qualified type, except for the stack.
        # The SDK's MockMonitor keeps only the last parent type and prefixes the stack too.
        if parent:
            qualified = parent.split("::")[2]
            if qualified != STACK_TYPE:
                type_ = f"{qualified}${type_}"
        return "urn:pulumi:" + "::".join([runtime_settings.get_stack(), runtime_settings.get_project(), type_, name])

    def RegisterResource(self, request: Any) -> Any:
        self._claim(request)
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            self.sink.stack(response.urn)
        else:
            self.sink.resource(request, response.urn, response.id or None, read=False)
        return response

    def ReadResource(self, request: Any) -> Any:
        self._claim(request)
        response = super().ReadResource(request)
        self.sink.resource(request, response.urn, request.id or None, read=True)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.sink.outputs(request)
        return super().RegisterResourceOutputs(request)

    def _request_position(self, request: Any) -> str:
        """``file:line`` of the resource in the program, from the request's source position (SDKs that send one)."""
        try:
            if not request.HasField("sourcePosition"):
                return ""
        except ValueError:  # an SDK whose protocol has no source positions
            return ""
        uri, line = request.sourcePosition.uri, request.sourcePosition.line
        if not uri or not line:
            return ""
        shown = self._files.get(uri)
        if shown is None:  # once per file: deciding whether it is the program's own asks the file system
            path = Path(unquote(urlparse(uri).path))
            shown = self._files[uri] = (
                os.path.relpath(path, self.root) if is_program_file(str(path), self.root) else path.name
            )
        return f"{shown}:{line}"

    def _claim(self, request: Any) -> None:
        """One resource per URN, as the real engine insists (it fails the second registration)."""
        urn = self.make_urn(request.parent, request.type, request.name)
        where = self._request_position(request)
        with self._lock:
            if urn not in self._seen:
                self._seen[urn] = where
                return
            first = self._seen[urn]
        places = ""
        if first and where:
            # Registrations arrive from several threads: the places are listed in program order, not arrival order.
            ordered = sorted(
                (first, where), key=lambda place: (place.rpartition(":")[0], int(place.rpartition(":")[2]))
            )
            places = f" (at {ordered[0]} and {ordered[1]})"
        raise pulumi.RunError(
            f"duplicate resource URN {urn}: two resources of type {request.type} are named {request.name!r}"
            f"{places}; give each a unique name"
        )


class _LoggingEngine:
    """What the program logs (warnings and errors matter: a logged error fails a real update)."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink

    def Log(self, request: Any) -> None:
        self.sink.log(engine_pb2.LogSeverity.Name(request.severity).lower(), request.message, request.urn)


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


class ConstructionOrder:
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


class Job:
    """What to run: the program, its project and stack, its config (full keys to text, as the CLI sets them)."""

    def __init__(
        self,
        *,
        project: str,
        stack: str,
        root: str,
        config: Mapping[str, str],
        secret_keys: list[str],
        preview: bool = True,
        keep_aliases: bool = False,
        organization: str = "organization",
        stack_references: Mapping[str, Any] | None = None,
    ) -> None:
        self.project = project
        self.stack = stack
        self.root = root
        self.config = dict(config)
        self.secret_keys = list(secret_keys)
        self.preview = preview
        self.keep_aliases = keep_aliases
        self.organization = organization
        self.stack_references = dict(stack_references or {})
        """What ``StackReference`` reads of each referenced stack return (``aiscale.core.engine.stack_references``)."""


def execute(
    job: Job, program: Callable[[], object], sink: Sink, mocks: OfflineMocks | None = None
) -> ConstructionOrder:
    """Run ``program`` as the stack's program in the current thread (with an event loop of its own).

    Returns the construction order; raises what the program raises. The calling thread must be fresh (it starts
    with an empty context, so the runtime settings of this run are its own).
    """
    construction = ConstructionOrder(strip=not job.keep_aliases)
    monitor = RecordingMonitor(
        mocks or OfflineMocks(preview=job.preview, stack_references=job.stack_references), sink, Path(job.root)
    )

    def stack_program() -> Any:
        pulumi.runtime.register_stack_transformation(construction)
        program()
        return _drain_outputs() if hasattr(runtime_settings.SETTINGS, "outputs") else None

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        _configure_runtime(monitor, _LoggingEngine(sink), job)
        runtime_config.set_all_config(dict(job.config), sorted(job.secret_keys))
        loop.run_until_complete(run_in_stack(stack_program))
    finally:
        loop.close()
    return construction


def _configure_runtime(monitor: RecordingMonitor, engine: _LoggingEngine, job: Job) -> None:
    """Settings as the language host would give them, through the constructor every SDK 3.x has."""
    arguments: dict[str, Any] = {
        "project": job.project,
        "stack": job.stack,
        "monitor": monitor,
        "engine": engine,
        "dry_run": job.preview,
        "organization": job.organization,
    }
    if "root_directory" in inspect.signature(runtime_settings.Settings).parameters:
        arguments["root_directory"] = job.root
    runtime_settings.configure(runtime_settings.Settings(**arguments))
    runtime_settings.ROOT.set(None)  # as the SDK's reset_options does (set_root_resource takes a resource)


async def _drain_outputs() -> None:
    """Wait for every pending RPC and Output of the program, in linear time.

    The SDK's ``wait_for_rpcs`` waits with ``asyncio.wait(FIRST_COMPLETED)`` in a loop, which attaches a
    callback to every pending task on every round: quadratic in the number of Outputs, and a large share of
    an offline run. Waiting here first leaves it one round over finished tasks. Failures are not consumed:
    ``wait_for_rpcs`` still awaits every task and raises what it raises in a real run.
    """
    manager = runtime_settings._get_rpc_manager()
    while True:
        outputs = runtime_settings.SETTINGS.outputs  # pyright: ignore[reportAttributeAccessIssue]  # pulumi's @contextproperty is unannotated
        pending = [task for task in outputs if not task.done()]
        pending += [rpc for rpc in manager.rpcs if not (isinstance(rpc, asyncio.Future) and rpc.done())]
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)


def run_in_thread(
    work: Callable[[], Any], *, timeout: float | None = None, tick: Callable[[], None] | None = None
) -> tuple[bool, Any, BaseException | None]:
    """Run ``work`` in a fresh daemon thread; ``tick`` every 0.1 s while it runs.

    Returns (finished, result, error); finished is False when ``timeout`` passed first (the thread is left behind).
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = work()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target, name="aiscale-program", daemon=True)
    thread.start()
    waited = 0.0
    while thread.is_alive():
        step = 0.1 if timeout is None else min(0.1, max(timeout - waited, 0.0))
        thread.join(step)
        waited += step
        if tick is not None:
            tick()
        if timeout is not None and waited >= timeout and thread.is_alive():
            return False, None, None
    return True, outcome.get("result"), outcome.get("error")


# --- What went wrong, in the program's own terms --------------------------------------------------------------


def describe_error(error: BaseException, root: Path) -> str:
    """A one-message description of a program failure, pointing at the program's own file and line."""
    if isinstance(error, pulumi.RunError):
        return str(error)
    if isinstance(error, SystemExit):
        return f"the program exited with status {error.code}"
    location = program_location(error, root)
    where = f"\n  at {location}" if location else ""
    return f"the program failed: {type(error).__name__}: {error}{where}"


def program_location(error: BaseException, root: Path) -> str | None:
    """The innermost frame of the project itself in the error's traceback (or in what caused it).

    Never a frame of the standard library, of an installed package or of asyncio: when the program's own code
    is nowhere in the traceback (an SDK task failing on its own), there is no location to give.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = [f for f in traceback.extract_tb(current.__traceback__) if is_program_file(f.filename, root)]
        if frames:
            frame = frames[-1]
            return f"{os.path.relpath(Path(frame.filename).resolve(), root)}:{frame.lineno}"
        current = current.__cause__ or current.__context__
    return None


def is_program_file(filename: str, root: Path) -> bool:
    """A file of the project itself, not of a virtualenv or installed package that happens to live inside it."""
    if filename.startswith("<"):
        return False
    try:
        resolved = Path(filename).resolve()
    except OSError:
        return False
    return (
        resolved.is_relative_to(root)
        and not resolved.is_relative_to(Path(sys.prefix).resolve())
        and "site-packages" not in resolved.parts
        and "dist-packages" not in resolved.parts
    )


# --- Frames: what the subprocess sends ---------------------------------------------------------------------------

_HEADER = struct.Struct(">II")


def write_frame(fd: int, header: Mapping[str, Any], blob: bytes = b"") -> None:
    """One message: lengths, a JSON header, then an optional binary payload (a protobuf message)."""
    encoded = json.dumps(header, separators=(",", ":")).encode()
    data = _HEADER.pack(len(encoded), len(blob)) + encoded + blob
    while data:
        written = os.write(fd, data)
        data = data[written:]


class FrameDecoder:
    """Frames out of a byte stream that arrives in pieces; a partial last frame waits for the rest."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[tuple[dict[str, Any], bytes]]:
        self._buffer += chunk
        frames, offset = [], 0
        while len(self._buffer) - offset >= _HEADER.size:
            header_size, blob_size = _HEADER.unpack_from(self._buffer, offset)
            start = offset + _HEADER.size
            end = start + header_size + blob_size
            if len(self._buffer) < end:
                break
            header = json.loads(bytes(self._buffer[start : start + header_size]))
            frames.append((header, bytes(self._buffer[start + header_size : end])))
            offset = end
        del self._buffer[:offset]
        return frames


def read_frames(fd: int) -> Iterator[tuple[dict[str, Any], bytes]]:
    """The frames written to ``fd`` until its writer closes it (an incomplete last frame is dropped)."""
    decoder = FrameDecoder()
    while chunk := os.read(fd, 1 << 16):
        yield from decoder.feed(chunk)


class FrameSink:
    """A sink that writes each registration to a file descriptor (the subprocess side)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lock = threading.Lock()
        self.count = 0

    def send(self, header: Mapping[str, Any], blob: bytes = b"") -> None:
        with self.lock:
            write_frame(self.fd, header, blob)

    def resource(self, request: Any, urn: str, resource_id: str | None, *, read: bool) -> None:
        with self.lock:
            self.count += 1
            write_frame(self.fd, {"kind": "read" if read else "resource", "urn": urn, "id": resource_id},
                        request.SerializeToString())  # fmt: skip

    def stack(self, urn: str) -> None:
        self.send({"kind": "stack", "urn": urn})

    def outputs(self, request: Any) -> None:
        self.send({"kind": "outputs"}, request.SerializeToString())

    def log(self, severity: str, message: str, urn: str) -> None:
        self.send({"kind": "log", "severity": severity, "message": message, "urn": urn})


def _sdk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - only in a subprocess

    try:
        return version("pulumi")
    except PackageNotFoundError:
        return "unknown"


def main() -> None:
    """``python bootstrap.py FD``: run the job read from stdin (JSON) and send what it records to FD."""
    fd = int(sys.argv[1])
    spec = json.load(sys.stdin)
    sink = FrameSink(fd)
    job = Job(**spec["job"])
    main_path, program_dir = spec["main"], spec["program_dir"]
    root = Path(job.root)
    parent = os.getppid()
    sink.send({"kind": "started", "python": sys.version.split()[0], "pulumi": _sdk_version()})
    os.chdir(program_dir)
    sys.argv = [main_path]
    # As the language host runs a program: its folder first on sys.path (not this file's, nor the working dir).
    sys.path[:] = [program_dir, *(entry for entry in sys.path if entry not in ("", os.path.dirname(__file__)))]

    def watchdog() -> None:
        if os.getppid() != parent:  # aiscale went away: nobody reads what this run records
            os._exit(3)
        sink.send({"kind": "progress", "resources": sink.count, "modules": len(sys.modules)})

    def work() -> ConstructionOrder:
        return execute(job, lambda: runpy.run_path(main_path, run_name="__main__"), sink)

    _, construction, error = run_in_thread(work, tick=watchdog)
    if error is not None:
        sink.send({"kind": "error", "message": describe_error(error, root)})
    else:
        sink.send({"kind": "done", "order": [[t, n, i] for (t, n), i in construction.order.items()]})
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

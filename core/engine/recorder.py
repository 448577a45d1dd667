"""Recording what a Pulumi program registers, under the SDK's mock engine.

:class:`RecordingMonitor` subclasses the SDK's ``MockMonitor`` and keeps a copy of every
``RegisterResourceRequest`` — the exact wire form a real engine (and CrossGuard) would receive.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from google.protobuf import struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import engine_pb2, resource_pb2
from pulumi.runtime.settings import get_project, get_stack

from aiscale.core.engine import stack_references, wire

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class SourceLocation:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Registration:
    """One resource as the engine would see it in a preview."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    id: str | None
    """Deterministic fake id outside preview; None in preview for new resources (a real preview does not know it)."""
    wire_inputs: struct_pb2.Struct
    """Inputs exactly as sent on the wire (for the policy analyzer)."""
    inputs: dict[str, Any]
    """Inputs for reports: secrets as ``[secret]``, unknowns as ``[unknown]``."""
    protect: bool
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str | None
    ignore_changes: list[str]
    delete_before_replace: bool
    retain_on_delete: bool
    custom_timeouts: dict[str, str]
    additional_secret_outputs: list[str]
    aliases: int
    """Number of aliases the program declared (0 when the offline engine stripped them)."""
    read: bool = False
    """Registered by ``get``/``read`` of an existing resource rather than created."""
    source: SourceLocation | None = None
    """Where the resource constructor was called."""
    program_source: SourceLocation | None = None
    """The first frame of that call inside the project directory (the program line that led to it)."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """Outputs registered by a component (``register_outputs``), redacted."""

    @property
    def has_secret_inputs(self) -> bool:
        return wire.contains_secret(wire.struct_to_python(self.wire_inputs))


def _location(uri: str, line: int, root: Path) -> SourceLocation | None:
    if not uri or not line:
        return None
    path = Path(unquote(urlparse(uri).path))
    try:
        shown = path.resolve().relative_to(root).as_posix()
    except ValueError:
        shown = _site_relative(path)
    return SourceLocation(shown, line)


def _site_relative(path: Path) -> str:
    """Files of installed packages are shown from the package down (``aiscale/components/...``)."""
    parts = path.parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            return "/".join(parts[parts.index(marker) + 1 :])
    return path.as_posix()


def _offline_aks_kubeconfig(cluster: str) -> str:
    """An Entra ID (kubelogin) kubeconfig shaped like the one AKS returns, base64 as the API sends it."""
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


class OfflineMocks(pulumi_mocks.Mocks):
    """Deterministic answers in place of cloud providers.

    In preview mode new resources get no id and only their scalar inputs as outputs, so everything a provider
    would compute is unknown, as in a real ``pulumi preview``. Outside preview, ids are derived from type and name,
    and ``name`` from the name input.
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

    def __init__(self, preview: bool) -> None:
        self.preview = preview

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        # Only scalar inputs are echoed as outputs: providers reshape nested values (azure-native returns a map
        # where a list went in), so echoing those would hand the program outputs of the wrong shape.
        state = {key: value for key, value in args.inputs.items() if isinstance(value, str | int | float | bool)}
        if args.typ == stack_references.STACK_REFERENCE:
            return args.resource_id, stack_references.answer(args.resource_id or args.name)
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

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict[str, Any]:
        # A bare dict: the SDK's MockMonitor iterates the failures of a (result, failures) tuple, None included.
        answer = self.INVOKES.get(args.token)
        return answer(args.args) if answer else {}


class RecordingEngine:
    """Collects what the program logs (warnings and errors matter: a logged error fails a real update)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, str]] = []

    def Log(self, request: engine_pb2.LogRequest) -> None:
        severity = engine_pb2.LogSeverity.Name(request.severity).lower()
        self.messages.append((severity, request.message, request.urn))

    def errors(self) -> list[str]:
        return [message for severity, message, _ in self.messages if severity == "error"]

    def warnings(self) -> list[str]:
        return [message for severity, message, _ in self.messages if severity == "warning"]


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that records each registration and builds URNs the way the real engine does."""

    def __init__(
        self,
        mocks: OfflineMocks,
        root: Path,
        on_register: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(mocks)
        self.root = root
        self.registrations: dict[str, Registration] = {}
        self.stack_urn: str | None = None
        self.stack_outputs: dict[str, Any] = {}
        self._on_register = on_register
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The real engine prefixes a child's type with its parent's full qualified type, except for the stack.
        # The SDK's MockMonitor keeps only the last parent type and prefixes the stack too.
        if parent:
            qualified = parent.split("::")[2]
            if qualified != STACK_TYPE:
                type_ = f"{qualified}${type_}"
        return "urn:pulumi:" + "::".join([get_stack(), get_project(), type_, name])

    def RegisterResource(self, request: resource_pb2.RegisterResourceRequest):
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            self.stack_urn = response.urn
            return response
        self._record(request, response.urn, response.id or None, read=False)
        return response

    def ReadResource(self, request: resource_pb2.ReadResourceRequest):
        response = super().ReadResource(request)
        self._record(request, response.urn, request.id or None, read=True)
        return response

    def RegisterResourceOutputs(self, request: resource_pb2.RegisterResourceOutputsRequest):
        outputs = wire.redact(wire.struct_to_python(request.outputs))
        with self._lock:
            if request.urn == self.stack_urn:
                self.stack_outputs = outputs
            elif request.urn in self.registrations:
                self.registrations[request.urn].outputs = outputs
        return super().RegisterResourceOutputs(request)

    def _record(self, request: Any, urn: str, resource_id: str | None, *, read: bool) -> None:
        wire_inputs = struct_pb2.Struct()
        wire_inputs.CopyFrom(request.properties if read else request.object)
        position = request.sourcePosition if request.HasField("sourcePosition") else None
        program_position = self._program_frame(request)
        parent = request.parent or None
        registration = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=None if parent == self.stack_urn else parent,
            custom=True if read else bool(request.custom),
            id=resource_id if read or request.custom else None,
            wire_inputs=wire_inputs,
            inputs=wire.redact(wire.struct_to_python(wire_inputs)),
            protect=False if read else bool(request.protect),
            # The SDK collects dependencies in sets: sort them so that reports are deterministic.
            dependencies=[] if read else sorted(d for d in request.dependencies if d != self.stack_urn),
            property_dependencies={}
            if read
            else {key: sorted(deps.urns) for key, deps in sorted(request.propertyDependencies.items())},
            provider=request.provider or None,
            ignore_changes=[] if read else list(request.ignoreChanges),
            delete_before_replace=False if read else bool(request.deleteBeforeReplace),
            retain_on_delete=False if read else bool(request.retainOnDelete),
            custom_timeouts={}
            if read or not request.HasField("customTimeouts")
            else {
                key: value
                for key, value in (
                    ("create", request.customTimeouts.create),
                    ("update", request.customTimeouts.update),
                    ("delete", request.customTimeouts.delete),
                )
                if value
            },
            additional_secret_outputs=list(request.additionalSecretOutputs),
            aliases=0 if read else len(request.aliases) + len(request.aliasURNs),
            read=read,
            source=_location(position.uri, position.line, self.root) if position else None,
            program_source=program_position,
        )
        with self._lock:
            self.registrations[urn] = registration
            count = len(self.registrations)
        if self._on_register is not None:
            self._on_register(count)

    def _program_frame(self, request: Any) -> SourceLocation | None:
        if not request.HasField("stackTrace"):
            return None
        for frame in request.stackTrace.frames:
            if not frame.HasField("pc"):
                continue
            path = Path(unquote(urlparse(frame.pc.uri).path))
            if path.is_relative_to(self.root) and ".venv" not in path.parts and "site-packages" not in path.parts:
                return _location(frame.pc.uri, frame.pc.line, self.root)
        return None

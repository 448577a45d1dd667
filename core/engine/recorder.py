"""What a Pulumi program registers, as reports and policies read it.

Every registration arrives in its wire form (``RegisterResourceRequest``, ``ReadResourceRequest``) — the exact
form a real engine and CrossGuard receive — from the monitor of ``aiscale.core.engine.bootstrap``; the
:class:`Recorder` keeps a copy and derives the readable :class:`Registration`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from google.protobuf import struct_pb2
from pulumi.runtime.proto import resource_pb2

from aiscale.core.engine import wire


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


def _site_relative(path: Path) -> str:
    """Files of installed packages are shown from the package down (``aiscale/components/...``)."""
    parts = path.parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            return "/".join(parts[parts.index(marker) + 1 :])
    return path.as_posix()


class Recorder:
    """Turns the wire form of each registration into a :class:`Registration` (the sink of a run).

    Fed directly by the monitor when the program runs in aiscale's interpreter, or from the frames a bootstrap
    subprocess sends (:meth:`receive`) when it runs in the project's own virtualenv.
    """

    def __init__(self, root: Path, on_register: Callable[[int], None] | None = None) -> None:
        self.root = root
        self.registrations: dict[str, Registration] = {}
        self.stack_urn: str | None = None
        self.stack_outputs: dict[str, Any] = {}
        self.messages: list[tuple[str, str, str]] = []
        self._on_register = on_register
        self._lock = threading.Lock()
        self._files: dict[str, tuple[str, bool]] = {}

    def errors(self) -> list[str]:
        return [message for severity, message, _ in self.messages if severity == "error"]

    def warnings(self) -> list[str]:
        return [message for severity, message, _ in self.messages if severity == "warning"]

    def stack(self, urn: str) -> None:
        self.stack_urn = urn

    def log(self, severity: str, message: str, urn: str) -> None:
        with self._lock:
            self.messages.append((severity, message, urn))

    def outputs(self, request: resource_pb2.RegisterResourceOutputsRequest) -> None:
        outputs = wire.redact(wire.struct_to_python(request.outputs))
        with self._lock:
            if request.urn == self.stack_urn:
                self.stack_outputs = outputs
            elif request.urn in self.registrations:
                self.registrations[request.urn].outputs = outputs

    def receive(self, header: Mapping[str, Any], blob: bytes) -> None:
        """One frame of a bootstrap subprocess (see ``bootstrap.FrameSink``)."""
        kind = header["kind"]
        if kind == "resource":
            self.resource(
                resource_pb2.RegisterResourceRequest.FromString(blob), header["urn"], header["id"], read=False
            )
        elif kind == "read":
            self.resource(resource_pb2.ReadResourceRequest.FromString(blob), header["urn"], header["id"], read=True)
        elif kind == "outputs":
            self.outputs(resource_pb2.RegisterResourceOutputsRequest.FromString(blob))
        elif kind == "stack":
            self.stack(header["urn"])
        elif kind == "log":
            self.log(header["severity"], header["message"], header["urn"])

    def resource(self, request: Any, urn: str, resource_id: str | None, *, read: bool) -> None:
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
            source=self._location(position.uri, position.line) if position else None,
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
            if frame.HasField("pc") and frame.pc.uri and self._file(frame.pc.uri)[1]:
                return self._location(frame.pc.uri, frame.pc.line)
        return None

    def _location(self, uri: str, line: int) -> SourceLocation | None:
        if not uri or not line:
            return None
        return SourceLocation(self._file(uri)[0], line)

    def _file(self, uri: str) -> tuple[str, bool]:
        """How the file ``uri`` is shown, and whether it is the program's own; looked up once per file (every
        registration's stack trace names the same few files, and resolving a path asks the file system)."""
        known = self._files.get(uri)
        if known is None:
            path = Path(unquote(urlparse(uri).path))
            own = path.is_relative_to(self.root) and ".venv" not in path.parts and "site-packages" not in path.parts
            try:
                shown = path.resolve().relative_to(self.root).as_posix()
            except ValueError:
                shown = _site_relative(path)
            known = self._files[uri] = (shown, own)
        return known

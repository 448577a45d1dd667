"""Turning the engine's wire form (protobuf ``Struct`` values) into plain JSON for reports.

The wire form is what a real engine and CrossGuard receive: camelCase property names, secrets wrapped in a
signature object, unknown values as a sentinel string, resource references as signature objects. Reports show
secrets as ``"[secret]"`` and unknowns as ``"[unknown]"`` and never the secret's value.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc

SECRET = "[secret]"
UNKNOWN = "[unknown]"

_SIG = rpc._special_sig_key
_SECRET_SIG = rpc._special_secret_sig
_RESOURCE_SIG = rpc._special_resource_sig
_ASSET_SIG = rpc._special_asset_sig
_ARCHIVE_SIG = rpc._special_archive_sig
_OUTPUT_SIG = rpc._special_output_value_sig


def struct_to_python(struct: struct_pb2.Struct) -> dict[str, Any]:
    """The raw wire form as Python data (signatures kept); numbers are floats as on the wire."""
    return json_format.MessageToDict(struct)


def redact(value: Any) -> Any:
    """Wire data made safe and readable for reports: secrets hidden, unknowns marked, references as URNs."""
    if isinstance(value, str):
        return UNKNOWN if value == rpc.UNKNOWN else value
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, dict):
        signature = value.get(_SIG)
        if signature == _SECRET_SIG:
            return SECRET
        if signature == _OUTPUT_SIG:
            if value.get("secret"):
                return SECRET
            return redact(value["value"]) if "value" in value else UNKNOWN
        if signature == _RESOURCE_SIG:
            return {"resourceRef": value.get("urn", UNKNOWN)}
        if signature == _ASSET_SIG:
            return {"asset": value.get("path") or value.get("uri") or "[text]"}
        if signature == _ARCHIVE_SIG:
            return {"archive": value.get("path") or value.get("uri") or "[assets]"}
        return {key: redact(value[key]) for key in sorted(value)}
    if isinstance(value, float) and value.is_integer():
        # protobuf Struct has only doubles; show whole numbers as integers in reports.
        return int(value)
    return value


def contains_secret(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get(_SIG) == _SECRET_SIG or any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return False

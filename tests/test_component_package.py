"""aiscale as a Pulumi component package: Pulumi's own schema analyzer accepts every component and blueprint,
the schema is snapshotted (a schema diff is the API review), the entry point serves it over gRPC, and the
provider host's servicer constructs components through a resource monitor, as an engine would.

``AISCALE_UPDATE_SCHEMA=1`` rewrites ``docs/schema.json`` after a deliberate API change (and the test still fails
once, so that the diff gets reviewed).
"""

import asyncio
import functools
import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any, cast

import grpc
import pulumi
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.server import ProviderServicer
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from aiscale.blueprints import package
from aiscale.blueprints.package import PACKAGE_COMPONENTS, provider
from aiscale.core.engine import wire
from aiscale.core.engine.bootstrap import OfflineMocks, RecordingMonitor
from aiscale.core.engine.recorder import Recorder
from tests.conftest import REPO, assert_recorded

SCHEMA = REPO / "docs" / "schema.json"


@functools.cache
def schema() -> dict[str, Any]:
    return package.schema()


def schema_text() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("component", PACKAGE_COMPONENTS, ids=lambda c: c.__name__)
def test_the_schema_analyzer_accepts_each_component_alone(component: type[pulumi.ComponentResource]) -> None:
    result = Analyzer("aiscale").analyze([component])
    definition = result["component_definitions"][component.__name__]
    assert definition.inputs and definition.outputs
    assert definition.description


def test_the_schema_analyzer_accepts_the_whole_package() -> None:
    result = Analyzer("aiscale").analyze(PACKAGE_COMPONENTS)
    assert sorted(result["component_definitions"]) == sorted(c.__name__ for c in PACKAGE_COMPONENTS)
    assert {dependency.name for dependency in result["dependencies"]} == {"azure-native", "gcp", "kubernetes"}


def test_schema_snapshot() -> None:
    assert_recorded(SCHEMA, schema_text(), "AISCALE_UPDATE_SCHEMA")


def test_every_component_is_a_resource_of_the_schema_under_its_type_token() -> None:
    resources = schema()["resources"]
    assert list(resources) == [f"aiscale:index:{c.__name__}" for c in PACKAGE_COMPONENTS]
    assert all(resource["isComponent"] for resource in resources.values())


def test_inputs_in_the_schema_say_what_they_are() -> None:
    """Every input of every component has a description; an undocumented argument is an unreviewed API."""
    package = schema()
    undocumented = [
        f"{token}.{name}"
        for token, resource in package["resources"].items()
        for name, prop in resource["inputProperties"].items()
        if not prop.get("description")
    ]
    assert undocumented == [], undocumented


def test_the_plugin_manifest_runs_the_provider_host() -> None:
    manifest = yaml.safe_load((REPO / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert (REPO / manifest["runtime"]["options"]["virtualenv"] / "bin" / "python").exists()
    assert "serve()" in (REPO / "__main__.py").read_text()
    assert "-c requirements.lock" in (REPO / "requirements.txt").read_text().splitlines()


@pytest.fixture(scope="module")
def served_provider() -> Iterator[str]:
    """``__main__.py`` as the engine starts it: the provider's address, from the port it prints."""
    process = subprocess.Popen(
        [sys.executable, str(REPO / "__main__.py"), "127.0.0.1:1"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), process.stderr.read() if process.stderr else port
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_entry_point_serves_the_schema_over_grpc(served_provider: str) -> None:
    with grpc.insecure_channel(served_provider) as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        response = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60)
    assert json.loads(response.schema) == json.loads(SCHEMA.read_text())


# --- Construct through the provider host's servicer ---------------------------------------------------------


class _Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    """The resource monitor an engine would run, recording registrations (the offline engine's monitor)."""

    def __init__(self, monitor: RecordingMonitor) -> None:
        self.recorder = monitor

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        # The mock monitor answers with a stand-in object that has the message's field; gRPC needs the message.
        answer = cast(resource_pb2.SupportsFeatureResponse, self.recorder.SupportsFeature(request))
        return resource_pb2.SupportsFeatureResponse(hasSupport=answer.hasSupport)

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        return self.recorder.GetDeploymentInfo(request)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        return self.recorder.RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        return self.recorder.RegisterResourceOutputs(request)

    def Invoke(self, request: Any, context: Any) -> Any:
        return self.recorder.Invoke(request)

    def RegisterStackTransform(self, request: Any, context: Any) -> Any:
        return self.recorder.RegisterStackTransform(request)


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[str] = []

    def Log(self, request: Any, context: Any) -> Any:
        self.logs.append(request.message)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()


class _Context:
    """The gRPC context of an in-process call: an abort is the test's failure."""

    async def abort_with_status(self, status: Any) -> None:
        raise AssertionError(f"Construct aborted: {status.details}")


STACK_URN = "urn:pulumi:dev::team::pulumi:pulumi:Stack::team-dev"


def construct(type_token: str, name: str, inputs: dict[str, Any]) -> tuple[Any, Recorder, list[str]]:
    """Construct a component through ``ProviderServicer.Construct``, with a gRPC monitor and engine in process."""

    recorder = Recorder(REPO)
    monitor = RecordingMonitor(OfflineMocks(preview=True), recorder, REPO)
    engine = _Engine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_Monitor(monitor), server)
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        servicer = ProviderServicer(provider(), [], engine_address=f"127.0.0.1:{port}")
        properties = struct_pb2.Struct()
        properties.update(inputs)
        request = provider_pb2.ConstructRequest(
            project="team",
            stack="dev",
            organization="organization",
            dryRun=True,
            monitorEndpoint=f"127.0.0.1:{port}",
            type=type_token,
            name=name,
            parent=STACK_URN,
            inputs=properties,
        )
        # The stand-in has the one method Construct uses of its gRPC servicer context.
        response = asyncio.run(servicer.Construct(request, cast(Any, _Context())))
    finally:
        server.stop(grace=None)
    return response, recorder, engine.logs


def test_a_component_is_constructed_through_the_provider_host() -> None:
    # As a TypeScript program sends it: camelCase names, every number a float.
    inputs = {
        "project": "team-dev",
        "projectNumber": "123456789012",
        "location": "europe-west4",
        "keyRingName": "team-dev",
        "keys": {"models": {"rotationDays": 30.0, "serviceAgents": ["aiplatform"]}},
        "labels": {"owner": "team"},
        "protect": True,
    }
    response, recorder, _ = construct("aiscale:index:KmsKeyRing", "team-kms", inputs)
    # (The in-process monitor names stack and project itself: the engine would put dev::team there.)
    assert response.urn.endswith("::aiscale:index:KmsKeyRing::team-kms")
    registered = {r.name: r for r in recorder.registrations.values()}
    assert sorted(registered) == [
        "team-kms",
        "team-kms-aiplatform-agent",
        "team-kms-key-ring",
        "team-kms-models",
        "team-kms-models-aiplatform",
    ]
    key = registered["team-kms-models"]
    assert key.parent == response.urn and key.protect
    assert key.inputs["rotationPeriod"] == "2592000s"  # 30 days, the float turned back into days
    assert key.inputs["labels"] == {"owner": "team"}
    state = wire.redact(wire.struct_to_python(response.state))
    assert {"keyRingId", "keyIds", "serviceAgentMembers"} <= set(state)
    assert state["serviceAgentMembers"] == {
        "aiplatform": "serviceAccount:service-123456789012@gcp-sa-aiplatform.iam.gserviceaccount.com"
    }


def test_a_blueprint_is_constructed_through_the_provider_host_from_a_stack_file_s_settings() -> None:
    inputs = {
        "owner": "fraud-detection",
        "costCenter": "cc-2001",
        "gcp": {
            "project": "fraud-dev",
            "projectNumber": "456789012345",
            "region": "europe-west4",
            "kms": {"keyRing": "fraud-dev", "keys": {"models": {"consumers": ["aiplatform", "storage"]}}},
        },
    }
    response, recorder, _ = construct("aiscale:index:GcpGpuInferencePlatform", "fraud", inputs)
    types = sorted(r.type for r in recorder.registrations.values())
    assert types == [
        "aiscale:index:GcpGpuInferencePlatform",
        "aiscale:index:KmsKeyRing",
        "gcp:kms/cryptoKey:CryptoKey",
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
        "gcp:kms/keyRing:KeyRing",
        "gcp:projects/serviceIdentity:ServiceIdentity",
    ]
    key = next(r for r in recorder.registrations.values() if r.type == "gcp:kms/cryptoKey:CryptoKey")
    # The environment came from the stack name (dev): its presets apply.
    assert key.inputs["labels"]["environment"] == "dev"
    assert key.inputs["destroyScheduledDuration"] == "86400s"
    state = wire.redact(wire.struct_to_python(response.state))
    assert state["project"] == "fraud-dev"
    assert state["keyIds"] == "[unknown]"  # a preview: the key's id is not known yet


def test_a_blueprint_refuses_bad_settings_with_every_path() -> None:
    inputs = {
        "owner": "fraud-detection",
        "costCenter": "cc-2001",
        "gcp": {"project": "Fraud", "projectNumber": "1", "region": "europe-west4", "kms": {"keyRing": "r"}},
    }
    with pytest.raises(
        Exception, match=r"aiscale:index:GcpGpuInferencePlatform: args: invalid configuration"
    ) as caught:
        construct("aiscale:index:GcpGpuInferencePlatform", "fraud", inputs)
    assert "gcp.project: String should match pattern" in str(caught.value)
    assert "gcp.project_number: String should match pattern" in str(caught.value)


def test_the_schema_file_is_what_the_host_serves() -> None:
    assert json.loads(SCHEMA.read_text()) == schema()


def test_schema_size_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    package = schema()
    properties = sum(
        len(r["inputProperties"]) + len(r.get("properties", {})) for r in package["resources"].values()
    ) + sum(len(t.get("properties", {})) for t in package["types"].values())
    assert Path(SCHEMA).stat().st_size > 0 and properties > 0
    print(f"{len(package['resources'])} components, {len(package['types'])} types, {properties} properties")


def test_the_provider_host_and_google_client_libraries_load_in_one_process() -> None:
    code = "import aiscale.blueprints.package, pulumi.provider.server; from google.api_core import exceptions"
    for order in (code, "from google.api_core import exceptions; " + code):
        result = subprocess.run([sys.executable, "-c", order], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr

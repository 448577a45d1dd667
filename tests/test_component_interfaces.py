"""The cross-cutting interfaces: one shape each, under one name, on every component that takes it.

A component that takes a customer-managed key, private endpoint, control plane access, tags, labels, protection,
a lock, diagnostics or alert routing takes it under the interface's name and with the interface's shape, so the
vocabulary cannot drift between components or clouds. Type tokens are the ones the component provider host serves.
"""

import ast
import inspect
import sys
import typing

import pulumi
import pytest

from aiscale.components.catalog import COMPONENTS
from aiscale.components.common.azure_alerts import AzureAlertRoutingArgs
from aiscale.components.common.azure_diagnostics import AzureDiagnosticsArgs
from aiscale.components.common.control_plane import ControlPlaneAccessArgs
from aiscale.components.common.customer_managed_key import AzureCustomerManagedKeyArgs, GcpCustomerManagedKeyArgs
from aiscale.components.common.gcp_alerts import GcpAlertRoutingArgs
from aiscale.components.common.gcp_diagnostics import GcpDiagnosticsArgs
from aiscale.components.common.gpu_pool import GpuPoolAlertsArgs
from aiscale.components.common.maintenance import MaintenanceWindowArgs
from aiscale.components.common.private_endpoint import PrivateEndpointArgs
from aiscale.components.common.protection import ResourceLockArgs
from aiscale.components.common.slo import EndpointSloArgs
from aiscale.components.common.tags import Labels, Tags
from aiscale.components.common.type_tokens import type_token
from aiscale.core import rules
from tests.conftest import REPO

AZURE, GCP = "aiscale.components.azure", "aiscale.components.gcp"
KEY = {AZURE: AzureCustomerManagedKeyArgs, GCP: GcpCustomerManagedKeyArgs}
#: Interface argument name -> the one shape it has (per cloud where the clouds differ).
INTERFACES: dict[str, dict[str, object]] = {
    "customer_managed_key": KEY,
    "disk_encryption_key": KEY,
    "secrets_encryption_key": KEY,
    "private_endpoint": {AZURE: PrivateEndpointArgs},
    "control_plane": {AZURE: ControlPlaneAccessArgs, GCP: ControlPlaneAccessArgs},
    "diagnostics": {AZURE: AzureDiagnosticsArgs, GCP: GcpDiagnosticsArgs},
    "alert_routing": {AZURE: AzureAlertRoutingArgs, GCP: GcpAlertRoutingArgs},
    "lock": {AZURE: ResourceLockArgs},
    "maintenance_window": {AZURE: MaintenanceWindowArgs, GCP: MaintenanceWindowArgs},
    "slo": {AZURE: EndpointSloArgs, GCP: EndpointSloArgs},
}


def args_type(component: type[pulumi.ComponentResource]) -> type:
    return inspect.get_annotations(component.__init__)["args"]


def fields(component: type[pulumi.ComponentResource]) -> dict[str, object]:
    """The args' fields with NotRequired unwrapped."""
    hints = inspect.get_annotations(args_type(component))
    return {
        name: typing.get_args(hint)[0] if typing.get_origin(hint) is typing.NotRequired else hint
        for name, hint in hints.items()
    }


def cloud(component: type[pulumi.ComponentResource]) -> str:
    return component.__module__.rsplit(".", 1)[0]


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_type_token_is_the_class_name_and_the_old_token_an_alias(component: type[pulumi.ComponentResource]) -> None:
    module = sys.modules[component.__module__]
    assert module.COMPONENT == type_token(component.__name__) == f"aiscale:index:{component.__name__}"
    # Components added after 0.2 never had another token.
    previous = getattr(module, "PREVIOUS_TYPE", None)
    if previous is not None:
        assert previous.startswith(("aiscale:azure:", "aiscale:gcp:", "aiscale:k8s:")) and previous != module.COMPONENT


def test_class_and_args_names_are_unique() -> None:
    names = [c.__name__ for c in COMPONENTS] + [args_type(c).__name__ for c in COMPONENTS]
    assert len(names) == len(set(names))
    assert all(args_type(c).__name__ == f"{c.__name__}Args" for c in COMPONENTS)


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_interfaces_have_one_name_and_one_shape(component: type[pulumi.ComponentResource]) -> None:
    for name, shape in fields(component).items():
        if name in INTERFACES:
            assert shape is INTERFACES[name][cloud(component)], f"{component.__name__}.{name}"
        if name == "tags":
            assert shape == Tags, f"{component.__name__}.tags"
        if name in ("labels", "node_labels"):
            assert shape == Labels, f"{component.__name__}.{name}"
        if name == "protect":
            assert shape is bool
        if name == "alerts" and "GpuNodePool" in component.__name__:
            assert shape is GpuPoolAlertsArgs


def test_both_clouds_share_the_vocabulary_of_the_same_concepts() -> None:
    by_name = {c.__name__: fields(c) for c in COMPONENTS}
    for azure, gcp, shared in (
        (
            "AksGpuNodePool",
            "GkeGpuNodePool",
            {"pool_name", "min_nodes", "max_nodes", "purpose", "driver", "spot", "zones", "node_labels", "alerts"},
        ),
        ("AksCluster", "GkeCluster", {"control_plane", "maintenance_window", "secrets_encryption_key", "protect"}),
        ("OnlineEndpoint", "VertexEndpoint", {"endpoint_name", "deployments", "traffic", "slo", "alert_routing"}),
        ("AzureBudget", "GcpBudget", {"amount", "actual_thresholds", "forecast_thresholds", "alert_routing"}),
        ("AzureMonitoring", "GcpMonitoring", {"alert_emails", "runbook_base_url", "log_retention_days", "webhook_url"}),
        ("AzureAuditTrail", "GcpAuditTrail", {"customer_managed_key", "diagnostics", "alert_routing", "protect"}),
        ("AzureModelMonitor", "VertexModelMonitor", {"endpoint_name", "deployments", "alert_routing", "retraining"}),
    ):
        assert shared <= set(by_name[azure]) & set(by_name[gcp]), (azure, gcp)


def test_no_test_seams_in_public_args() -> None:
    for component in COMPONENTS:
        for name, shape in fields(component).items():
            assert not name.endswith(("_provider", "_client")), f"{component.__name__}.{name}"
            assert not (isinstance(shape, type) and issubclass(shape, pulumi.dynamic.ResourceProvider))


def test_component_modules_evaluate_their_annotations() -> None:
    """Postponed annotations would hide the args' types from the schema analyzer."""
    for folder in ("components", "blueprints"):
        for path in (REPO / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            imports = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
            assert not imports, path


#: Longest constructor: past it, a constructor is split into named steps so that it reads as a table of contents.
CONSTRUCTOR_LINES = 80


def test_constructors_read_as_a_table_of_contents() -> None:
    long = [
        f"{path.relative_to(REPO)}:{node.name} ({length} lines)"
        for folder in ("components", "blueprints")
        for path in (REPO / folder).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        for method in node.body
        if isinstance(method, ast.FunctionDef) and method.name == "__init__"
        if (length := (method.end_lineno or method.lineno) - method.lineno + 1) > CONSTRUCTOR_LINES
    ]
    assert not long


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        ({"owner": "ml"}, None),
        ({"a/b": "x"}, "tag name 'a/b' is longer than 512 characters or contains one of"),
        ({"owner": "x" * 257}, "tag 'owner' has a value longer than 256 characters"),
        ({f"t{i}": "x" for i in range(51)}, "51 tags exceed the Azure maximum of 50 per resource"),
    ],
)
def test_azure_tag_rule(tags: dict[str, str], problem: str | None) -> None:
    problems = rules.azure_tag_problems(tags)
    assert (problem is None and not problems) or any(p.startswith(problem or "") for p in problems)


@pytest.mark.parametrize(
    ("labels", "valid"),
    [
        ({"app.kubernetes.io/name": "scorer", "aiscale.io/gpu-pool": "a100"}, True),
        ({"empty-value": ""}, True),
        ({"bad key": "x"}, False),
        ({"UPPER.example/x": "x"}, False),
        ({"k": "-starts-with-dash"}, False),
        ({"k": "x" * 64}, False),
    ],
)
def test_kubernetes_label_rule(labels: dict[str, str], valid: bool) -> None:
    assert (rules.kubernetes_label_problems(labels) == []) is valid


@pytest.mark.parametrize(
    ("private", "ranges", "need_public", "fields_"),
    [
        (True, [], True, []),
        (True, ["10.0.0.0/20"], False, []),
        (True, ["10.0.0.0/20"], True, ["authorized_ranges"]),
        (False, [], False, ["authorized_ranges"]),
        (False, ["0.0.0.0/0"], False, ["authorized_ranges"]),
        (False, ["203.0.113.0/24"], True, []),
    ],
)
def test_control_plane_rule(private: bool, ranges: list[str], need_public: bool, fields_: list[str]) -> None:
    found = rules.control_plane_problems(private, ranges, ranges_need_public=need_public)
    assert [field for field, _ in found] == fields_


def test_slo_rule() -> None:
    assert rules.slo_problems(100, 200, 1) == []
    assert [f for f, _ in rules.slo_problems(300, 200, 0)] == ["latency_p99_ms", "error_rate_percent"]

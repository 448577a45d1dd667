"""The Azure sections of the stack configuration: presets and every cross-field rule."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from aiscale.core.config import StackConfig, validate_stack_config
from aiscale.core.errors import ConfigError
from tests.conftest import AZURE

FILE = "stacks/Pulumi.test.yaml"

PLATFORM: dict[str, Any] = {
    **copy.deepcopy(AZURE),
    "key_vault": {"name": "kv-test-weu", "keys": {"platform": {}, "disks": {}, "etcd": {}, "data": {}}},
    "network": {
        "address_space": "10.10.0.0/16",
        "system_subnet": "10.10.0.0/22",
        "endpoints_subnet": "10.10.4.0/24",
        "api_server_subnet": "10.10.5.0/28",
        "gpu_subnet": "10.10.8.0/21",
    },
    "aks": {"name": "aks-test", "admin_group_object_ids": ["3f6c0f5e-8a41-4c8e-9d2b-7a1e5c3b9f01"], "system_pool": {}},
    "gpu_pools": {"a100": {"vm_size": "Standard_NC24ads_A100_v4", "max_nodes": 3}},
    "ml": {
        "workspace_name": "mlw-test",
        "storage_account_name": "sttestml",
        "container_registry_name": "crtestml",
        "key_vault_name": "kv-test-ml",
        "endpoints": {
            "fraud": {
                "deployments": {"blue": {"model": "azureml:fraud:3", "instance_type": "Standard_NC4as_T4_v3"}},
                "traffic": {"blue": 100},
                "slo": {"latency_p95_ms": 100, "latency_p99_ms": 250},
                "monitoring": {
                    "signals": {"data_drift": {"threshold": 0.1}},
                    "reference": {"training_data": "azureml:fraud-training:1", "target_column": "is_fraud"},
                },
            }
        },
    },
    "budget": {"amount": 1000, "start_date": "2026-01-01", "contact_emails": ["finops@example.com"]},
    "teams": {
        "fraud": {
            "gpu_quota": 2,
            "cpu_quota": "16",
            "memory_quota": "64Gi",
            "group_object_id": "5b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a01",
        }
    },
    "monitoring": {"alerts": {"emails": ["oncall@example.com"], "runbook_base_url": "https://runbooks.example.com"}},
}


def raw(azure: dict[str, Any]) -> dict[str, str]:
    return {"owner": "team", "cost_center": "cc", "azure": json.dumps(azure)}


def validate(azure: dict[str, Any], stack: str = "dev") -> StackConfig:
    return validate_stack_config(raw(azure), stack=stack, stack_file=FILE)


def error_of(azure: dict[str, Any], stack: str = "dev") -> str:
    with pytest.raises(ConfigError) as caught:
        validate(azure, stack)
    return str(caught.value)


def changed(path: str, value: Any) -> dict[str, Any]:
    """PLATFORM with one value replaced (``a.b.c``), or removed when value is ...."""
    azure = copy.deepcopy(PLATFORM)
    *parents, last = path.split(".")
    target = azure
    for part in parents:
        target = target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return azure


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        (
            "dev",
            {
                "cmk": False,
                "tier": "Free",
                "system_min": 1,
                "gpu_min": 0,
                "instances": 1,
                "retention": 30,
                "isolation": "AllowInternetOutbound",
                "upgrade": "patch",
                "idle": 2,
                "kubelogin": "azurecli",
            },
        ),
        (
            "staging",
            {
                "cmk": True,
                "tier": "Standard",
                "system_min": 2,
                "gpu_min": 0,
                "instances": 1,
                "retention": 60,
                "isolation": "AllowOnlyApprovedOutbound",
                "upgrade": "patch",
                "idle": 4,
                "kubelogin": "workloadidentity",
            },
        ),
        (
            "prod",
            {
                "cmk": True,
                "tier": "Standard",
                "system_min": 3,
                "gpu_min": 1,
                "instances": 2,
                "retention": 90,
                "isolation": "AllowOnlyApprovedOutbound",
                "upgrade": "stable",
                "idle": None,
                "kubelogin": "workloadidentity",
            },
        ),
    ],
)
def test_platform_presets(stack: str, expected: dict[str, Any]) -> None:
    azure = validate(PLATFORM, stack).azure
    assert azure is not None and azure.aks is not None and azure.ml is not None and azure.monitoring is not None
    assert {
        "cmk": azure.cmk.enabled,
        "tier": azure.aks.tier,
        "system_min": azure.aks.system_pool.min_nodes,
        "gpu_min": azure.gpu_pools["a100"].min_nodes,
        "instances": azure.ml.endpoints["fraud"].deployments["blue"].min_instances,
        "retention": azure.monitoring.log_retention_days,
        "isolation": azure.ml.isolation_mode,
        "upgrade": azure.aks.upgrade_channel,
        "idle": azure.monitoring.gpu_idle_hours,
        "kubelogin": azure.aks.kubelogin,
    } == expected


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "gpu_pools.a100.vm_size",
            "Standard_D8s_v5",
            "aiscale:azure.gpu_pools.a100: vm_size 'Standard_D8s_v5' is not a GPU size aiscale knows; choose one of:",
        ),
        (
            "gpu_pools.a100.mig_profile",
            "MIG9g",
            "aiscale:azure.gpu_pools.a100.mig_profile: Input should be 'MIG1g', 'MIG2g', 'MIG3g', 'MIG4g' or 'MIG7g'",
        ),
        (
            "gpu_pools.a100",
            {"vm_size": "Standard_NC8as_T4_v3", "max_nodes": 2, "mig_profile": "MIG1g"},
            "mig_profile MIG1g needs a size whose GPU has known MIG profiles",
        ),
        (
            "gpu_pools.a100",
            {"vm_size": "Standard_NC8as_T4_v3", "min_nodes": 3, "max_nodes": 2},
            "min_nodes (3) must not exceed max_nodes (2)",
        ),
        (
            "gpu_pools.a100",
            {"vm_size": "Standard_NC8as_T4_v3", "max_nodes": 2, "spot_max_price": 1.0},
            "spot_max_price only applies to spot pools",
        ),
        (
            "gpu_pools",
            {"A100-Pool": {"vm_size": "Standard_NC8as_T4_v3", "max_nodes": 1}},
            "aiscale:azure.gpu_pools.A100-Pool (the key): String should match pattern",
        ),
        (
            "network.gpu_subnet",
            "10.99.0.0/24",
            "aiscale:azure.network: gpu_subnet 10.99.0.0/24 is not inside address_space 10.10.0.0/16",
        ),
        (
            "network.gpu_subnet",
            "10.10.0.0/24",
            "aiscale:azure.network: system_subnet 10.10.0.0/22 overlaps gpu_subnet 10.10.0.0/24",
        ),
        ("network.api_server_subnet", "10.10.5.0/29", "api_server_subnet 10.10.5.0/29 must be /28 or larger"),
        ("network", ..., "aiscale:azure: aks and ml need a network section"),
        ("monitoring", ..., "aiscale:azure: aks and ml need a monitoring section (logs and alerts)"),
        (
            "aks.api_server",
            {"private": False},
            "a public API server needs authorized_ip_ranges (it would be open to the internet)",
        ),
        (
            "aks.api_server",
            {"private": False, "authorized_ip_ranges": ["0.0.0.0/0"]},
            "authorized_ip_ranges must not contain 0.0.0.0/0",
        ),
        (
            "aks.pod_cidr",
            "10.10.128.0/17",
            "aiscale:azure: aks.pod_cidr 10.10.128.0/17 overlaps network.address_space 10.10.0.0/16",
        ),
        (
            "aks.admin_group_object_ids",
            [],
            "aiscale:azure.aks.admin_group_object_ids: List should have at least 1 item",
        ),
        (
            "aks.maintenance_window",
            {"duration_hours": 2},
            "aiscale:azure.aks.maintenance_window.duration_hours: Input should be greater than or equal to 4",
        ),
        (
            "key_vault.keys",
            {"platform": {}},
            "aiscale:azure: cmk.enabled needs keys ['data', 'disks', 'etcd'] in key_vault.keys",
        ),
        (
            "ml.endpoints.fraud.traffic",
            {"blue": 90},
            "aiscale:azure.ml.endpoints.fraud: traffic sums to 90; live traffic must sum to 100",
        ),
        (
            "ml.endpoints.fraud.mirror_traffic",
            {"blue": 10},
            "deployments ['blue'] take live traffic and cannot also receive mirror traffic",
        ),
        (
            "ml.endpoints.fraud.auth_mode",
            "key",
            "aiscale:azure.ml.endpoints.fraud.auth_mode: Input should be 'aad_token' or 'aml_token'",
        ),
        (
            "ml.endpoints.fraud.slo",
            {"latency_p95_ms": 300, "latency_p99_ms": 100},
            "latency_p99_ms (100) must be at least latency_p95_ms (300)",
        ),
        (
            "ml.endpoints.fraud.deployments.blue.model",
            "fraud:3",
            "aiscale:azure.ml.endpoints.fraud.deployments.blue.model: String should match pattern",
        ),
        (
            "budget.start_date",
            "2026-01-15",
            "aiscale:azure.budget.start_date: '2026-01-15' must be the first day of a month",
        ),
        (
            "budget.actual_thresholds",
            [50, 80, 100, 120, 150],
            "aiscale:azure: Azure allows at most 5 budget notifications; got 6",
        ),
        (
            "gpu_pools.t4",
            {"vm_size": "Standard_NC8as_T4_v3", "max_nodes": 2, "driver": "operator"},
            "aiscale:azure: gpu_pools: GPU pools mix driver modes (a100: platform, t4: operator); the NVIDIA GPU",
        ),
        (
            "gpu_pools.t4",
            {"vm_size": "Standard_NC8as_T4_v3", "max_nodes": 2, "driver": "none"},
            "aiscale:azure.gpu_pools.t4.driver: 'none' is now 'operator' (driver: platform or operator, on both clouds)",
        ),
        ("lock", "Frozen", "aiscale:azure.lock: Input should be 'CanNotDelete' or 'ReadOnly'"),
        (
            "teams.fraud.gpu_quota",
            4,
            "aiscale:azure: teams.fraud.gpu_quota (4) exceeds the GPUs of all pools at max_nodes (3)",
        ),
        (
            "teams.fraud.memory_quota",
            "64 GB",
            "aiscale:azure.teams.fraud.memory_quota: String should match pattern",
        ),
        (
            "teams.fraud.pod_security",
            "privileged",
            "aiscale:azure.teams.fraud.pod_security: Input should be 'restricted' or 'baseline'",
        ),
        (
            "teams",
            {"Fraud": {"gpu_quota": 1, "cpu_quota": "1", "memory_quota": "1Gi", "group_object_id": "x"}},
            "aiscale:azure.teams.Fraud (the key): String should match pattern",
        ),
        (
            "monitoring.alerts.runbook_base_url",
            "http://runbooks",
            "aiscale:azure.monitoring.alerts.runbook_base_url: String should match pattern",
        ),
    ],
)
def test_rules(path: str, value: Any, expected: str) -> None:
    config = changed(path, value)
    if path.startswith("aks.pod_cidr") or path.startswith("aks.admin") or path.startswith("key_vault.keys"):
        stack = "prod"
    else:
        stack = "dev"
    assert expected in error_of(config, stack)


def test_webhook_is_a_secret_field() -> None:
    azure = changed("monitoring.alerts.webhook_url", "https://hooks.example.com/T0/B0/secret-token")
    config = validate_stack_config(raw(azure), stack="dev", stack_file=FILE, secret_keys=frozenset({"azure"}))
    assert config.azure is not None and config.azure.monitoring is not None
    webhook = config.azure.monitoring.alerts.webhook_url
    assert webhook is not None and "secret-token" not in repr(config) and "secret-token" not in str(config.model_dump())
    assert webhook.get_secret_value().endswith("secret-token")


def test_teams_need_a_cluster() -> None:
    azure = changed("aks", ...)
    for key in ("gpu_pools", "ml", "network"):
        del azure[key]
    assert "aiscale:azure: teams need an aks section" in error_of(azure)

"""The Google Cloud section of the stack configuration: presets, CMEK wiring and every cross-field rule."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from aiscale.blueprints.gcp_platform import cmek_consumers
from aiscale.core.config import StackConfig, validate_stack_config
from aiscale.core.errors import ConfigError

FILE = "stacks/Pulumi.test.yaml"
IMAGE = "europe-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-5:latest"

PLATFORM: dict[str, Any] = {
    "project": "aiscale-test",
    "project_number": "123456789012",
    "region": "europe-west4",
    "billing_account": "01A2B3-C4D5E6-F7A8B9",
    "kms": {"key_ring": "aiscale-test", "keys": {"platform": {"consumers": ["storage"]}, "gke": {}}},
    "network": {
        "subnet": "10.110.0.0/20",
        "pods_range": "10.112.0.0/14",
        "services_range": "10.116.0.0/20",
        "master_range": "10.117.0.0/28",
        "private_service_access_range": "10.118.0.0/20",
    },
    "gke": {"name": "gke-test", "security_group": "gke-security-groups@example.com"},
    "gpu_pools": {"l4": {"machine_type": "g2-standard-8", "max_nodes": 3}},
    "endpoints": {
        "fraud": {
            "deployments": {
                "blue": {
                    "model": {"artifact_uri": "gs://models/fraud/3", "serving_container_image": IMAGE},
                    "machine_type": "g2-standard-8",
                }
            },
            "traffic": {"blue": 100},
            "slo": {"latency_p95_ms": 100, "latency_p99_ms": 250},
            "monitoring": {
                "signals": {"data_drift": {"threshold": 0.1}},
                "reference": {"training_data": "gs://models/fraud/train.csv", "target_column": "is_fraud"},
            },
        }
    },
    "budget": {"amount": 1000, "start_date": "2026-01-01", "contact_emails": ["finops@example.com"]},
    "monitoring": {"alerts": {"emails": ["oncall@example.com"], "runbook_base_url": "https://runbooks.example.com"}},
    "teams": {"fraud": {"gpu_quota": 2, "cpu_quota": "16", "memory_quota": "64Gi", "group_email": "fraud@example.com"}},
}


def validate(gcp: dict[str, Any], stack: str = "dev") -> StackConfig:
    raw = {"owner": "team", "cost_center": "cc", "gcp": json.dumps(gcp)}
    return validate_stack_config(raw, stack=stack, stack_file=FILE)


def error_of(gcp: dict[str, Any], stack: str = "dev") -> str:
    with pytest.raises(ConfigError) as caught:
        validate(gcp, stack)
    return str(caught.value)


def changed(path: str, value: Any) -> dict[str, Any]:
    """PLATFORM with one value replaced (``a.b.c``), or removed when value is ...."""
    gcp = copy.deepcopy(PLATFORM)
    *parents, last = path.split(".")
    target = gcp
    for part in parents:
        target = target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return gcp


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        (
            "dev",
            {"cmek": False, "channel": "REGULAR", "protection": False, "gpu_min": 0, "replicas": 1, "sampling": 0.1},
        ),
        (
            "staging",
            {"cmek": True, "channel": "REGULAR", "protection": False, "gpu_min": 0, "replicas": 1, "sampling": 0.5},
        ),
        ("prod", {"cmek": True, "channel": "STABLE", "protection": True, "gpu_min": 1, "replicas": 2, "sampling": 0.5}),
    ],
)
def test_presets(stack: str, expected: dict[str, Any]) -> None:
    gcp = validate(PLATFORM, stack).gcp
    assert gcp is not None and gcp.gke is not None and gcp.network is not None
    assert {
        "cmek": gcp.cmek.enabled,
        "channel": gcp.gke.release_channel,
        "protection": gcp.gke.deletion_protection,
        "gpu_min": gcp.gpu_pools["l4"].min_nodes,
        "replicas": gcp.endpoints["fraud"].deployments["blue"].min_replicas,
        "sampling": gcp.network.flow_log_sampling,
    } == expected
    assert gcp.endpoints["fraud"].network_access == "private_service_connect"


def test_cmek_consumers_get_their_service_agents() -> None:
    gcp = validate(PLATFORM, "prod").gcp
    assert gcp is not None
    # Configured consumers first, then the agents of what the stack deploys with CMEK: the budget's Pub/Sub topic
    # (cmek.pubsub_key, platform), and the dataset the monitored endpoint logs its requests to (BigQuery's agent).
    assert cmek_consumers(gcp) == {
        "platform": ["storage", "aiplatform", "pubsub", "bigquery"],
        "gke": ["container", "compute"],
    }
    audited = validate({**PLATFORM, "audit": {}}, "prod").gcp
    assert audited is not None
    assert cmek_consumers(audited)["platform"] == ["storage", "aiplatform", "logging", "pubsub", "bigquery"]
    dev = validate(PLATFORM, "dev").gcp
    assert dev is not None
    assert cmek_consumers(dev) == {"platform": ["storage"], "gke": []}


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "gpu_pools.l4.machine_type",
            "n2-standard-8",
            "aiscale:gcp.gpu_pools.l4: machine_type 'n2-standard-8' is not a GPU machine type aiscale knows",
        ),
        (
            "gpu_pools.l4",
            {"machine_type": "g2-standard-8", "max_nodes": 2, "partition_size": "1g.5gb"},
            "gpu_partition_size needs an accelerator with MIG",
        ),
        (
            "gpu_pools.l4",
            {"machine_type": "a2-highgpu-1g", "max_nodes": 2, "partition_size": "1g.10gb"},
            "gpu_partition_size '1g.10gb' is not offered for nvidia-tesla-a100; choose one of: 1g.5gb",
        ),
        (
            "gpu_pools.l4",
            {"machine_type": "g2-standard-8", "max_nodes": 2, "sharing": "MPS"},
            "sharing and max_shared_clients go together",
        ),
        (
            "gpu_pools.l4",
            {"machine_type": "g2-standard-8", "min_nodes": 3, "max_nodes": 2},
            "min_nodes (3) must not exceed max_nodes (2)",
        ),
        (
            "gpu_pools.batch",
            {"machine_type": "g2-standard-4", "max_nodes": 2, "driver": "operator"},
            "aiscale:gcp: gpu_pools: GPU pools mix driver modes",
        ),
        (
            "gpu_pools.batch",
            {"machine_type": "g2-standard-4", "max_nodes": 2, "driver": "LATEST"},
            "aiscale:gcp.gpu_pools.batch.driver: 'LATEST' is now driver: platform with driver_version: LATEST",
        ),
        (
            "gpu_pools.batch",
            {"machine_type": "g2-standard-4", "max_nodes": 2, "driver": "operator", "driver_version": "LATEST"},
            "driver_version applies to GKE-installed drivers; the GPU operator brings its own",
        ),
        (
            "budget.contact_emails",
            ["a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"],
            "budget.contact_emails has 5 and monitoring.alerts routes 1 more",
        ),
        ("network.master_range", "10.117.0.0/24", "master_range 10.117.0.0/24 must be a /28"),
        ("network.subnet", "8.8.0.0/20", "subnet 8.8.0.0/20 is not a private range"),
        ("network.pods_range", "10.108.0.0/14", "subnet 10.110.0.0/20 overlaps pods_range 10.108.0.0/14"),
        ("gke.authorized_networks", ["0.0.0.0/0"], "authorized_networks must not contain 0.0.0.0/0"),
        (
            "gke.private_endpoint",
            False,
            "a public control plane endpoint needs authorized_networks (it would be open to all)",
        ),
        ("network", ..., "aiscale:gcp: gke needs a network section"),
        ("monitoring", ..., "aiscale:gcp: gke and endpoints need a monitoring section"),
        ("billing_account", ..., "aiscale:gcp: budget needs billing_account"),
        (
            "budget.contact_emails",
            [f"a{i}@example.com" for i in range(6)],
            "a budget notifies at most 5 channels; budget.contact_emails has 6",
        ),
        (
            "budget.tag_filter",
            {"team": ["a", "b"]},
            "Google Cloud budgets filter on a single label value",
        ),
        ("gke.security_group", ..., "teams need gke.security_group (Google Groups for RBAC)"),
        ("teams.fraud.gpu_quota", 4, "teams.fraud.gpu_quota (4) exceeds the GPUs of all pools at max_nodes (3)"),
        ("endpoints.fraud.traffic", {"blue": 90}, "aiscale:gcp.endpoints.fraud: traffic sums to 90"),
        (
            "endpoints.fraud.health_check_path",
            "/health",
            "health_check_path applies to public endpoints",
        ),
        (
            "endpoints.fraud.request_logging_table",
            "bq://aiscale-test.logs.fraud",
            "request_logging_table needs request_logging_sampling (the share of requests logged)",
        ),
        (
            "endpoints.fraud.deployments.blue.model.artifact_uri",
            "s3://models/fraud",
            "aiscale:gcp.endpoints.fraud.deployments.blue.model.artifact_uri: String should match pattern",
        ),
        (
            "endpoints.fraud.deployments.blue.model.serving_container_image",
            "sklearn-cpu",
            "serving_container_image: String should match pattern",
        ),
        ("kms.keys", {"platform": {}}, "aiscale:gcp: cmek.enabled needs keys ['gke'] in kms.keys"),
    ],
)
def test_rules(path: str, value: Any, expected: str) -> None:
    stack = "prod" if path.startswith("kms.keys") else "dev"
    assert expected in error_of(changed(path, value), stack)


def test_vpc_peering_needs_a_reserved_range() -> None:
    gcp = changed("endpoints.fraud.network_access", "vpc_peering")
    del gcp["network"]["private_service_access_range"]
    assert "endpoints ['fraud'] use vpc_peering: set network.private_service_access_range" in error_of(gcp)


def test_private_endpoints_need_a_network() -> None:
    gcp = copy.deepcopy(PLATFORM)
    for key in ("network", "gke", "gpu_pools", "teams"):
        del gcp[key]
    assert "endpoints ['fraud'] are private: they need a network section" in error_of(gcp)
    gcp["endpoints"]["fraud"]["network_access"] = "public"
    assert validate(gcp).gcp is not None

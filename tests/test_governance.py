"""Governance end to end: config rules for the audit trail, cost attribution and residency; the repository's stacks
with their audit resources, locks and cost settings; the policies on the real stacks and on changed ones."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiscale.components.azure.audit_trail import DELIVERY_CONTAINER
from aiscale.components.gcp.audit_trail import DELIVERY_LOG
from aiscale.core import rules
from aiscale.core.cli import main
from aiscale.core.config import validate_stack_config
from aiscale.core.config.delivery import PromotionConfig
from aiscale.core.delivery import audit
from aiscale.core.engine import RecordedRun, run_stack
from aiscale.core.errors import ConfigError
from aiscale.policies.evaluation import evaluate, policy_config_for_stack
from tests.conftest import REPO
from tests.test_config_azure import PLATFORM as AZURE_PLATFORM
from tests.test_config_gcp import PLATFORM as GCP_PLATFORM

FILE = "stacks/Pulumi.test.yaml"
AUDIT = {"storage_account_name": "sttestaudit"}


def validate(stack: str = "dev", **values: Any) -> Any:
    raw = {
        "owner": "team",
        "cost_center": "cc",
        **{key: value if isinstance(value, str) else json.dumps(value) for key, value in values.items()},
    }
    return validate_stack_config(raw, stack=stack, stack_file=FILE)


def error_of(stack: str = "dev", **values: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        validate(stack, **values)
    return str(caught.value)


def azure(**changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(AZURE_PLATFORM)
    config.update(changes)
    return config


def gcp(**changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(GCP_PLATFORM)
    config.update(changes)
    return config


# --- Config: presets and rules ------------------------------------------------------------------------------


def test_presets_lock_the_audit_store_in_prod_only() -> None:
    for stack, locked, worm, table, bucket in (
        ("dev", False, 1, 90, 7),
        ("staging", False, 7, 365, 30),
        ("prod", True, 365, 2557, 400),
    ):
        config = validate(stack, azure=azure(audit=AUDIT), gcp=gcp(audit={}))
        assert (config.azure.audit.locked, config.azure.audit.worm_retention_days) == (locked, worm), stack
        assert config.azure.audit.table_retention_days == table
        assert (config.gcp.audit.locked, config.gcp.audit.retention_days) == (locked, bucket)
        assert config.azure.audit.categories == ["Administrative", "Security", "Policy", "Alert"]
        assert config.gcp.audit.services == ["aiplatform", "cloudkms", "container", "storage"]
        assert config.gcp.audit.log_types == ["DATA_READ", "DATA_WRITE"]


def test_cost_analysis_preset_follows_the_tier() -> None:
    assert validate("dev", azure=azure()).azure.aks.cost_analysis is False  # Free tier in dev
    assert validate("staging", azure=azure()).azure.aks.cost_analysis is True
    assert validate("prod", gcp=gcp()).gcp.gke.cost_allocation is True


@pytest.mark.parametrize(
    ("stack", "values", "expected"),
    [
        (
            "dev",
            {"azure": azure(aks={**AZURE_PLATFORM["aks"], "cost_analysis": True})},
            "aiscale:azure.aks.cost_analysis: AKS cost analysis needs tier Standard or Premium (tier is Free): set "
            "tier: Standard, or turn it off (got true)",
        ),
        (
            # The staging preset turns cost analysis on: a Free tier there says which field to change.
            "staging",
            {"azure": azure(aks={**AZURE_PLATFORM["aks"], "tier": "Free"})},
            "aiscale:azure.aks.cost_analysis: AKS cost analysis needs tier Standard or Premium (tier is Free)",
        ),
        (
            "prod",
            {"protect_stateful": False, "azure": azure(audit=AUDIT)},
            "aiscale:azure: audit.locked: locked needs protect_stateful: true (locking the audit store cannot be "
            "undone: a locked Cloud Logging bucket can never be unlocked",
        ),
        (
            "staging",
            {"gcp": gcp(audit={"locked": True})},
            "aiscale:gcp: audit.locked: locked needs protect_stateful: true (locking the audit store cannot be undone",
        ),
        (
            "dev",
            {"allowed_locations": ["westeurope"], "azure": azure(location="eastus")},
            "aiscale:azure: location: 'eastus' is outside allowed_locations ['westeurope']",
        ),
        (
            "dev",
            {
                "allowed_locations": ["europe-west4"],
                "gcp": gcp(gke={**GCP_PLATFORM["gke"], "zones": ["europe-west4-a", "us-central1-b"]}),
            },
            "aiscale:gcp: zones[us-central1-b]: 'us-central1-b' is outside allowed_locations ['europe-west4']",
        ),
        (
            "dev",
            {"allowed_locations": ["europe-west4"], "gcp": gcp(kms={**GCP_PLATFORM["kms"], "location": "us-east1"})},
            "aiscale:gcp: kms.location: 'us-east1' is outside allowed_locations ['europe-west4']",
        ),
        (
            "dev",
            {"gcp": gcp(budget_pubsub_topic="projects/p/topics/t")},
            "aiscale:gcp: budget_pubsub_topic is gone: the stack now creates the budget's topic",
        ),
        (
            "dev",
            {
                "azure": azure(
                    gpu_pools={"a100": {"vm_size": "Standard_NC24ads_A100_v4", "max_nodes": 3, "team": "search"}}
                )
            },
            "aiscale:azure: gpu_pools.a100.team must name one of teams ['fraud']",
        ),
        (
            "dev",
            {"gcp": gcp(gpu_pools={"l4": {"machine_type": "g2-standard-8", "max_nodes": 3, "team": "search"}})},
            "aiscale:gcp: gpu_pools.l4.team must name one of teams ['fraud']",
        ),
        (
            "dev",
            {
                "azure": {
                    k: v
                    for k, v in azure(audit=AUDIT).items()
                    if k not in ("monitoring", "aks", "ml", "teams", "gpu_pools")
                }
            },
            "audit needs a monitoring section (the activity log goes to its Log Analytics workspace)",
        ),
        (
            "dev",
            {"azure": {k: v for k, v in azure(cost={}).items() if k != "budget"}},
            "cost.anomaly_alert mails budget.contact_emails: add a budget section or turn it off",
        ),
        (
            "staging",
            {"gcp": gcp(audit={}, kms={**GCP_PLATFORM["kms"], "location": "europe-west1"})},
            "audit: the log bucket is in europe-west4 and its key must be too, but kms.location is europe-west1",
        ),
        (
            "staging",
            {"azure": azure(audit=AUDIT, key_vault={"name": "kv-test-weu", "keys": {"disks": {}, "etcd": {}}})},
            "cmk.enabled needs keys ['data'] in key_vault.keys",
        ),
        (
            "dev",
            {"azure": azure(audit={**AUDIT, "categories": ["Administrative", "Administrative"]})},
            "aiscale:azure.audit.categories: has duplicates",
        ),
        (
            "dev",
            {"gcp": gcp(audit={"services": ["bigquery"]})},
            "aiscale:gcp.audit.services[0]: Input should be 'aiplatform', 'cloudkms', 'container' or 'storage'",
        ),
    ],
)
def test_config_rules(stack: str, values: dict[str, Any], expected: str) -> None:
    message = error_of(stack, **values)
    assert message.startswith(f"invalid stack configuration in {FILE}:")
    assert expected in message


@pytest.mark.parametrize(
    ("location", "allowed"),
    [
        ("West Europe", True),
        ("europe-west4-b", True),  # a zone is in its region
        ("projects/aiscale-prod/locations/europe-west4", True),  # a location path, as Vertex AI schedules take it
        ("global", True),
        ("eastus", False),
        ("projects/aiscale-prod/locations/us-central1", False),
        ("europe-west1-b", False),
    ],
)
def test_the_residency_rule(location: str, allowed: bool) -> None:
    assert rules.location_allowed(location, ["westeurope", "europe-west4"]) is allowed


def test_allowed_locations_pass_what_the_stack_uses() -> None:
    config = validate("prod", allowed_locations=["West Europe", "europe-west4"], azure=azure(), gcp=gcp())
    assert config.allowed_locations == ["West Europe", "europe-west4"]


def test_a_bad_config_exits_2_naming_file_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path)
    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(
        stack_file.read_text().replace(
            "      name: aks-aiscale-dev\n", "      name: aks-aiscale-dev\n      cost_analysis: true\n"
        )
    )
    assert main(["plan", "dev", "--project", str(project)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid stack configuration in stacks/Pulumi.dev.yaml:\n")
    assert "  aiscale:azure.aks.cost_analysis: AKS cost analysis needs tier Standard or Premium (tier is Free)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("stack", "old", "new", "expected"),
    [
        (
            # Switching the lock's guard off in prod: the error says why the lock needs it.
            "prod",
            "  aiscale:cost_center: cc-4711\n",
            "  aiscale:cost_center: cc-4711\n  aiscale:protect_stateful: false\n",
            "  aiscale:azure: audit.locked: locked needs protect_stateful: true (locking the audit store cannot be "
            "undone: a locked Cloud Logging bucket can never be unlocked",
        ),
        (
            "staging",
            "    audit: {}\n",
            "    audit: {locked: true}\n",
            "  aiscale:gcp: audit.locked: locked needs protect_stateful: true (locking the audit store cannot be undone",
        ),
        (
            "prod",
            "        team: search  # the search team trains on it: the pool's cost is theirs\n",
            "        team: nobody\n",
            "  aiscale:azure: gpu_pools.h100train.team must name one of teams ['fraud', 'search']",
        ),
        (
            "prod",
            "  aiscale:allowed_locations: [westeurope, europe-west4]\n",
            "  aiscale:allowed_locations: [westeurope, europe-west1]\n",
            "  aiscale:gcp: region: 'europe-west4' is outside allowed_locations ['westeurope', 'europe-west1']",
        ),
    ],
)
def test_governance_config_errors_exit_2_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stack: str, old: str, new: str, expected: str
) -> None:
    project = copy_project(tmp_path)
    edit(project, stack, old, new)
    report = tmp_path / "plan.json"
    assert main(["plan", stack, "--project", str(project), "--format", "json", "--output", str(report)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: invalid stack configuration in stacks/Pulumi.{stack}.yaml:\n")
    assert expected in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not report.exists()


# --- The repository's stacks ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stacks() -> dict[str, RecordedRun]:
    return {stack: run_stack(REPO, stack) for stack in ("dev", "staging", "prod")}


def named(run: RecordedRun, name: str) -> Any:
    return next(r for r in run.registrations if r.name == name)


AUDIT_RESOURCES = [
    ("azure-native:operationalinsights:Table", "azure-monitoring-table-azureactivity"),
    ("azure-native:operationalinsights:Table", "azure-monitoring-table-azkvauditlogs"),
    ("azure-native:storage:StorageAccount", "azure-audit-storage"),
    ("azure-native:storage:BlobContainer", "azure-audit-activity-logs"),
    ("azure-native:storage:BlobContainerImmutabilityPolicy", "azure-audit-activity-logs-worm"),
    ("azure-native:storage:BlobContainer", "azure-audit-delivery"),
    ("azure-native:storage:BlobContainerImmutabilityPolicy", "azure-audit-delivery-worm"),
    ("azure-native:network:PrivateEndpoint", "azure-audit-pe-blob"),
    ("azure-native:network:PrivateDnsZoneGroup", "azure-audit-pe-blob-dns"),
    ("azure-native:monitor:SubscriptionDiagnosticSetting", "azure-audit-activity-log"),
    ("azure-native:monitor:ActivityLogAlert", "azure-audit-alert-key-vault-deleted"),
    ("azure-native:monitor:ActivityLogAlert", "azure-audit-alert-role-assignment-written"),
    ("azure-native:monitor:ActivityLogAlert", "azure-audit-alert-diagnostic-setting-deleted"),
    ("azure-native:monitor:ActivityLogAlert", "azure-audit-alert-lock-deleted"),
    ("azure-native:monitor:ScheduledQueryRule", "azure-audit-alert-key-deleted"),
    ("gcp:projects/iAMAuditConfig:IAMAuditConfig", "gcp-kms-audit-logs"),
    ("gcp:projects/iAMAuditConfig:IAMAuditConfig", "gcp-audit-aiplatform-audit-logs"),
    ("gcp:projects/iAMAuditConfig:IAMAuditConfig", "gcp-audit-container-audit-logs"),
    ("gcp:projects/iAMAuditConfig:IAMAuditConfig", "gcp-audit-storage-audit-logs"),
    ("gcp:logging/projectBucketConfig:ProjectBucketConfig", "gcp-audit-bucket"),
    ("gcp:logging/projectSink:ProjectSink", "gcp-audit-sink"),
    ("gcp:monitoring/alertPolicy:AlertPolicy", "gcp-audit-alert-audit-config-changed"),
]
#: What only the stacks with customer-managed keys (staging, prod) add: the audit account's key identity.
CMK_AUDIT_RESOURCES = [
    ("azure-native:managedidentity:UserAssignedIdentity", "azure-audit-identity"),
    ("azure-native:authorization:RoleAssignment", "azure-audit-key-user"),
]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_stack_has_the_same_audit_shape(stacks: dict[str, RecordedRun], stack: str) -> None:
    run = stacks[stack]
    present = {(r.type, r.name) for r in run.registrations}
    assert set(AUDIT_RESOURCES) <= present
    assert (set(CMK_AUDIT_RESOURCES) <= present) is (stack != "dev")
    bucket = named(run, "gcp-audit-bucket")
    assert bucket.inputs["locked"] is (stack == "prod")
    assert ("cmekSettings" in bucket.inputs) is (stack != "dev")
    assert named(run, "gcp-audit-bucket").inputs["location"] == "europe-west4"
    worm = named(run, "azure-audit-activity-logs-worm").inputs
    assert worm["immutabilityPeriodSinceCreationInDays"] == {"dev": 1, "staging": 7, "prod": 365}[stack]
    assert worm["allowProtectedAppendWrites"] is True
    assert (
        named(run, "azure-monitoring-table-azureactivity").inputs["totalRetentionInDays"]
        == {
            "dev": 90,
            "staging": 365,
            "prod": 2557,
        }[stack]
    )


def test_prod_locks_and_protects_the_audit_stores(stacks: dict[str, RecordedRun]) -> None:
    prod, staging = stacks["prod"], stacks["staging"]
    lock = named(prod, "azure-audit-storage-lock")
    assert lock.inputs["level"] == "CanNotDelete"
    assert named(prod, "azure-audit-storage").urn in lock.dependencies
    assert not any(r.name == "azure-audit-storage-lock" for r in staging.registrations)
    for name in (
        "azure-audit-storage",
        "azure-audit-activity-logs",
        "azure-audit-activity-logs-worm",
        "azure-audit-delivery",
        "azure-audit-delivery-worm",
        "azure-audit-activity-log",
        "gcp-audit-bucket",
        "gcp-audit-sink",
    ):
        assert named(prod, name).protect, name
        assert not named(staging, name).protect, name


def test_cost_attribution_settings(stacks: dict[str, RecordedRun]) -> None:
    dev, prod = stacks["dev"], stacks["prod"]
    assert "metricsProfile" not in named(dev, "azure-aks-cluster").inputs  # Free tier
    assert named(prod, "azure-aks-cluster").inputs["metricsProfile"] == {"costAnalysis": {"enabled": True}}
    for run in (dev, prod):
        assert named(run, "gcp-gke-cluster").inputs["costManagementConfig"] == {"enabled": True}
    # Team-owned pools carry the team on both clouds; shared pools do not.
    pool = named(prod, "azure-gpu-h100train-pool").inputs
    assert (pool["tags"]["team"], pool["nodeLabels"]["aiscale.io/team"]) == ("search", "search")
    assert "team" not in named(prod, "azure-gpu-a100serve-pool").inputs["tags"]
    node = named(prod, "gcp-gpu-a100train-pool").inputs["nodeConfig"]
    assert (node["resourceLabels"]["team"], node["labels"]["aiscale.io/team"]) == ("search", "search")
    namespace = named(prod, "gcp-team-fraud-namespace").inputs["metadata"]["labels"]
    assert namespace["aiscale.io/team"] == "fraud"
    # Azure: tag inheritance where the stack owns the subscription (staging, prod), the anomaly alert everywhere.
    assert any(r.name == "azure-cost-tag-inheritance" for r in prod.registrations)
    assert not any(r.name == "azure-cost-tag-inheritance" for r in dev.registrations)
    alert = named(dev, "azure-cost-anomaly-alert").inputs
    assert alert["notification"]["to"] == ["ml-platform@example.com"]
    assert alert["schedule"] == {
        "endDate": "2036-01-01T00:00:00Z",
        "frequency": "Daily",
        "startDate": "2026-01-01T00:00:00Z",
    }
    # Google Cloud: the budget publishes to a topic the stack creates, encrypted where CMEK is on.
    topic = named(prod, "gcp-budget-topic")
    assert topic.inputs["name"] == "aiscale-prod-budget"
    assert topic.inputs["kmsKeyName"] == "[unknown]"
    assert "kmsKeyName" not in named(dev, "gcp-budget-topic").inputs
    assert topic.urn in named(prod, "gcp-budget-budget").property_dependencies["allUpdatesRule"]
    agents = {r.name for r in prod.registrations if r.type == "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"}
    assert {"gcp-kms-platform-logging", "gcp-kms-platform-pubsub"} <= agents


def test_the_reference_stacks_pass_the_governance_policies(stacks: dict[str, RecordedRun]) -> None:
    governance = ("ml-audit-01", "ml-audit-02", "ml-audit-03", "ml-cost-03", "ml-residency-01")
    for stack, run in stacks.items():
        report = evaluate(run)
        assert [v.message for v in report.violations if v.policy in governance] == [], stack
        assert report.levels["ml-residency-01"] == ("mandatory" if stack == "prod" else "advisory")


# --- The policies on changed stacks ---------------------------------------------------------------------------


def copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "aiscale"
    shutil.copytree(REPO / "stacks", project / "stacks")
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    return project


def edit(project: Path, stack: str, old: str, new: str) -> None:
    path = project / "stacks" / f"Pulumi.{stack}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def prod_violations(capsys: pytest.CaptureFixture[str], project: Path) -> tuple[int, list[tuple[str, str, str]]]:
    code = main(["plan", "prod", "--project", str(project), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    return code, [(v["policy"], v["enforcement"], v["message"]) for v in document["violations"]]


def test_an_unlocked_prod_audit_store_fails_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path)
    edit(
        project,
        "prod",
        "      storage_account_name: staiscaleprodaudit\n",
        "      storage_account_name: staiscaleprodaudit\n      locked: false\n",
    )
    edit(project, "prod", "    audit: {}\n", "    audit: {locked: false}\n")
    code, violations = prod_violations(capsys, project)
    assert code == 1
    assert violations == [
        (
            "ml-audit-01",
            "mandatory",
            "audit log bucket aiscale-audit is not locked: its retention can be shortened or it deleted",
        ),
        ("ml-audit-01", "mandatory", "audit storage account staiscaleprodaudit has no CanNotDelete management lock"),
    ]


def test_prod_without_the_audit_sections_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path)
    edit(project, "prod", "    audit:\n      storage_account_name: staiscaleprodaudit\n", "")
    edit(project, "prod", "    audit: {}\n", "")
    code, violations = prod_violations(capsys, project)
    assert code == 1
    assert [(policy, level) for policy, level, _ in violations] == [
        ("ml-audit-02", "mandatory"),
        ("ml-audit-03", "mandatory"),
    ]
    assert violations[0][2].startswith(
        "the stack uses Vertex AI (gcp-endpoint-fraud-endpoint) but aiplatform.googleapis.com Data Access audit logs "
        "lack DATA_READ, DATA_WRITE"
    )
    assert violations[1][2].startswith(
        "the subscription's activity log (Administrative, Security, Policy) is not exported"
    )


def test_a_resource_outside_the_allowed_locations_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path)
    edit(
        project,
        "prod",
        "  aiscale:allowed_locations: [westeurope, europe-west4]\n",
        "  aiscale:allowed_locations: [westeurope]\n",
    )
    # The stack's own GCP region is now outside the list: config validation says so first.
    assert main(["plan", "prod", "--project", str(project)]) == 2
    assert "aiscale:gcp: region: 'europe-west4' is outside allowed_locations ['westeurope']" in capsys.readouterr().err
    # Resources of another program are judged by the policy: a policy file sets the list for it.
    (project / "stacks" / "Policy.prod.yaml").write_text(
        "thresholds:\n  ml-residency-01:\n    allowedLocations: [europe-west4]\n"
    )
    edit(project, "prod", "  aiscale:allowed_locations: [westeurope]\n", "")
    code, violations = prod_violations(capsys, project)
    assert code == 1
    residency = [message for policy, _, message in violations if policy == "ml-residency-01"]
    assert "azure-rg is in westeurope, outside the allowed locations ['europe-west4']" in residency
    assert all("outside the allowed locations ['europe-west4']" in message for message in residency)
    assert not any(message.startswith("gcp-") for message in residency)


def test_the_real_preview_gets_the_allowed_locations() -> None:
    document = policy_config_for_stack(REPO, "prod")
    assert document["ml-residency-01"] == {
        "allowGlobal": True,
        "allowedLocations": ["westeurope", "europe-west4"],
        "enforcementLevel": "mandatory",
        "environment": "prod",
        "level": "mandatory",
    }
    assert policy_config_for_stack(REPO, "dev")["ml-residency-01"]["enforcementLevel"] == "advisory"


# --- Delivery decisions into the audit store ------------------------------------------------------------------


def documented_commands() -> list[str]:
    """The console blocks of docs/governance.md's section on shipping the decisions, as shell commands."""
    text = (REPO / "docs" / "governance.md").read_text()
    section = text.split("## Promotion and rollout decisions into the same store", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in section.split("```console\n")[1:]:
        lines = [line.strip() for line in block.split("```", 1)[0].splitlines()]
        assert lines[0].startswith("$ ")
        commands.append("\n".join([lines[0].removeprefix("$ "), *lines[1:]]))
    return commands


def git(repo: Path, *arguments: str) -> None:
    subprocess.run(["git", *arguments], cwd=repo, check=True, capture_output=True, timeout=60)


def test_the_documented_commands_ship_the_deployed_decisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The docs' commands, run as CI would after a merge (fake az and gcloud record their arguments): the whole log
    goes to one WORM blob per commit, the lines the merge added go to the log the audit sink routes."""
    monkeypatch.setenv("AISCALE_ACTOR", "ci-bot")
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "ci")
    log = audit.log_path(repo, PromotionConfig.model_fields["audit_log"].default)
    earlier = audit.append(log, {"stack": "prod", "decision": "promote"}, project_root=repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    merged = audit.append(
        log,
        {"stack": "prod", "decision": "rollout", "step": 2},
        project_root=repo,
        now=datetime(2026, 12, 1, 12, tzinfo=UTC),
    )
    git(repo, "commit", "-q", "-am", "merge")
    calls = tmp_path / "calls.jsonl"
    fakes = tmp_path / "bin"
    fakes.mkdir()
    for tool in ("az", "gcloud"):
        fake = fakes / tool
        fake.write_text(
            f"#!/bin/sh\nexec {sys.executable} -c 'import json, sys; print(json.dumps(sys.argv[1:]))' {tool} \"$@\" "
            f">> {calls}\n"
        )
        fake.chmod(0o755)
    environment = {**os.environ, "PATH": f"{fakes}:{os.environ['PATH']}", "GITHUB_SHA": "0123abc"}
    for command in documented_commands():
        subprocess.run(["bash", "-c", command], cwd=repo, env=environment, check=True, timeout=60)

    prod = yaml.safe_load((REPO / "stacks" / "Pulumi.prod.yaml").read_text())["config"]
    account = prod["aiscale:azure"]["audit"]["storage_account_name"]
    relative = str(log.relative_to(repo))
    recorded = [json.loads(line) for line in calls.read_text().splitlines()]
    assert recorded[0] == [
        "az", "storage", "blob", "upload", "--auth-mode", "login", "--account-name", account,
        "--container-name", DELIVERY_CONTAINER, "--name", "prod/0123abc.jsonl", "--file", relative,
    ]  # fmt: skip
    assert recorded[1:] == [
        [
            "gcloud", "logging", "write", DELIVERY_LOG, json.dumps(merged), "--payload-type=json",
            "--project", prod["aiscale:gcp"]["project"],
        ]
    ]  # fmt: skip
    assert earlier != merged  # the earlier decision was shipped by the deploy of its own commit

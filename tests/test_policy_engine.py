"""The policy pack offline: the analyzer contract, the repository's stacks, enforcement, waivers, reports."""

from __future__ import annotations

import datetime
import inspect
import json
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from pulumi.runtime.proto import analyzer_pb2
from pulumi_azure_native import keyvault, resources
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from aiscale.core.cli import main
from aiscale.core.engine import RecordedRun, record_program, run_stack
from aiscale.core.plan import Plan
from aiscale.core.render import render
from aiscale.policies import all_policies, enforcement, rules, waivers
from aiscale.policies.evaluation import PolicyConfigError, evaluate, policy_config_for_stack
from tests.conftest import REPO

MULTITOOL = REPO / "tools" / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
TAGS = {"owner": "ml", "cost-center": "cc", "environment": "prod"}


def test_the_private_analyzer_still_has_the_shape_we_drive() -> None:
    # pulumi-policy's analyzer servicer is private: this fails loudly if an upgrade changes what we call.
    for method in ("Configure", "Analyze", "AnalyzeStack"):
        assert list(inspect.signature(getattr(_PolicyAnalyzerServicer, method)).parameters) == [
            "self",
            "request",
            "_context",
        ], method
    assert list(inspect.signature(_PolicyAnalyzerServicer.__init__).parameters)[:5] == [
        "self",
        "name",
        "version",
        "policies",
        "enforcement_level",
    ]
    assert {f.name for f in analyzer_pb2.AnalyzeRequest.DESCRIPTOR.fields} >= {
        "type",
        "properties",
        "urn",
        "name",
        "options",
        "provider",
    }
    assert {f.name for f in analyzer_pb2.AnalyzerResource.DESCRIPTOR.fields} >= {"dependencies", "propertyDependencies"}
    assert [f.name for f in analyzer_pb2.AnalyzeResponse.DESCRIPTOR.fields] == ["diagnostics", "not_applicable"]


def test_every_policy_is_declared_completely() -> None:
    policies = all_policies()
    assert len(policies) == len({p.name for p in policies}) == 80
    for policy in policies:
        rule = policy.aiscale_rule
        assert isinstance(policy, ResourceValidationPolicy | StackValidationPolicy)
        assert rule.id == policy.name and rule.anchors and rule.absent and rule.remediation, rule.id
        assert policy.severity is not None and policy.config_schema is not None
    assert set(enforcement.defaults()) <= set(rules())


# --- The repository's stacks ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stacks() -> dict[str, RecordedRun]:
    return {stack: run_stack(REPO, stack) for stack in ("dev", "staging", "prod")}


def findings(report: Any) -> list[tuple[str, str, str]]:
    return sorted((v.enforcement, v.policy, (v.urn or "stack").rsplit("::", 1)[-1]) for v in report.violations)


def test_prod_has_no_violation_and_shows_its_central_waiver(stacks: dict[str, RecordedRun]) -> None:
    report = evaluate(stacks["prod"])
    assert findings(report) == []
    assert [(w.policy, (w.urn or "").rsplit("::", 1)[-1]) for w in report.waived] == [
        ("ml-k8s-04", "azure-gpu-stack-namespace")
    ]
    assert report.waived[0].reason.startswith("waived until 2027-06-30 (central registry, PLAT-412")
    # What the policies did not judge: the removed default pool, and the EUR budget (not compared with USD).
    assert not_applicable(report) == sorted(REMOVED_DEFAULT_POOL + EUR_BUDGET)


#: aiscale's GKE cluster removes its default node pool: the policies that judge only node configurations say so.
REMOVED_DEFAULT_POOL = [
    (
        policy,
        "gcp-gke-cluster",
        "the cluster removes its default node pool (removeDefaultNodePool): its nodeConfig never runs workloads",
    )
    for policy in ("ml-gke-04", "ml-gke-12", "ml-gke-13")
]
#: The Google Cloud budgets are in EUR, the price table in USD: the budget policies cannot compare them, and say so.
EUR_BUDGET = [
    (
        policy,
        "gcp-budget-budget",
        "budget gcp-budget-budget is in EUR and the price table in USD: not compared (estimates never convert "
        "currencies); Google Cloud budgets state their currency: set aiscale:gcp.budget.currency (it must be the "
        "billing account's)",
    )
    for policy in ("ml-cost-01", "ml-cost-02")
]


def not_applicable(report: Any) -> list[tuple[str, str, str]]:
    return sorted(
        (n.policy, n.urn.rsplit("::", 1)[-1], n.message) for n in report.not_evaluated if n.kind == "not-applicable"
    )


def test_staging_has_only_software_key_findings(stacks: dict[str, RecordedRun]) -> None:
    # staging has production's shape with software keys (and keys not protected): advisory there.
    assert findings(evaluate(stacks["staging"])) == [
        ("advisory", "ml-keyvault-06", "azure-keys-key-data"),
        ("advisory", "ml-keyvault-06", "azure-keys-key-disks"),
        ("advisory", "ml-keyvault-06", "azure-keys-key-etcd"),
        ("advisory", "ml-keyvault-06", "azure-keys-key-platform"),
        ("advisory", "ml-kms-03", "gcp-kms-gke"),
        ("advisory", "ml-kms-03", "gcp-kms-key-ring"),
        ("advisory", "ml-kms-03", "gcp-kms-platform"),
        ("advisory", "ml-kms-04", "gcp-kms-gke"),
        ("advisory", "ml-kms-04", "gcp-kms-platform"),
    ]


def test_dev_has_only_the_expected_advisory_findings(stacks: dict[str, RecordedRun]) -> None:
    # dev trades customer-managed keys, HSM, the paid tier and egress isolation for cost — all advisory there.
    assert findings(evaluate(stacks["dev"])) == [
        ("advisory", "ml-aks-05", "azure-aks-cluster"),
        ("advisory", "ml-aks-12", "azure-aks-cluster"),
        ("advisory", "ml-aks-13", "azure-aks-cluster"),
        ("advisory", "ml-aml-02", "azure-ml-workspace"),
        ("advisory", "ml-aml-03", "azure-ml-workspace"),
        ("advisory", "ml-gke-11", "gcp-gke-cluster"),
        ("advisory", "ml-gke-12", "gcp-gke-system"),
        ("advisory", "ml-gke-12", "gcp-gpu-l4batch-pool"),
        ("advisory", "ml-gke-12", "gcp-gpu-l4serve-pool"),
        ("advisory", "ml-keyvault-06", "azure-keys-key-disks"),
        ("advisory", "ml-keyvault-06", "azure-keys-key-platform"),
        ("advisory", "ml-kms-03", "gcp-kms-gke"),
        ("advisory", "ml-kms-03", "gcp-kms-key-ring"),
        ("advisory", "ml-kms-03", "gcp-kms-platform"),
        ("advisory", "ml-kms-04", "gcp-kms-gke"),
        ("advisory", "ml-kms-04", "gcp-kms-platform"),
        ("advisory", "ml-vertex-01", "gcp-endpoint-fraud-endpoint"),
    ]


# --- Enforcement, stack policy config and waivers ---------------------------------------------------------------


def vault_program() -> None:
    """A resource group and a vault that violates purge protection (mandatory everywhere) and RBAC (advisory)."""
    group = resources.ResourceGroup("rg", resource_group_name="rg", location="westeurope", tags=TAGS)
    keyvault.Vault(
        "open-vault",
        vault_name="kv-open",
        resource_group_name=group.name,
        location="westeurope",
        tags=TAGS,
        properties=keyvault.VaultPropertiesArgs(
            tenant_id="0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD),
            public_network_access="Disabled",
        ),
    )


def record(stack: str, tmp_path: Path, policy_file: str | None = None) -> RecordedRun:
    run = record_program(vault_program, stack=stack)
    if policy_file is not None:
        (tmp_path / f"Policy.{stack}.yaml").write_text(policy_file)
    return run


def vault_findings(run: RecordedRun, config_file: Path | None = None) -> list[tuple[str, str]]:
    report = evaluate(
        run, config_file=config_file, policies=[p for p in all_policies() if p.name.startswith("ml-keyvault")]
    )
    return sorted((v.policy, v.enforcement) for v in report.violations)


def test_levels_follow_the_environment(tmp_path: Path) -> None:
    assert vault_findings(record("dev", tmp_path)) == [
        ("ml-keyvault-01", "mandatory"),  # mandatory everywhere
        ("ml-keyvault-04", "advisory"),
    ]
    assert vault_findings(record("prod", tmp_path)) == [
        ("ml-keyvault-01", "mandatory"),
        ("ml-keyvault-04", "advisory"),
    ]


def test_a_stack_raises_lowers_and_disables(tmp_path: Path) -> None:
    config = tmp_path / "Policy.dev.yaml"
    config.write_text(
        "enforcement:\n  ml-keyvault-04: mandatory\n  ml-keyvault-01: disabled\nthresholds:\n"
        "  ml-keyvault-05: {maxRotationDays: 30}\n"
    )
    assert vault_findings(record("dev", tmp_path), config) == [("ml-keyvault-04", "mandatory")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("enforcement:\n  ml-nope-01: mandatory\n", "unknown policies ['ml-nope-01']"),
        ("enforcement:\n  ml-aks-01: blocking\n", "enforcement.ml-aks-01: Input should be 'mandatory', 'advisory' or"),
        (
            "thresholds:\n  ml-aks-14: {maxNodes: 3}\n",
            "thresholds.ml-aks-14: unknown keys ['maxNodes']; expected one of: maxGpuNodes",
        ),
        ("waivers:\n  - policy: ml-aks-06\n    resource: x\n", "waivers.0.reason: Field required"),
        ("budget: 3\n", "budget: Extra inputs are not permitted"),
    ],
)
def test_bad_policy_config_names_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "Policy.dev.yaml"
    config.write_text(text)
    with pytest.raises(PolicyConfigError) as caught:
        evaluate(record("dev", tmp_path), config_file=config)
    assert str(config) in str(caught.value) and message in str(caught.value)


SOON = (datetime.date.today() + datetime.timedelta(days=200)).isoformat()
"""An expiry within the registry's max_expiry_days."""


def waiver(policy: str = "ml-keyvault-04", expires: str = SOON, resource: str = "open-vault") -> str:
    return (
        f"waivers:\n  - policy: {policy}\n    resource: {resource}\n    reason: Migration to RBAC tracked in the ticket.\n"
        f"    owner: ml-platform\n    ticket: PLAT-1\n    expires: {expires}\n"
    )


def test_a_stack_waiver_makes_a_finding_not_applicable_and_visible(tmp_path: Path) -> None:
    config = tmp_path / "Policy.dev.yaml"
    config.write_text(waiver())
    report = evaluate(record("dev", tmp_path), config_file=config)
    assert ("ml-keyvault-04", "advisory") not in [(v.policy, v.enforcement) for v in report.violations]
    assert [(w.policy, w.urn.rsplit("::", 1)[-1] if w.urn else None) for w in report.waived] == [
        ("ml-keyvault-04", "open-vault")
    ]
    assert report.waived[0].reason == (
        f"waived until {SOON} (stack policy config, PLAT-1, owner ml-platform): Migration to RBAC tracked in the ticket."
    )


def test_an_expired_waiver_stops_applying_and_says_so(tmp_path: Path) -> None:
    config = tmp_path / "Policy.dev.yaml"
    config.write_text(waiver(expires="2026-01-31"))
    report = evaluate(record("dev", tmp_path), config_file=config)
    assert report.waived == []
    message = next(v.message for v in report.violations if v.policy == "ml-keyvault-04")
    assert message.endswith("(waiver PLAT-1 expired on 2026-01-31)")


def test_the_clock_decides_expiry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "Policy.dev.yaml"
    config.write_text(waiver(expires="2030-06-30"))
    monkeypatch.setattr(waivers, "today", lambda: datetime.date(2030, 7, 1))
    assert [w.policy for w in evaluate(record("dev", tmp_path), config_file=config).waived] == []
    monkeypatch.setattr(waivers, "today", lambda: datetime.date(2030, 6, 30))
    assert [w.policy for w in evaluate(record("dev", tmp_path), config_file=config).waived] == ["ml-keyvault-04"]


def test_prod_mandatory_policies_accept_only_central_waivers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "Policy.prod.yaml"
    config.write_text(waiver(policy="ml-keyvault-01"))
    run = record("prod", tmp_path)
    report = evaluate(run, config_file=config)
    assert ("ml-keyvault-01", "mandatory") in [(v.policy, v.enforcement) for v in report.violations]
    assert report.waived == []
    central = waivers.parse(
        {
            "waivers": [
                {
                    "policy": "ml-keyvault-01",
                    "resource": "urn:pulumi:prod::*::azure-native:keyvault:Vault::open-*",
                    "stacks": ["prod"],
                    "reason": "Vault recreated next sprint with purge protection.",
                    "owner": "security",
                    "ticket": "SEC-9",
                    "expires": SOON,
                }
            ]
        },
        "central",
        central=True,
    )
    monkeypatch.setattr(waivers, "central", lambda: tuple(central))
    report = evaluate(run)
    assert ("ml-keyvault-01", "mandatory") not in [(v.policy, v.enforcement) for v in report.violations]
    assert [w.reason.split(":")[0] for w in report.waived] == [
        f"waived until {SOON} (central registry, SEC-9, owner security)"
    ]
    # The stacks glob limits a central waiver: dev still reports it.
    assert ("ml-keyvault-01", "mandatory") in [
        (v.policy, v.enforcement) for v in evaluate(record("dev", tmp_path)).violations
    ]


def test_the_central_registry_validates() -> None:
    entries = waivers.central()
    assert entries and all(w.central for w in entries)
    with pytest.raises(waivers.WaiverError, match=r"invalid waivers in registry:\n  waivers.0.expires: "):
        waivers.parse(
            {"waivers": [{**json.loads(json.dumps(entries[0].model_dump(), default=str)), "expires": "soon"}]},
            "registry",
            central=True,
        )


# --- Reports ------------------------------------------------------------------------------------------------------


def plan_of(run: RecordedRun) -> Plan:
    report = evaluate(run)
    return Plan(run, report.violations, "aiscale", report.waived, report.not_evaluated, report.levels)


@pytest.mark.skipif(not MULTITOOL.exists(), reason="make test installs the SARIF Multitool (tools/package.json)")
def test_sarif_passes_the_sarif_multitool(stacks: dict[str, RecordedRun], tmp_path: Path) -> None:
    for stack in ("dev", "prod"):
        document = tmp_path / f"{stack}.sarif"
        document.write_text(render(plan_of(stacks[stack]), "sarif"))
        output = tmp_path / f"{stack}-validation.sarif"
        subprocess.run([str(MULTITOOL), "validate", str(document), "--output", str(output)], check=True, timeout=300)
        results = json.loads(output.read_text())["runs"][0]["results"]
        errors = [r["message"]["text"] for r in results if r.get("level") == "error"]
        assert errors == [], errors


def test_sarif_content(stacks: dict[str, RecordedRun]) -> None:
    document = json.loads(render(plan_of(stacks["prod"]), "sarif"))
    run = document["runs"][0]
    assert document["version"] == "2.1.0"
    assert len(run["tool"]["driver"]["rules"]) == 80
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "ml-aks-01")
    assert rule["properties"]["security-severity"] == "9.5"
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert "CKV_AZURE_115" in rule["properties"]["tags"]
    [waived] = [r for r in run["results"] if "suppressions" in r]
    skipped = [r for r in run["results"] if r.get("kind") == "notApplicable"]
    assert [(r["ruleId"], r["level"]) for r in skipped] == [
        (p, "none") for p, _, _ in REMOVED_DEFAULT_POOL + EUR_BUDGET
    ]
    assert skipped[0]["message"]["text"] == REMOVED_DEFAULT_POOL[0][2]
    assert waived["ruleId"] == "ml-k8s-04"
    assert waived["suppressions"][0]["kind"] == "external"
    [logical] = waived["locations"][0]["logicalLocations"]
    assert logical["kind"] == "resource"
    assert logical["fullyQualifiedName"].startswith("urn:pulumi:prod::aiscale::")
    assert logical["fullyQualifiedName"].endswith("::azure-gpu-stack-namespace")
    physical = waived["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "components/k8s/gpu_stack.py"
    assert physical["region"]["startLine"] > 0


def test_junit_fails_only_on_mandatory(stacks: dict[str, RecordedRun]) -> None:
    root = ElementTree.fromstring(render(plan_of(stacks["dev"]), "junit").split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    skipped = [case.get("name") for case in suite.iter("testcase") if case.find("skipped") is not None]
    assert len(skipped) == 23  # 17 advisory findings, one waived, three not applicable, two budgets not compared
    assert "[CRITICAL][ml-aks-01] AKS private API server" in [case.get("name") for case in suite.iter("testcase")]


def test_markdown_groups_mandatory_advisory_waived(stacks: dict[str, RecordedRun]) -> None:
    text = render(plan_of(stacks["dev"]), "markdown")
    assert "<summary>Advisory findings (17)</summary>" in text and "<summary>Waived (1)</summary>" in text
    assert "Mandatory findings" not in text
    assert "<summary>Not applicable (5)</summary>" in text and REMOVED_DEFAULT_POOL[0][2] in text
    assert text.index("Advisory findings") < text.index("<summary>Waived") < text.index("<summary>Not applicable")


def test_every_format_carries_the_not_applicable_reasons(stacks: dict[str, RecordedRun]) -> None:
    plan = plan_of(stacks["dev"])
    reason = REMOVED_DEFAULT_POOL[0][2]
    assert f"  [not applicable] ml-gke-04 · gcp-gke-cluster: {reason}" in render(plan, "table").splitlines()
    entries = [n for n in json.loads(render(plan, "json"))["notEvaluated"] if n["kind"] == "not-applicable"]
    assert [(n["policy"], n["message"]) for n in entries] == [(p, m) for p, _, m in REMOVED_DEFAULT_POOL + EUR_BUDGET]
    junit = ElementTree.fromstring(render(plan, "junit").split("\n", 1)[1])
    messages = [s.get("message") for s in junit.iter("skipped")]
    assert f"not applicable: {reason}" in messages


# --- The real preview path ------------------------------------------------------------------------------------


def test_policy_config_for_the_real_preview_matches_the_offline_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy-config", "prod", "--project", str(REPO)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == policy_config_for_stack(REPO, "prod")
    assert document["all"] == "advisory"
    levels = {name: entry["enforcementLevel"] for name, entry in document.items() if name != "all"}
    assert set(levels) == set(rules())
    assert levels == evaluate(run_stack(REPO, "prod")).levels
    assert document["ml-aks-14"] == {
        "enforcementLevel": "advisory",
        "environment": "prod",
        "level": "advisory",
        "maxGpuNodes": 20,
    }


def test_the_pack_entry_point_builds_the_policy_pack() -> None:
    text = (REPO / "policies" / "__main__.py").read_text()
    assert "PolicyPack(" in text and "all_policies()" in text
    assert "runtime:" in (REPO / "policies" / "PulumiPolicy.yaml").read_text()

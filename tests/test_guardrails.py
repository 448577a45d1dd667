"""Prod guardrails a stack cannot switch off from its own files: the environment, protection, policy levels.

The keys-only project (a Key Vault, keys, a key ring) is small enough to plan in every test; each test copies it.
"""

from __future__ import annotations

import datetime
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aiscale.core.cli import main
from aiscale.core.engine import record_program
from aiscale.policies import all_policies, waivers
from aiscale.policies.evaluation import PolicyConfigError, evaluate
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "keys-only"
SOON = (datetime.date.today() + datetime.timedelta(days=100)).isoformat()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "project")
    return tmp_path / "project"


def plan_json(capsys: pytest.CaptureFixture[str], project: Path, stack: str, *args: str) -> tuple[int, Any, str]:
    code = main(["plan", stack, "--project", str(project), "--format", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else None, err


def add_config(project: Path, stack: str, line: str) -> None:
    path = project / f"Pulumi.{stack}.yaml"
    path.write_text(path.read_text().replace("config:\n", f"config:\n  {line}\n", 1))


@pytest.fixture
def central(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Entries appended to the central registry for one test (``waivers`` and ``enforcement_waivers``)."""
    entries: list[dict[str, Any]] = []
    real = waivers.registry_settings()

    def settings() -> waivers.CentralRegistry:
        finding = waivers.parse(
            {"waivers": [e for e in entries if "resource" in e]}, "central", central=True, max_expiry_days=365
        )
        lowering = [waivers.EnforcementWaiver.model_validate_json(json.dumps(e)) for e in entries if "allow" in e]
        return waivers.CentralRegistry(
            (*real.waivers, *finding), (*real.enforcement_waivers, *lowering), real.max_expiry_days
        )

    monkeypatch.setattr(waivers, "registry_settings", settings)
    yield entries


def exception(policy: str, **fields: Any) -> dict[str, Any]:
    return {
        "policy": policy,
        "reason": "Agreed with security for the migration window.",
        "owner": "security",
        "ticket": "SEC-42",
        "expires": SOON,
        **fields,
    }


# --- Environment ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("declared", ["dev", "staging"])
def test_a_prod_stack_cannot_declare_another_environment(
    capsys: pytest.CaptureFixture[str], project: Path, declared: str
) -> None:
    add_config(project, "prod", f"aiscale:environment: {declared}")
    for command in (["plan", "prod"], ["policy-config", "prod"]):
        assert main([*command, "--project", str(project)]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err == (
            "error: invalid stack configuration in Pulumi.prod.yaml:\n"
            f"  aiscale:environment: '{declared}' contradicts the stack name 'prod', which means prod: a prod stack "
            f"cannot declare another environment; remove the key (or use a stack named for {declared})\n"
        )


def unknown_team_project(root: Path, stack: str) -> Path:
    """Another team's program that does not use aiscale's config: one unprotected vault."""
    root.mkdir()
    (root / "Pulumi.yaml").write_text("name: team\nruntime: python\n")
    (root / "__main__.py").write_text(
        "from pulumi_azure_native import keyvault\n"
        "keyvault.Vault('vault', resource_group_name='rg', location='westeurope', properties=keyvault."
        "VaultPropertiesArgs(tenant_id='0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', sku=keyvault.SkuArgs(family='A', "
        "name='standard')))\n"
    )
    (root / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    return root


@pytest.mark.parametrize(("stack", "environment"), [("production", "prod"), ("prod-eu", "prod"), ("stage", "staging")])
def test_aliases_of_other_teams_stacks_get_their_enforcement(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stack: str, environment: str
) -> None:
    code, document, _ = plan_json(capsys, unknown_team_project(tmp_path / "team", stack), stack)
    assert (document["environment"], document["policyEnvironment"], document["environmentWarning"]) == (
        environment,
        environment,
        None,
    )
    assert code == 1  # purge protection (ml-keyvault-01) is mandatory everywhere
    mandatory = sorted({v["policy"] for v in document["violations"] if v["enforcement"] == "mandatory"})
    assert ("ml-protect-01" in mandatory) is (environment == "prod")


FORMATS = {
    "table": "warning: the environment of stack 'sandbox' is unknown",
    "markdown": "> [!WARNING]\n> the environment of stack 'sandbox' is unknown",
    "sarif": '"level": "warning",\n              "message": {\n                "text": "the environment of stack',
    "junit": '<property name="aiscale.warning" value="the environment of stack',
    "json": '"environmentWarning": "the environment of stack',
}


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_an_unknown_environment_is_a_warning_in_every_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, output_format: str
) -> None:
    root = unknown_team_project(tmp_path / "team", "sandbox")
    code = main(["plan", "sandbox", "--project", str(root), "--format", output_format])
    out, _ = capsys.readouterr()
    assert code == 1  # purge protection is mandatory everywhere: dev enforcement applied
    assert FORMATS[output_format] in out
    assert "dev enforcement applied; set aiscale:environment in the stack file" in out


def test_policy_config_warns_about_an_unknown_environment(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = unknown_team_project(tmp_path / "team", "sandbox")
    assert main(["policy-config", "sandbox", "--project", str(root)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["ml-keyvault-01"]["environment"] == "dev"
    assert err.startswith("warning: the environment of stack 'sandbox' is unknown") and "dev enforcement applied" in err


# --- Protection ----------------------------------------------------------------------------------------------


def test_turning_protection_off_in_prod_is_a_mandatory_finding(
    capsys: pytest.CaptureFixture[str], project: Path, central: list[dict[str, Any]]
) -> None:
    add_config(project, "prod", "aiscale:protect_stateful: false")
    code, document, _ = plan_json(capsys, project, "prod")
    assert code == 1
    assert document["summary"]["protected"] == 0
    unprotected = sorted(v["urn"].rsplit("::", 1)[-1] for v in document["violations"] if v["policy"] == "ml-protect-01")
    assert unprotected == [
        "azure-keys-key-disks",
        "azure-keys-key-platform",
        "azure-keys-vault",
        "azure-rg",
        "gcp-kms-gke",
        "gcp-kms-key-ring",
        "gcp-kms-platform",
    ]
    assert {v["enforcement"] for v in document["violations"] if v["policy"] == "ml-protect-01"} == {"mandatory"}

    # A stack's own waiver does not apply to a mandatory prod policy; a central one does.
    (project / "Policy.prod.yaml").write_text(
        f"waivers:\n  - {{policy: ml-protect-01, resource: '*', reason: Decommissioning this stack., owner: me, "
        f"ticket: T-1, expires: {SOON}}}\n"
    )
    _, document, _ = plan_json(capsys, project, "prod")
    assert len([v for v in document["violations"] if v["policy"] == "ml-protect-01"]) == 7
    central.append(exception("ml-protect-01", resource="*", stacks=["prod"]))
    _, document, _ = plan_json(capsys, project, "prod")
    assert [v for v in document["violations"] if v["policy"] == "ml-protect-01"] == []
    assert len([w for w in document["waived"] if w["policy"] == "ml-protect-01"]) == 7


def test_outside_prod_unprotected_stateful_resources_are_no_finding(capsys: pytest.CaptureFixture[str]) -> None:
    run = record_program(lambda: None, stack="dev")
    assert evaluate(run, policies=[p for p in all_policies() if p.name == "ml-protect-01"]).violations == []
    code, document, _ = plan_json(capsys, FIXTURE, "dev")
    assert code == 0 and not [v for v in document["violations"] if v["policy"] == "ml-protect-01"]


# --- Policy levels -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy_file", "problem"),
    [
        ("enforcement:\n  ml-stack-03: advisory\n", "enforcement.ml-stack-03: 'advisory' lowers a policy"),
        ("enforcement:\n  ml-stack-05: disabled\n", "enforcement.ml-stack-05: 'disabled' lowers a policy"),
        (
            "thresholds:\n  ml-keyvault-05: {maxRotationDays: 400}\n",
            "thresholds.ml-keyvault-05: maxRotationDays loosened for a policy",
        ),
    ],
)
def test_a_prod_stack_cannot_lower_a_mandatory_policy(
    capsys: pytest.CaptureFixture[str], project: Path, policy_file: str, problem: str
) -> None:
    (project / "Policy.prod.yaml").write_text(policy_file)
    for command in (["plan", "prod"], ["policy-config", "prod"]):
        assert main([*command, "--project", str(project)]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err == (
            f"error: Policy.prod.yaml: {problem} that is mandatory in prod; a prod stack may only raise levels and "
            "tighten thresholds. Lowering it needs a central enforcement waiver in policies/waivers.yaml (owner, "
            "reason, ticket, expiry)\n"
        )


def test_a_prod_stack_may_raise_levels_and_tighten_thresholds(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    (project / "Policy.prod.yaml").write_text(
        "enforcement:\n  ml-keyvault-06: mandatory\nthresholds:\n  ml-keyvault-05: {maxRotationDays: 30}\n"
    )
    assert main(["policy-config", "prod", "--project", str(project)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ml-keyvault-06"]["enforcementLevel"] == "mandatory"
    assert document["ml-keyvault-05"]["maxRotationDays"] == 30


def test_a_central_enforcement_waiver_lowers_it_visibly(
    capsys: pytest.CaptureFixture[str], project: Path, central: list[dict[str, Any]]
) -> None:
    # The keys-only stack has no audit trail yet either (ml-audit-02, ml-audit-03): the same window covers it.
    (project / "Policy.prod.yaml").write_text(
        "enforcement:\n  ml-stack-03: disabled\n  ml-stack-05: advisory\n  ml-audit-02: disabled\n"
        "  ml-audit-03: disabled\n"
    )
    central.append(exception("ml-stack-03", stacks=["prod"], allow="disabled"))
    central.append(exception("ml-stack-05", stacks=["prod"], allow="thresholds"))  # not enough for a level
    central.append(exception("ml-audit-02", stacks=["prod"], allow="disabled"))
    central.append(exception("ml-audit-03", stacks=["prod"], allow="disabled"))
    assert main(["plan", "prod", "--project", str(project)]) == 2
    assert "enforcement.ml-stack-05: 'advisory' lowers a policy" in capsys.readouterr().err

    central[1]["allow"] = "advisory"
    code, document, _ = plan_json(capsys, project, "prod")
    # Disabled: its finding is still reported, as disabled; advisory: a violation that does not fail the plan.
    assert code == 0
    assert sorted((d["policy"], d["urn"].rsplit("::", 1)[-1]) for d in document["disabled"]) == [
        ("ml-audit-02", "gcp-kms-platform"),
        ("ml-audit-03", "azure-rg"),
        ("ml-stack-03", "azure-keys-vault"),
    ]
    assert [(v["policy"], v["enforcement"]) for v in document["violations"]] == [("ml-stack-05", "advisory")]
    assert document["summary"]["violations"]["disabled"] == 3
    waiver = f"SEC-42, owner security, until {SOON}: Agreed with security for the migration window."
    assert document["loweredPolicies"] == [
        {"policy": policy, "level": level, "waiver": waiver}
        for policy, level in (
            ("ml-stack-03", "disabled"),
            ("ml-stack-05", "advisory"),
            ("ml-audit-02", "disabled"),
            ("ml-audit-03", "disabled"),
        )
    ]
    # The real preview gets the same levels.
    assert main(["policy-config", "prod", "--project", str(project)]) == 0
    config = json.loads(capsys.readouterr().out)
    assert (config["ml-stack-03"]["enforcementLevel"], config["ml-stack-05"]["enforcementLevel"]) == (
        "disabled",
        "advisory",
    )
    # An expired enforcement waiver stops applying.
    central[0]["expires"] = "2020-01-01"
    assert main(["plan", "prod", "--project", str(project)]) == 2
    assert "enforcement.ml-stack-03: 'disabled' lowers a policy" in capsys.readouterr().err


@pytest.mark.parametrize("output_format", ["table", "markdown", "sarif", "junit"])
def test_disabled_findings_are_visible_in_every_format(
    capsys: pytest.CaptureFixture[str], project: Path, output_format: str
) -> None:
    shown = {
        "table": "  [disabled] ml-stack-03 · azure-keys-vault: azure-keys-vault has no private endpoint",
        "markdown": "<summary>Disabled by the stack's policy config (1)</summary>",
        "sarif": '"justification": "the policy is disabled in the stack\'s policy config"',
        "junit": 'message="disabled: azure-keys-vault has no private endpoint"',
    }
    (project / "Policy.dev.yaml").write_text("enforcement:\n  ml-stack-03: disabled\n")
    assert main(["plan", "dev", "--project", str(project), "--format", output_format]) == 0
    assert shown[output_format] in capsys.readouterr().out


# --- Policy files and waivers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "thresholds:\n  ml-keyvault-05: {maxRotationDays: lots}\n",
            "thresholds.ml-keyvault-05.maxRotationDays: expected a number (got 'lots')",
        ),
        (
            "thresholds:\n  ml-keyvault-05: {maxRotationDays: true}\n",
            "thresholds.ml-keyvault-05.maxRotationDays: expected a number (got True)",
        ),
        (
            "thresholds:\n  ml-keyvault-05: {maxRotationDays: .inf}\n",
            "thresholds.ml-keyvault-05.maxRotationDays: expected a finite number (got inf)",
        ),
        (
            "thresholds:\n  ml-keyvault-05: {maxRotationDays: 0}\n",
            "thresholds.ml-keyvault-05.maxRotationDays: must be at least 1 (got 0)",
        ),
        (
            "thresholds:\n  ml-cost-01: {azureBudgetCurrency: euro}\n",
            "thresholds.ml-cost-01.azureBudgetCurrency: must match ^[A-Z]{3}$ (got 'euro')",
        ),
        (
            f"waivers:\n  - {{policy: ml-nope-01, resource: x, reason: A reason of ten., owner: o, ticket: t, expires: {SOON}}}\n",
            "Policy.dev.yaml: waivers.0.policy: 'ml-nope-01' is not a policy of the pack",
        ),
        (
            "waivers:\n  - {policy: ml-aks-01, resource: x, reason: A reason of ten., owner: o, ticket: t, expires: 2026-02-30}\n",
            "waivers.0.expires: Input should be a valid date in the format YYYY-MM-DD, day value is outside expected range",
        ),
        (
            "waivers:\n  - {policy: ml-aks-01, resource: x, reason: A reason of ten., owner: o, ticket: t, expires: 2099-01-01}\n",
            "waivers.0.expires: 2099-01-01 is more than 365 days ahead",
        ),
        (
            f"waivers:\n  - {{policy: ml-aks-01, resource: x, reason: '          ', owner: o, ticket: t, expires: {SOON}}}\n",
            "waivers.0.reason: must not be blank (only whitespace)",
        ),
        ("- enforcement\n", "Policy.dev.yaml: expected a mapping with enforcement, thresholds and waivers"),
        (
            "enforcement: {ml-aks-01: advisory}\nenforcement: {}\n",
            "Policy.dev.yaml: line 2: the key 'enforcement' appears twice in one mapping (lines 1 and 2)",
        ),
    ],
)
def test_bad_policy_files_are_one_clear_error(
    capsys: pytest.CaptureFixture[str], project: Path, text: str, message: str
) -> None:
    (project / "Policy.dev.yaml").write_text(text)
    for command in (["plan", "dev"], ["policy-config", "dev"]):
        assert main([*command, "--project", str(project)]) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.startswith("error: ") and "Traceback" not in err
        assert message in err, err


def test_a_missing_policy_config_file_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for command in ("plan", "policy-config"):
        for given, problem in ((tmp_path / "nope.yaml", "does not exist"), (tmp_path, "is a directory")):
            assert main([command, "dev", "--project", str(FIXTURE), "--policy-config", str(given)]) == 2
            assert capsys.readouterr().err == (
                f"error: --policy-config {given}: {problem}; pass a Policy.<stack>.yaml file\n"
            )


def test_the_central_registry_rejects_unknown_policies_and_far_expiries(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(waivers.WaiverError, match=r"waivers.0.expires: 2099-01-01 is more than 30 days ahead"):
        waivers.parse(
            {"waivers": [exception("ml-aks-01", resource="x", expires="2099-01-01")]},
            "c",
            central=True,
            max_expiry_days=30,
        )
    central = waivers.CentralRegistry(
        (), (waivers.EnforcementWaiver.model_validate_json(json.dumps(exception("ml-zzz-01", allow="advisory"))),), 365
    )
    monkeypatch.setattr(waivers, "registry_settings", lambda: central)
    with pytest.raises(
        PolicyConfigError,
        match=r"policies/waivers.yaml: enforcement_waivers.0.policy: 'ml-zzz-01' is not a policy of the pack",
    ):
        evaluate(record_program(lambda: None, stack="dev"))

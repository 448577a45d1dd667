"""The aiscale command: exit codes, output formats, the JSON contract, errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from aiscale.core.cli import main
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "keys-only"

AISCALE = [sys.executable, "-m", "aiscale.core.cli"]


def plan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["plan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def write_project(root: Path, program: str, stack_file: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text("name: team\nruntime: python\n")
    (root / "__main__.py").write_text(textwrap.dedent(program))
    if stack_file:
        (root / "Pulumi.dev.yaml").write_text(textwrap.dedent(stack_file))
    return root


def test_table_of_the_dev_stack(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = plan(capsys, "dev", "--project", str(FIXTURE))
    assert code == 0
    assert out.startswith(
        "Stack dev · project keys-only · environment dev\nOffline preview: 12 resources in 4 components"
    )
    assert "  + ├─ aiscale:index:AzureGpuInferencePlatform" in out
    assert "  +       └─ gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember  gcp-kms-gke-compute" in out
    assert "Resources by type:\n  2  azure-native:keyvault:Key\n" in out
    assert "Protected (0)" in out
    assert "Policy violations: 0 mandatory, 9 advisory\n" in out
    assert "  [advisory] ml-stack-03 · azure-keys-vault: azure-keys-vault has no private endpoint\n" in out


def test_no_policies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = plan(capsys, "prod", "--project", str(FIXTURE), "--no-policies")
    assert code == 0
    assert "Policy violations: not evaluated (no policy pack was run)" in out


def test_prod_protects_keys_and_vaults(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = plan(capsys, "prod", "--project", str(FIXTURE), "--format", "json")
    document = json.loads(out)
    protected = sorted((r["type"], r["name"]) for r in document["resources"] if r["protect"])
    # A vault without a private endpoint or diagnostics is a mandatory violation in prod: exit code 1.
    assert code == 1
    assert [(v["policy"], v["enforcement"]) for v in document["violations"]] == [
        ("ml-stack-03", "mandatory"),
        ("ml-stack-05", "mandatory"),
    ]
    assert protected == [
        ("azure-native:keyvault:Key", "azure-keys-key-disks"),
        ("azure-native:keyvault:Key", "azure-keys-key-platform"),
        ("azure-native:keyvault:Vault", "azure-keys-vault"),
        ("azure-native:resources:ResourceGroup", "azure-rg"),
        ("gcp:kms/cryptoKey:CryptoKey", "gcp-kms-gke"),
        ("gcp:kms/cryptoKey:CryptoKey", "gcp-kms-platform"),
        ("gcp:kms/keyRing:KeyRing", "gcp-kms-key-ring"),
    ]


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = plan(capsys, "dev", "--project", str(FIXTURE), "--format", "json")
    document = json.loads(out)
    assert code == 0
    assert {"stack", "project", "environment", "resources", "violations", "summary"} <= set(document)
    assert (document["stack"], document["project"], document["environment"]) == ("dev", "keys-only", "dev")
    assert len(document["violations"]) == 9
    assert document["violations"][-1] == {
        "policy": "ml-stack-05",
        "enforcement": "advisory",
        "urn": "urn:pulumi:dev::keys-only::aiscale:index:AzureGpuInferencePlatform$aiscale:index:KeyVault$"
        "azure-native:keyvault:Vault::azure-keys-vault",
        "message": "azure-keys-vault sends no diagnostic logs (no diagnostic setting)",
    }
    assert document["waived"] == [] and document["notEvaluated"] == []
    assert document["policyPack"] == "aiscale"
    for resource in document["resources"]:
        assert {"urn", "type", "name", "parent", "inputs", "protect", "dependencies"} <= set(resource)
        assert resource["urn"].startswith("urn:pulumi:dev::keys-only::")
        assert "pulumi:pulumi:Stack$" not in resource["urn"]
    vault = next(r for r in document["resources"] if r["type"] == "azure-native:keyvault:Vault")
    assert (
        vault["parent"]
        == "urn:pulumi:dev::keys-only::aiscale:index:AzureGpuInferencePlatform$aiscale:index:KeyVault::azure-keys"
    )
    assert vault["inputs"]["properties"]["publicNetworkAccess"] == "Disabled"
    assert document["summary"] == {
        "resources": 12,
        "components": 4,
        "protected": 0,
        "byType": {
            "azure-native:keyvault:Key": 2,
            "azure-native:keyvault:Vault": 1,
            "azure-native:resources:ResourceGroup": 1,
            "gcp:kms/cryptoKey:CryptoKey": 2,
            "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": 4,
            "gcp:kms/keyRing:KeyRing": 1,
            "gcp:projects/serviceIdentity:ServiceIdentity": 1,
        },
        "violations": {"mandatory": 0, "advisory": 9, "waived": 0, "disabled": 0},
    }


def test_json_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    first = plan(capsys, "staging", "--project", str(REPO), "--format", "json")
    second = plan(capsys, "staging", "--project", str(REPO), "--format", "json")
    assert first[0] == 0
    assert first == second


def test_secrets_are_never_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(
        tmp_path,
        """
        import pulumi
        from pulumi_azure_native import resources
        token = pulumi.Config().require_secret("token")
        resources.ResourceGroup("rg", location="westeurope", tags={"token": token, "plain": "visible"})
        pulumi.export("token", token)
        """,
        "config:\n  team:token: {secure: v1:c2VjcmV0}\n",
    )
    for output_format in ("json", "table", "markdown"):
        code, out, err = plan(capsys, "dev", "--project", str(root), "--format", output_format)
        assert code == 0
        assert "offline-placeholder-secret" not in out + err
        assert "c2VjcmV0" not in out + err
    document = json.loads(plan(capsys, "dev", "--project", str(root), "--format", "json")[1])
    assert document["resources"][0]["inputs"]["tags"] == {"plain": "visible", "token": "[secret]"}
    assert document["outputs"] == {"token": "[secret]"}


def test_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = plan(capsys, "dev", "--project", str(FIXTURE), "--format", "markdown")
    assert code == 0
    assert out.startswith(
        "<!-- aiscale-plan:dev -->\n### aiscale plan · `dev` (dev)\n\n**12** resources in **4** components"
    )
    assert "| 4 | `gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember` |" in out
    assert "<details><summary>Resources by type (7 types)</summary>" in out


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "reports" / "dev.json"
    code, out, err = plan(capsys, "dev", "--project", str(FIXTURE), "--format", "json", "--output", str(target))
    assert code == 0 and out == ""
    assert f"wrote {target} (16 resources)" in err
    assert json.loads(target.read_text())["stack"] == "dev"
    assert [p.name for p in target.parent.iterdir()] == ["dev.json"]


def test_bad_config_exits_2_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(
        tmp_path / "p",
        """
        from aiscale.blueprints import deploy_stack
        from aiscale.core.config import load_stack_config
        deploy_stack(load_stack_config())
        """,
        """
        config:
          aiscale:owner: team
          aiscale:cost_center: cc
          aiscale:gcp:
            project: aiscale-dev
            project_number: "123456"
            region: europe-west4
            kms: {key_ring: r, keys: {k: {rotation_days: 365}}}
        """,
    )
    target = tmp_path / "out.json"
    code, out, err = plan(capsys, "dev", "--project", str(root), "--format", "json", "--output", str(target))
    assert code == 2
    assert out == ""
    assert err == (
        "error: invalid stack configuration in Pulumi.dev.yaml:\n"
        "  aiscale:gcp.kms.keys.k.rotation_days: Input should be less than or equal to 90 (got 365)\n"
    )
    assert not target.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["dev", "--project", "/nonexistent"],
            "error: /nonexistent: no Pulumi.yaml here; pass the project directory with --project\n",
        ),
    ],
)
def test_project_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = plan(capsys, *args)
    assert (code, err) == (2, message)


def test_program_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(
        tmp_path, "from pulumi_azure_native import resources\nresources.ResourceGroup('rg', locaton='x')\n"
    )
    code, _, err = plan(capsys, "dev", "--project", str(root))
    assert code == 2
    assert err.startswith(
        "error: the program failed: TypeError: ResourceGroup._internal_init() got an unexpected keyword"
    )
    assert err.rstrip().endswith("at __main__.py:2")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["plan", "dev", "--format", "yaml"])
    assert caught.value.code == 2
    assert "invalid choice: 'yaml'" in capsys.readouterr().err


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": ""}
    return subprocess.run(
        [*AISCALE, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def test_subprocess_finds_the_project_from_the_working_directory() -> None:
    result = run_cli("plan", "dev", "--format", "json", cwd=REPO / "stacks")
    assert result.returncode == 0, result.stderr
    inventory = yaml.safe_load((REPO / "tests" / "inventories" / "dev.yaml").read_text())
    assert json.loads(result.stdout)["summary"]["resources"] == sum(
        1 for r in inventory if not r["type"].startswith("aiscale:")
    )
    assert result.stderr == ""  # not a terminal: no progress line


def test_hung_program_exits_2_without_traceback(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        """
        import asyncio
        import pulumi
        from pulumi_gcp import kms
        never = asyncio.get_event_loop().create_future()
        kms.KeyRing("ring", location=pulumi.Output.from_input(never))
        """,
    )
    result = run_cli("plan", "dev", "--timeout", "3", cwd=root, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: the program of stack 'dev' did not finish within 3 s")
    assert "Traceback" not in result.stderr


def test_bad_config_in_subprocess_has_no_traceback(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "from aiscale.blueprints import deploy_stack\nfrom aiscale.core.config import load_stack_config\n"
        "deploy_stack(load_stack_config())\n",
        "config:\n  aiscale:owner: team\n",
    )
    result = run_cli("plan", "dev", cwd=root)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "aiscale:cost_center: required" in result.stderr


def test_no_project_here(tmp_path: Path) -> None:
    result = run_cli("plan", "dev", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        2,
        "error: no Pulumi.yaml in this directory or above; pass --project DIR\n",
    )

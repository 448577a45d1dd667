"""The README's examples are executed: outputs shown are what the commands print, programs shown run."""

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiscale.core.cli import main
from aiscale.core.engine import run_stack
from tests.conftest import REPO, assert_recorded
from tests.test_component_package import construct, schema
from tests.test_stacks import inventory_text

README = (REPO / "README.md").read_text()
INVENTORIES = Path(__file__).parent / "inventories"


def block(marker: str) -> str:
    # A block's fence is three backticks or more (four when it shows markdown with fences of its own).
    match = re.search(rf"<!-- readme-{marker} -->\n(`{{3,}})[a-z]*\n(.*?)^\1$", README, re.DOTALL | re.MULTILINE)
    assert match, f"README has no block marked {marker}"
    return match.group(2)


def without_timing(text: str) -> str:
    return re.sub(r"\(\d+\.\d s, ", "(N s, ", text)


def test_plan_output_shown_is_the_real_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "dev", "--project", str(REPO)]) == 0
    shown = block("output: plan-dev")
    actual = capsys.readouterr().out
    assert without_timing(actual).startswith(without_timing(shown))


def test_error_shown_is_the_real_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "aiscale"
    shutil.copytree(REPO / "stacks", project / "stacks")
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(
        stack_file.read_text().replace(
            "      name: kv-aiscale-dev-weu\n",
            "      name: kv-aiscale-dev-weu\n      soft_delete_retention_days: 120\n",
        )
    )
    assert main(["plan", "dev", "--project", str(project)]) == 2
    command, *expected = block("output: bad-config").splitlines()
    assert command == "$ aiscale plan dev"
    assert capsys.readouterr().err.splitlines() == expected


def test_team_example_runs_and_matches_its_inventory(tmp_path: Path) -> None:
    project = tmp_path / "fraud"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: fraud-platform\nruntime: python\n")
    (project / "__main__.py").write_text(block("example: team-program"))
    (project / "Pulumi.dev.yaml").write_text(block("example: team-stack"))
    run = run_stack(project, "dev")
    assert_recorded(INVENTORIES / "readme-team.yaml", inventory_text(run), "AISCALE_UPDATE_INVENTORIES")
    # What the README says the plan shows.
    kinds = sorted(r.type.split(":")[-1] for r in run.registrations if r.custom)
    assert kinds == ["CryptoKey", "CryptoKeyIAMMember", "CryptoKeyIAMMember", "KeyRing", "ServiceIdentity"]
    assert run.stack_outputs == {"keyIds": "[unknown]"}


def test_pull_request_comment_shown_is_the_real_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_comment import staging_change  # noqa: PLC0415

    project = tmp_path / "aiscale"
    shutil.copytree(REPO / "stacks", project / "stacks")
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    base = tmp_path / "base.json"
    assert main(["plan", "staging", "--project", str(project), "--format", "json", "--output", str(base)]) == 0
    staging_change(project)
    for name in [n for n in os.environ if n.startswith(("GITHUB_", "BUILD_", "SYSTEM_", "TF_BUILD"))]:
        monkeypatch.delenv(name)
    capsys.readouterr()
    code = main(["plan", "staging", "--project", str(project), "--format", "markdown", "--baseline", str(base)])
    assert code == 0
    shown = block("output: comment-staging")
    actual = capsys.readouterr().out
    assert actual.startswith(shown)
    assert actual[len(shown) :].startswith("<details>")  # the README shows everything before the folded blocks


def _typescript_component(source: str) -> tuple[str, str, dict[str, Any]]:
    """(component, resource name, args) of the README's ``new aiscale.<Component>("name", {...})``."""
    match = re.search(r'new aiscale\.(\w+)\("([\w-]+)", (\{.*?\n\})\);', source, re.DOTALL)
    assert match, "the TypeScript example constructs no aiscale component"
    # The object literal as JSON: quote the keys, drop trailing commas.
    literal = re.sub(r"([{,]\s*)(\w+):", r'\1"\2":', match.group(3))
    return match.group(1), match.group(2), json.loads(re.sub(r",(\s*[}\]])", r"\1", literal))


def test_yaml_and_typescript_programs_construct_the_same_component_through_the_provider_host() -> None:
    program = yaml.safe_load(block("example: yaml-program"))
    assert program["packages"] == {"aiscale": "../aiscale"} and program["runtime"] == "yaml"
    [(name, resource)] = program["resources"].items()
    component, ts_name, ts_args = _typescript_component(block("example: typescript-program"))
    assert (resource["type"], name) == (f"aiscale:index:{component}", ts_name)
    assert resource["properties"] == ts_args
    outputs = schema()["resources"][resource["type"]]["properties"]
    assert program["outputs"] == {"keyIds": "${keys.keyIds}"} and "keyIds" in outputs
    assert "export const keyIds = keys.keyIds;" in block("example: typescript-program")
    response, recorder, _ = construct(resource["type"], name, resource["properties"])
    registered = sorted((r.type, r.name) for r in recorder.registrations.values())
    assert registered == [
        ("aiscale:index:KmsKeyRing", "keys"),
        ("gcp:kms/cryptoKey:CryptoKey", "keys-models"),
        ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "keys-models-aiplatform"),
        ("gcp:kms/keyRing:KeyRing", "keys-key-ring"),
        ("gcp:projects/serviceIdentity:ServiceIdentity", "keys-aiplatform-agent"),
    ]
    assert response.urn.endswith("::aiscale:index:KmsKeyRing::keys")

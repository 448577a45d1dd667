"""The README's examples are executed: outputs shown are what the commands print, programs shown run."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from aiscale.core.cli import main
from aiscale.core.engine import run_stack
from tests.conftest import REPO, assert_recorded
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

"""Stacks whose configuration comes from Pulumi ESC environments: planned offline with the environments' values
from ``esc env open --format json`` files, and told, when their configuration does not validate, that a value may
come from an imported environment."""

import json
from pathlib import Path
from typing import Any

import pytest

from aiscale.core import esc
from aiscale.core.cli import main
from aiscale.core.engine import run_stack
from aiscale.core.engine.stack_config import read_runtime_config
from aiscale.core.errors import ConfigError, ProgramError, ProjectError
from aiscale.core.project import load_project

PROGRAM = "from aiscale.blueprints import deploy_stack\nfrom aiscale.core.config import load_stack_config\n\ndeploy_stack(load_stack_config())\n"
WEBHOOK = "https://hooks.example.com/services/T000/B000/not-to-be-seen"
#: `esc env open acme/aiscale-dev --format json`, as the ESC CLI prints it: values only, secrets in clear text.
OPENED: dict[str, Any] = {
    "pulumiConfig": {
        "aiscale:cost_center": "cc-4711",
        "aiscale:owner": "from-the-environment",
        "aiscale:gcp": {
            "project": "aiscale-dev",
            "project_number": "123456789012",
            "region": "europe-west4",
            "kms": {"key_ring": "aiscale-dev", "keys": {"platform": {}}},
            "monitoring": {
                "alerts": {
                    "emails": ["oncall@example.com"],
                    "runbook_base_url": "https://runbooks.example.com/aiscale",
                    "webhook_url": WEBHOOK,
                }
            },
        },
    },
    "environmentVariables": {"GOOGLE_PROJECT": "aiscale-dev"},
}


def project(tmp_path: Path, stack_file: str) -> Path:
    root = tmp_path / "esc-demo"
    root.mkdir()
    (root / "Pulumi.yaml").write_text("name: esc-demo\nruntime: python\n")
    (root / "__main__.py").write_text(PROGRAM)
    (root / "Pulumi.dev.yaml").write_text(stack_file)
    return root


IMPORTING = "environment:\n  - acme/aiscale-dev\nconfig:\n  aiscale:owner: ml-platform\n"


@pytest.fixture
def opened(tmp_path: Path) -> Path:
    path = tmp_path / "aiscale-dev.json"
    path.write_text(json.dumps(OPENED))
    return path


def test_the_environment_s_values_plan_offline_under_the_stack_file_s(tmp_path: Path, opened: Path) -> None:
    root = project(tmp_path, IMPORTING)
    with esc.environment_values({"acme/aiscale-dev": opened}):
        run = run_stack(root, "dev")
    key = next(r for r in run.registrations if r.type == "gcp:kms/cryptoKey:CryptoKey")
    # cost_center from the environment; owner from the stack file, which wins as in a real run.
    assert key.inputs["labels"] == {
        "cost-center": "cc-4711",
        "environment": "dev",
        "managed-by": "aiscale",
        "owner": "ml-platform",
    }
    webhook = next(r for r in run.registrations if r.name == "gcp-monitoring-webhook")
    assert webhook.inputs["labels"] == {"url": "[secret]"}
    assert WEBHOOK not in json.dumps([r.inputs for r in run.registrations])
    assert not run.warnings  # no "secret given in plaintext": imported keys that can hold secrets are secrets


def test_imported_keys_that_can_hold_secrets_are_secrets(tmp_path: Path, opened: Path) -> None:
    root = project(tmp_path, IMPORTING)
    with esc.environment_values({"acme/aiscale-dev": opened}):
        config = read_runtime_config(load_project(root), "dev")
    assert config.secret_keys == {"aiscale:gcp"}
    assert config.values["aiscale:owner"] == "ml-platform"
    assert json.loads(config.values["aiscale:gcp"])["region"] == "europe-west4"


def test_without_the_values_the_error_says_they_may_come_from_the_environment(tmp_path: Path) -> None:
    root = project(tmp_path, IMPORTING)
    with pytest.raises((ConfigError, ProgramError)) as caught:
        run_stack(root, "dev")
    message = str(caught.value)
    assert "aiscale:cost_center: required" in message
    assert (
        "note: the stack imports Pulumi ESC environments (acme/aiscale-dev): a value may come from there "
        "(`esc env open acme/aiscale-dev` shows them; offline: `aiscale plan --esc-env acme/aiscale-dev=FILE`)"
    ) in message


def test_a_stack_without_imports_gets_no_such_note(tmp_path: Path) -> None:
    root = project(tmp_path, "config:\n  aiscale:owner: ml-platform\n")
    with pytest.raises((ConfigError, ProgramError)) as caught:
        run_stack(root, "dev")
    assert "ESC" not in str(caught.value)


def test_the_cli_reads_the_environment_s_file(tmp_path: Path, opened: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(project(tmp_path, IMPORTING))
    assert main(["plan", "dev", "--project", root, "--no-policies"]) == 2
    assert "note: the stack imports Pulumi ESC environments" in capsys.readouterr().err
    assert main(["plan", "dev", "--project", root, "--no-policies", "--esc-env", f"acme/aiscale-dev={opened}"]) == 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"environment": ["a/dev", "a/common"]}, ["a/dev", "a/common"]),
        ({"environment": {"imports": ["a/dev"]}}, ["a/dev"]),
        ({"environment": "a/dev"}, ["a/dev"]),
        ({"config": {}}, []),
        (None, []),
    ],
)
def test_imported_environments(data: Any, expected: list[str]) -> None:
    assert esc.imported_environments(data) == expected


def test_later_environments_win(tmp_path: Path) -> None:
    common, dev = tmp_path / "common.json", tmp_path / "dev.json"
    common.write_text(json.dumps({"pulumiConfig": {"aiscale:owner": "common", "aiscale:cost_center": "cc-1"}}))
    dev.write_text(json.dumps({"pulumiConfig": {"aiscale:owner": "dev"}}))
    with esc.environment_values({"a/common": common, "a/dev": dev}):
        assert esc.offline_values(["a/common", "a/dev", "a/missing"]) == (
            {"aiscale:owner": "dev", "aiscale:cost_center": "cc-1"},
            ["a/missing"],
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected the object esc env open --format json prints"),
        ('{"pulumiConfig": [1]}', "pulumiConfig: expected a mapping of config keys"),
    ],
)
def test_bad_environment_files_are_refused_before_the_run(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "env.json"
    path.write_text(content)
    with pytest.raises(ProjectError, match=message), esc.environment_values({"a/dev": path}):
        pass


def test_a_bad_esc_env_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["plan", "dev", "--esc-env", "acme/aiscale-dev"])
    assert caught.value.code == 2
    assert "expected ENVIRONMENT=FILE" in capsys.readouterr().err

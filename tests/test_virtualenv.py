"""A project with its own virtualenv: its program runs there (another pulumi SDK), the policy pack runs here.

The second virtualenv is real: pulumi 3.100.0 (the oldest SDK the bootstrap supports) and pulumi-random, from
the package index, created once with uv and kept under ~/.cache/aiscale-tests (AISCALE_TEST_VENVS elsewhere).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aiscale.core.engine import run_stack
from aiscale.core.engine.interpreter import program_interpreter
from aiscale.core.errors import ProgramError, ProjectError
from aiscale.core.project import load_project

OLDEST_SDK = ("pulumi==3.100.0", "pulumi-random==4.15.0", "setuptools==69.5.1")  # pulumi-random needs pkg_resources
VENVS = Path(os.environ.get("AISCALE_TEST_VENVS", Path.home() / ".cache" / "aiscale-tests"))

PROGRAM = """
import pulumi
import pulumi_random as random

pet = random.RandomPet("pet", length=2)
print("printed by the program")
pulumi.CustomResource(
    "azure-native:keyvault:Vault",
    "kv",
    {
        "resourceGroupName": "rg",
        "location": "westeurope",
        "vaultName": "kv-legacy",
        "properties": {"tenantId": "t", "sku": {"family": "A", "name": "standard"}, "enableSoftDelete": True},
    },
)
pulumi.export("pet", pet.id)
"""


@pytest.fixture(scope="session")
def legacy_virtualenv() -> Path:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    target = VENVS / f"{'-'.join(p.replace('==', '-') for p in OLDEST_SDK)}-py{version}"
    if not (target / ".complete").exists():
        uv = Path(sys.executable).parent / "uv"
        base = Path(sys.base_prefix) / "bin" / f"python{version}"
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([uv, "venv", "--quiet", str(target), "--python", str(base)], check=True, timeout=120)
        subprocess.run(
            [uv, "pip", "install", "--quiet", "--python", str(target / "bin" / "python"), *OLDEST_SDK],
            check=True,
            timeout=900,
        )
        (target / ".complete").touch()
    return target


def project(root: Path, program: str, runtime_options: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text(
        f"name: legacy\nruntime:\n  name: python\n  options:\n{textwrap.indent(runtime_options, '    ')}"
    )
    (root / "Pulumi.dev.yaml").write_text("config: {}\n")
    (root / "__main__.py").write_text(textwrap.dedent(program))
    return root


def test_a_program_runs_with_its_own_virtualenv_and_older_sdk(tmp_path: Path, legacy_virtualenv: Path) -> None:
    root = project(tmp_path / "legacy", PROGRAM, f"toolchain: pip\nvirtualenv: {legacy_virtualenv}\n")
    result = subprocess.run(
        [sys.executable, "-m", "aiscale.core.cli", "plan", "dev", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr  # a mandatory finding, below
    assert result.stderr == "printed by the program\n"  # never in the report on stdout
    document = json.loads(result.stdout)
    assert document["notes"] == [
        f"the program ran in its own virtualenv {legacy_virtualenv} (Python {sys.version.split()[0]}, pulumi 3.100.0); "
        "the policy pack ran in aiscale's"
    ]
    assert [(r["urn"], r["inputs"]) for r in document["resources"]] == [
        ("urn:pulumi:dev::legacy::random:index/randomPet:RandomPet::pet", {"length": 2}),
        (
            "urn:pulumi:dev::legacy::azure-native:keyvault:Vault::kv",
            {
                "location": "westeurope",
                "properties": {"enableSoftDelete": True, "sku": {"family": "A", "name": "standard"}, "tenantId": "t"},
                "resourceGroupName": "rg",
                "vaultName": "kv-legacy",
            },
        ),
    ]
    assert document["outputs"] == {"pet": "[unknown]"}
    # The aiscale pack judged what the other SDK registered: a vault without purge protection, among others.
    assert ("ml-keyvault-01", "mandatory") in {(v["policy"], v["enforcement"]) for v in document["violations"]}


@pytest.mark.parametrize(
    ("program", "message"),
    [
        (
            "import os\nimport pulumi\n\nos.environ['AISCALE_NOT_SET']\n",
            "the program failed: KeyError: 'AISCALE_NOT_SET'\n  at __main__.py:4",
        ),
        ("import os\nos._exit(0)\n", "ended {python} (exit status 0) without a result: it called os._exit or crashed"),
    ],
    ids=["error", "os._exit"],
)
def test_failures_in_the_virtualenv_are_clear(
    tmp_path: Path, legacy_virtualenv: Path, program: str, message: str
) -> None:
    root = project(tmp_path / "legacy", program, f"virtualenv: {legacy_virtualenv}\n")
    with pytest.raises(ProgramError) as caught:
        run_stack(root, "dev")
    assert message.format(python=legacy_virtualenv / "bin" / "python") in str(caught.value)


def test_the_timeout_stops_the_virtualenvs_program(tmp_path: Path, legacy_virtualenv: Path) -> None:
    root = project(tmp_path / "legacy", "import time\ntime.sleep(600)\n", f"virtualenv: {legacy_virtualenv}\n")
    with pytest.raises(ProgramError, match="did not finish within 2 s"):
        run_stack(root, "dev", timeout=2)


def test_aiscales_own_virtualenv_runs_in_process(tmp_path: Path) -> None:
    root = project(tmp_path / "same", "import pulumi\npulumi.export('ok', 1)\n", f"virtualenv: {sys.prefix}\n")
    assert program_interpreter(load_project(root)) == (None, None)
    assert run_stack(root, "dev").notes == []


def test_a_missing_virtualenv_falls_back_with_a_note(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    root = project(
        tmp_path / "missing", "import pulumi\npulumi.export('ok', 1)\n", "toolchain: pip\nvirtualenv: venv\n"
    )
    run = run_stack(root, "dev")
    assert (run.stack_outputs, run.notes) == ({"ok": 1}, [])
    assert capfd.readouterr().err == (
        "note: Pulumi.yaml declares the virtualenv venv (pip), which does not exist: the program ran with aiscale's "
        "own interpreter\n"
    )


def test_uv_and_poetry_find_their_virtualenv_as_the_pulumi_cli_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "uv.lock").write_text("")
    root = project(tmp_path / "infra", "", "toolchain: uv\n")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    interpreter, note = program_interpreter(load_project(root))
    assert note is None and interpreter is not None
    assert interpreter.virtualenv == tmp_path / ".venv"  # beside the nearest uv.lock, as `pulumi` places it

    root = project(tmp_path / "poetry", "", "toolchain: poetry\n")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    with pytest.raises(ProjectError, match="toolchain is poetry, but poetry is not on PATH"):
        program_interpreter(load_project(root))
    root = project(tmp_path / "other", "", "toolchain: conda\n")
    with pytest.raises(
        ProjectError, match=r"runtime\.options\.toolchain: expected one of pip, uv, poetry, got 'conda'"
    ):
        program_interpreter(load_project(root))

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
from aiscale.core.outputs import OutputSpec, parse_output
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
    assert "Policy violations: 0 mandatory, 10 advisory\n" in out
    assert "  [advisory] ml-stack-03 · azure-keys-vault: azure-keys-vault has no private endpoint\n" in out


def test_no_policies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = plan(capsys, "prod", "--project", str(FIXTURE), "--no-policies")
    assert code == 0
    assert "Policy violations: not evaluated (no policy pack was run)" in out


def test_prod_protects_keys_and_vaults(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = plan(capsys, "prod", "--project", str(FIXTURE), "--format", "json")
    document = json.loads(out)
    protected = sorted((r["type"], r["name"]) for r in document["resources"] if r["protect"])
    # A vault without a private endpoint or diagnostics is a mandatory violation in prod, and so are keys and a
    # subscription without an audit trail: exit code 1.
    assert code == 1
    assert [(v["policy"], v["enforcement"]) for v in document["violations"]] == [
        ("ml-stack-03", "mandatory"),
        ("ml-stack-05", "mandatory"),
        ("ml-audit-02", "mandatory"),
        ("ml-audit-03", "mandatory"),
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
    assert len(document["violations"]) == 10
    assert [v["policy"] for v in document["violations"]][-2:] == ["ml-stack-05", "ml-audit-02"]
    assert document["violations"][-2] == {
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
        "violations": {"mandatory": 0, "advisory": 10, "waived": 0, "disabled": 0},
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
    assert f"wrote {target} (12 resources in 4 components)" in err
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


def test_a_mistyped_report_format_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["plan", "dev", "--project", str(FIXTURE), "--output", f"jsn:{tmp_path}/plan.json"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.endswith(
        f"error: argument --output: 'jsn:{tmp_path}/plan.json': 'jsn' is not a report format (table, json, "
        f"markdown, sarif, junit); a file whose name starts so is ./jsn:{tmp_path}/plan.json\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sarif:reports/dev.sarif", OutputSpec("sarif", "reports/dev.sarif")),
        ("./jsn:plan.json", OutputSpec(None, "./jsn:plan.json")),
        ("C:reports/plan.json", OutputSpec(None, "C:reports/plan.json")),
        ("reports/v1:2.json", OutputSpec(None, "reports/v1:2.json")),
        ("plan.json", OutputSpec(None, "plan.json")),
    ],
)
def test_output_paths_and_formats(text: str, expected: OutputSpec) -> None:
    assert parse_output(text) == expected


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


# --- One run, several reports; several stacks; the stack names -------------------------------------------------


def counting_project(root: Path, stacks: tuple[str, ...] = ("dev",)) -> Path:
    """A project whose program notes each run in runs.txt and prints to stdout."""
    write_project(
        root,
        """
        import pulumi
        from pathlib import Path
        from pulumi_azure_native import resources
        print("a print of the program")
        with open(Path(__file__).parent / "runs.txt", "a") as runs:
            runs.write(pulumi.get_stack() + "\\n")
        resources.ResourceGroup("rg", location="westeurope", tags={"owner": "team"})
        """,
    )
    for stack in stacks:
        (root / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    return root


def test_one_run_writes_every_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = counting_project(tmp_path / "p")
    out_dir = tmp_path / "reports"
    code, out, err = plan(
        capsys,
        "dev",
        "--project",
        str(root),
        "--output",
        f"json:{out_dir}/plan.json",
        "--output",
        f"markdown:{out_dir}/comment.md",
        "--output",
        f"sarif:{out_dir}/plan.sarif",
        "--output",
        f"junit:{out_dir}/plan.xml",
        "--output",
        "table:-",
    )
    assert code == 0
    assert (root / "runs.txt").read_text() == "dev\n"  # the program ran once
    assert sorted(p.name for p in out_dir.iterdir()) == ["comment.md", "plan.json", "plan.sarif", "plan.xml"]
    assert json.loads((out_dir / "plan.json").read_text())["stack"] == "dev"
    assert json.loads((out_dir / "plan.sarif").read_text())["version"] == "2.1.0"
    assert out.startswith("Stack dev · project team · environment dev\nOffline preview: 1 resources in 0 components")
    assert f"wrote {out_dir}/plan.json (1 resources in 0 components)" in err


def test_reports_are_those_of_separate_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    together = tmp_path / "together"
    code, _, _ = plan(
        capsys,
        "dev",
        "--project",
        str(FIXTURE),
        "--output",
        f"json:{together}.json",
        "--output",
        f"markdown:{together}.md",
    )
    assert code == 0
    for output_format, suffix in (("json", "json"), ("markdown", "md")):
        alone = tmp_path / f"alone.{suffix}"
        assert plan(capsys, "dev", "--project", str(FIXTURE), "--format", output_format, "--output", str(alone))[0] == 0
        assert alone.read_text() == Path(f"{together}.{suffix}").read_text()


def test_wrote_counts_what_the_table_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = plan(capsys, "dev", "--project", str(FIXTURE), "--output", f"json:{tmp_path}/p.json")
    assert code == 0
    code, out, _ = plan(capsys, "dev", "--project", str(FIXTURE))
    headline = out.splitlines()[1]
    assert headline.startswith("Offline preview: 12 resources in 4 components")
    assert "(12 resources in 4 components)" in err


def test_several_stacks_in_one_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = plan(
        capsys, "dev", "prod", "--project", str(FIXTURE), "--output", f"json:{tmp_path}/{{stack}}.json"
    )
    assert code == 1  # the worst: prod has mandatory violations, dev none
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.json", "prod.json"]
    assert [json.loads((tmp_path / f"{s}.json").read_text())["stack"] for s in ("dev", "prod")] == ["dev", "prod"]
    assert err.splitlines() == [
        f"wrote {tmp_path}/dev.json (12 resources in 4 components)",
        f"wrote {tmp_path}/prod.json (12 resources in 4 components)",
    ]


def test_all_stacks_and_the_worst_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = counting_project(tmp_path / "p", ("dev", "prod", "staging"))
    (root / "Pulumi.staging.yaml").write_text("config:\n  team:x: [1,\n")  # broken YAML: exit 2 for that stack
    code, out, err = plan(capsys, "--all", "--project", str(root), "--no-policies")
    assert code == 2
    assert (root / "runs.txt").read_text() == "dev\nprod\n"
    assert out.count("Stack dev · ") == out.count("Stack prod · ") == 1
    assert err.startswith("error: stack staging: ") and "Pulumi.staging.yaml" in err


def test_stacks_that_would_share_a_file_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = plan(capsys, "dev", "prod", "--project", str(FIXTURE), "--output", f"json:{tmp_path}/plan.json")
    assert code == 2
    assert err == (
        f"error: --output {tmp_path}/plan.json: 2 stacks would write the same file; put {{stack}} in the path "
        "(reports/{stack}.json)\n"
    )
    assert list(tmp_path.iterdir()) == []
    code, _, err = plan(capsys, "dev", "prod", "--project", str(FIXTURE), "--format", "json")
    assert (code, err) == (
        2,
        "error: json reports of 2 stacks cannot share stdout; write each to a file with json:reports/{stack}.json\n",
    )


@pytest.mark.parametrize("command", ["plan", "policy-config", "graph"])
def test_a_mistyped_stack_lists_the_stacks(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = ["--output", str(tmp_path / "graph.mmd")] if command == "graph" else []
    code = main([command, "dve", "--project", str(FIXTURE), *extra])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        "error: no stack 'dve': Pulumi.dve.yaml does not exist (did you mean dev?); the stacks of this project are "
        "dev, prod (create the file to plan a new stack)\n"
    )


def test_the_programs_prints_never_reach_stdout(tmp_path: Path) -> None:
    root = counting_project(tmp_path / "p")
    result = run_cli("plan", "dev", "--format", "json", "--no-policies", cwd=root)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["resources"] == 1
    assert result.stderr == "a print of the program\n"


def test_a_program_that_closes_stdout_still_gets_its_report(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "import os, sys\nfrom pulumi_azure_native import resources\nsys.stdout.close()\nos.close(1)\n"
        "resources.ResourceGroup('rg', location='westeurope')\n",
    )
    result = run_cli("plan", "dev", "--format", "json", "--no-policies", cwd=root)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["resources"] == 1


def test_a_program_that_exits_the_interpreter_fails_the_plan(tmp_path: Path) -> None:
    root = write_project(tmp_path, "import os\nos._exit(0)\n")
    result = run_cli("plan", "dev", "--format", "json", cwd=root)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("error: the program of stack 'dev' ended the process (exit status 0)")


def test_a_closed_stdout_is_an_error(tmp_path: Path) -> None:
    root = counting_project(tmp_path / "p")
    result = subprocess.run(
        [*AISCALE, "plan", "dev", "--no-policies"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=120,
        # The shell's `>&-`: the command starts with no stdout at all.
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 2
    assert result.stderr.endswith("error: cannot write the report to stdout (it is closed)\n")


# --- Help without the SDKs; the progress line ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        *([command, "--help"] for command in ("plan", "policy-config", "promote", "rollout", "graph")),
    ],
)
def test_help_imports_no_sdk(args: list[str]) -> None:
    script = (
        "import sys\nfrom aiscale.core.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit as e:\n    code = e.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_policy', 'pydantic', 'grpc')"
        " or m.startswith('pulumi_'))\n"
        "print(code, loaded, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stderr.splitlines()[-1] == "0 []"
    assert result.stdout.startswith("aiscale 0.1.0" if args == ["--version"] else "usage: aiscale")


def test_progress_line_shows_the_phases() -> None:
    import io  # noqa: PLC0415

    from aiscale.core.engine.isolation import Progress  # noqa: PLC0415
    from aiscale.core.progress import ProgressLine  # noqa: PLC0415

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    line = ProgressLine(terminal, delay=0)
    line.start("[2/3] staging")
    for progress in (
        Progress(phase="loading", modules=812),
        Progress(phase="program", resources=57, modules=2251),
        Progress(phase="recorded", resources=198),
        Progress(phase="policies", resources=198),
        Progress(phase="cost", resources=198),
        Progress(phase="rendering", resources=198),
    ):
        line.update(progress)
    line.clear()
    shown = [part.split(" (")[0] for part in terminal.getvalue().split("\r") if part.strip("\x1b[K")]
    assert shown == [
        "⠋ [2/3] staging: importing SDKs and the program",
        "⠙ [2/3] staging: running the program: 57 resources",
        "⠹ [2/3] staging: recorded 198 resources",
        "⠸ [2/3] staging: policies",
        "⠼ [2/3] staging: cost estimate",
        "⠴ [2/3] staging: rendering",
    ]


def test_chart_notes_reach_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_engine import CHART_NOTES, CHARTS, write_project  # noqa: PLC0415

    root = write_project(tmp_path / "charts", "charts", CHARTS, {"dev": "config: {}\n"})
    formats = {"table": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "junit": "xml"}
    args = [a for f, suffix in formats.items() for a in ("--output", f"{f}:{tmp_path}/plan.{suffix}")]
    code, _, _ = plan(capsys, "dev", "--project", str(root), *args)
    assert code == 0
    table = (tmp_path / "plan.txt").read_text()
    assert all(f"\nnote: {note}\n" in table for note in CHART_NOTES)
    assert json.loads((tmp_path / "plan.json").read_text())["notes"] == CHART_NOTES
    assert all(f"> [!NOTE]\n> {note}\n" in (tmp_path / "plan.md").read_text() for note in CHART_NOTES)
    sarif = json.loads((tmp_path / "plan.sarif").read_text())
    notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notifications == [{"level": "note", "message": {"text": note}} for note in CHART_NOTES]
    junit = (tmp_path / "plan.xml").read_text()
    assert junit.count('<property name="aiscale.note" value="helm chart ') == 2
    assert f"note: {CHART_NOTES[0]}" in junit

"""Careless or hostile input ends in one clear error (exit 2), never a traceback, a hang or a half-written file.

Stack files, command-line arguments, report paths and misplaced secrets; policy files are in test_guardrails.py,
stack file edits in test_promote.py, and the fuzz test over all of them in test_fuzz.py.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aiscale.core import files, strict_yaml
from aiscale.core.cli import main
from aiscale.core.redaction import redact, redact_url
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "keys-only"
AISCALE = [sys.executable, "-m", "aiscale.core.cli"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "project")
    # The program leaves a mark when it runs: checks that must happen before the run can be seen to.
    main_file = tmp_path / "project" / "__main__.py"
    main_file.write_text("import pathlib\npathlib.Path(__file__).with_name('ran').touch()\n" + main_file.read_text())
    return tmp_path / "project"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def set_config(project: Path, line: str, stack: str = "dev") -> Path:
    """Set one top-level key of the stack file's config (``aiscale:owner: x``), replacing what it held."""
    path = project / f"Pulumi.{stack}.yaml"
    key = line.split(": ", 1)[0]
    kept, skipping = [], False
    for row in path.read_text().splitlines(keepends=True):
        if row.startswith(f"  {key}:"):
            skipping = True
            continue
        if skipping and row.startswith("   "):
            continue
        skipping = False
        kept.append(row)
    path.write_text("".join(kept).replace("config:\n", f"config:\n  {line}\n", 1))
    return path


# --- Report files --------------------------------------------------------------------------------------------


def test_output_dash_is_stdout(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    code, out, err = run(capsys, "plan", "dev", "--project", str(project), "--format", "json", "--output", "-")
    assert code == 0 and json.loads(out)["stack"] == "dev" and "wrote" not in err
    assert not (project / "-").exists()
    code, out, _ = run(capsys, "policy-config", "dev", "--project", str(project), "--output", "-")
    assert code == 0 and json.loads(out)["all"] == "advisory"


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("folder.dot", "is a directory; name a file in it"),
        ("a-file.dot/report.dot", "{tmp}/a-file.dot is a file, not a folder"),
        ("a-file.dot/deeper/report.dot", "{tmp}/a-file.dot is a file, not a folder"),
        ("/dev/null", "is not a regular file (a device, pipe or socket); use - for stdout"),
        ("link.dot", "is a symbolic link (to a-file.dot); aiscale does not write through links: name the file itself"),
    ],
)
def test_unusable_output_paths_fail_before_the_run(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path, target: str, problem: str
) -> None:
    (tmp_path / "folder.dot").mkdir()
    (tmp_path / "a-file.dot").write_text("keep me\n")
    (tmp_path / "link.dot").symlink_to("a-file.dot")
    output = target if target.startswith("/") else str(tmp_path / target)
    commands = [["plan", "dev"], ["policy-config", "dev"], ["graph", "dev"]]
    for command in commands if not target.startswith("/") else commands[:2]:  # graph wants an extension
        code, out, err = run(capsys, *command, "--project", str(project), "--output", output)
        assert (code, out, err) == (2, "", f"error: --output {output}: {problem.format(tmp=tmp_path)}\n"), command
    assert not (project / "ran").exists()  # refused before the program ran
    assert (tmp_path / "a-file.dot").read_text() == "keep me\n"


def test_report_files_get_the_mode_the_umask_gives(project: Path, tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        files.write_report(tmp_path / "new.json", "{}\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640
    existing = tmp_path / "existing.json"
    existing.write_text("old\n")
    existing.chmod(0o600)
    files.write_report(existing, "new\n")
    assert (stat.S_IMODE(existing.stat().st_mode), existing.read_text()) == (0o600, "new\n")


def test_the_report_is_on_disk_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    files.write_report(tmp_path / "report.md", "text\n")
    assert events == ["fsync", "replace", "fsync"]  # the file, the rename, then the folder


def test_a_write_that_fails_leaves_nothing_behind(project: Path, tmp_path: Path) -> None:
    """A real failure from the operating system (a file size limit, as a full disk would): exit 2, the old
    report untouched, no temporary file."""
    target = tmp_path / "reports" / "dev.json"
    target.parent.mkdir()
    target.write_text("the previous report\n")

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    completed = subprocess.run(
        [*AISCALE, "plan", "dev", "--project", str(project), "--format", "json", "--output", str(target)],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr == f"error: cannot write {target}: File too large\n"
    assert target.read_text() == "the previous report\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["dev.json"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; CI runs as a normal user")
def test_a_read_only_folder_is_refused_before_the_run(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    code, _, err = run(capsys, "plan", "dev", "--project", str(project), "--output", str(folder / "x.json"))
    assert code == 2 and err == f"error: --output {folder / 'x.json'}: the folder {folder} is not writable\n"
    assert not (project / "ran").exists()


# --- Arguments -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-5", "1e400", "86401", "99999999999", "soon"])
def test_bad_timeouts_are_usage_errors(capsys: pytest.CaptureFixture[str], value: str) -> None:
    for command in ("plan", "graph"):
        with pytest.raises(SystemExit) as caught:
            main([command, "dev", f"--timeout={value}", "--output", "x.dot"])
        assert caught.value.code == 2
        err = capsys.readouterr().err
        assert f"argument --timeout: '{value}'" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"schemaVersion": 1, "resources": [{"urn": "u", "type": "t"}]}, "resources[0].name: required"),
        (
            {"schemaVersion": 1, "resources": [{"urn": "u", "type": "t", "name": "n", "inputs": []}]},
            "resources[0].inputs: expected an object",
        ),
        ({"schemaVersion": 1, "resources": [{"urn": 1, "type": "t", "name": "n"}]}, "resources[0].urn: expected text"),
        (
            {"schemaVersion": 1, "resources": [{"urn": "u", "type": "t", "name": "n", "protect": "yes"}]},
            "resources[0].protect: expected true or false",
        ),
        ({"schemaVersion": 1, "resources": ["urn"]}, "resources[0]: expected an object with urn, type and name"),
    ],
)
def test_a_bad_baseline_resource_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path, document: object, problem: str
) -> None:
    baseline = tmp_path / "base.json"
    baseline.write_text(json.dumps(document))
    code, out, err = run(
        capsys, "plan", "dev", "--project", str(project), "--format", "json", "--baseline", str(baseline)
    )
    assert (code, out) == (2, "")
    assert err == f"error: baseline plan {baseline}: {problem}\n"
    assert not (project / "ran").exists()


def test_a_deeply_nested_baseline_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    baseline = tmp_path / "base.json"
    baseline.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = run(
        capsys, "plan", "dev", "--project", str(FIXTURE), "--format", "json", "--baseline", str(baseline)
    )
    assert code == 2 and err == f"error: baseline plan {baseline} is nested too deeply to be a plan\n"


# --- Stack files ---------------------------------------------------------------------------------------------


def bomb(levels: int = 9) -> str:
    text = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for level in range(1, levels + 1):
        text += f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]\n"
    return text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "config:\n  aiscale:azure: {}\n  aiscale:owner: me\n  aiscale:azure: {location: westeurope}\n",
            "line 4: the key 'aiscale:azure' appears twice in one mapping (lines 2 and 4)",
        ),
        ("config:\n  aiscale:owner: !!binary aGVsbG8=\n", "line 2: the tag !!binary is not allowed"),
        ("config:\n  aiscale:tags: !!set {a, b}\n", "line 2: the tag !!set is not allowed"),
        (
            "config:\n  aiscale:owner: !!python/name:os.system\n",
            "line 2: the tag !!python/name:os.system is not allowed",
        ),
        ("config:\n  aiscale:owner: !Ref me\n", "line 2: the tag !Ref is not allowed"),
        ('config:\n  aiscale:owner: "a\\x07b"\n', "line 2: control character U+0007 in 'a?b'"),
        ('config:\n  aiscale:owner: "team\\u202e"\n', "line 2: control character U+202E"),
        ("config:\n  aiscale:owner: a\x01b\n", "line 2: control character U+0001 (not allowed in YAML)"),
        ("config:\n  aiscale:tags: " + "[" * 70 + "]" * 70 + "\n", "line 2: nested more than 64 levels deep"),
        ("config:\n  aiscale:tags: &t [*t]\n", "line 2: the alias *t is used inside its own anchor"),
        ("config:\n  ? [a]\n  : b\n", "line 2: a mapping key must be text, a number or a boolean"),
        ("config: [\n", "not valid YAML"),
        ("config: {}\n---\nconfig: {}\n", "line 2: not valid YAML (but found another document)"),
    ],
)
def test_a_bad_stack_file_is_one_error_naming_file_and_line(
    capsys: pytest.CaptureFixture[str], project: Path, text: str, problem: str
) -> None:
    (project / "Pulumi.dev.yaml").write_text(text)
    for command in (["plan", "dev"], ["policy-config", "dev"]):
        code, out, err = run(capsys, *command, "--project", str(project))
        assert (code, out) == (2, "")
        assert err.startswith(f"error: {project / 'Pulumi.dev.yaml'}:") and problem in err, err
        assert err.count("\n") == 1 and "Traceback" not in err
    assert not (project / "ran").exists()


def test_an_alias_bomb_stops_at_the_value_bound(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    """A billion values once expanded: composing stops after MAX_VALUES (benchmarks/hostile_yaml.py measures the
    time and memory that takes)."""
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aiscale:tags:\n" + "".join(f"    {line}\n" for line in bomb().splitlines())
    )
    code, out, err = run(capsys, "plan", "dev", "--project", str(project))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {project / 'Pulumi.dev.yaml'}: line 7: more than {strict_yaml.MAX_VALUES} values once aliases are "
        "expanded (an alias bomb?)\n"
    )


def test_a_file_that_is_not_utf8_is_named(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    path = project / "Pulumi.dev.yaml"
    path.write_bytes(path.read_bytes().replace(b"ml-platform", "ml-plätform".encode("latin-1")))
    code, _, err = run(capsys, "plan", "dev", "--project", str(project))
    assert code == 2 and err == f"error: {path}: line 3: not UTF-8 text (byte 0xe4); save the file as UTF-8\n"


def test_a_huge_or_special_stack_file_is_refused(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    path = project / "Pulumi.dev.yaml"
    path.write_text("config: {}\n" + "#" * strict_yaml.MAX_BYTES + "\n")
    code, _, err = run(capsys, "plan", "dev", "--project", str(project))
    assert code == 2 and err.startswith(f"error: {path}: ") and "at most 1 MiB are read" in err
    path.unlink()
    os.mkfifo(path)
    code, _, err = run(capsys, "plan", "dev", "--project", str(project))  # a pipe would block a reader forever
    assert (code, err) == (2, f"error: {path}: not a regular file\n")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("aiscale:owner: [a, b]", "aiscale:owner: expected text, got a list"),
        ("aiscale:cost_center: {team: x}", "aiscale:cost_center: expected text, got a mapping"),
        ("aiscale:owner: '   '", "aiscale:owner: must not be blank (only whitespace)"),
        ("aiscale:tags: {team: ' '}", "aiscale:tags.team: must not be blank (only whitespace)"),
    ],
)
def test_strict_types(capsys: pytest.CaptureFixture[str], project: Path, line: str, problem: str) -> None:
    set_config(project, line)
    code, _, err = run(capsys, "plan", "dev", "--project", str(project))
    assert code == 2 and f"\n  {problem}" in err, err


@pytest.mark.parametrize("value", ["123", "[v1, abc]", "{a: b}", "''", "null"])
def test_a_secure_value_must_be_encrypted_text(capsys: pytest.CaptureFixture[str], project: Path, value: str) -> None:
    set_config(project, f"aiscale:tags: {{project: {{secure: {value}}}}}")
    for command in ("plan", "policy-config"):
        code, _, err = run(capsys, command, "dev", "--project", str(project))
        assert (code, err) == (
            2,
            "error: Pulumi.dev.yaml: aiscale:tags.project: secure: expected the encrypted text `pulumi config set "
            "--secret` writes\n",
        )


def test_a_secret_field_in_plaintext_is_a_warning(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = tmp_path / "repo"
    shutil.copytree(REPO / "stacks", project / "stacks")
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    path = project / "stacks" / "Pulumi.dev.yaml"
    text = path.read_text()
    assert "      alerts:\n" in text
    path.write_text(
        text.replace("      alerts:\n", "      alerts:\n        webhook_url: https://hooks.example.com/T0/B0\n", 1)
    )
    code, out, _ = run(capsys, "plan", "dev", "--project", str(project), "--no-policies", "--format", "json")
    assert code == 0
    warning = (
        "stacks/Pulumi.dev.yaml: aiscale:azure.monitoring.alerts.webhook_url is a secret but is given in plaintext"
    )
    assert any(w.startswith(warning) for w in json.loads(out)["warnings"])
    assert "hooks.example.com" not in "".join(json.loads(out)["warnings"])


# --- Misplaced secrets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "https://user:p4ss@example.com/x",
        "https://example.com/hook?token=abc123&sig=xyz",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ],
)
def test_errors_never_echo_a_credential(capsys: pytest.CaptureFixture[str], project: Path, value: str) -> None:
    set_config(project, f"aiscale:environment: '{value}'")
    set_config(project, f"aiscale:protect_stateful: '{value}'")
    code, out, err = run(capsys, "plan", "dev", "--project", str(project))
    assert (code, out) == (2, "")
    secret = {"https://user:p4ss@example.com/x": "p4ss", "https://example.com/hook?token=abc123&sig=xyz": "abc123"}
    assert secret.get(value, value) not in err


def test_redaction_keeps_identifiers() -> None:
    kept = (
        "subscription 6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a01, size Standard_NC8as_T4_v3, "
        "urn:pulumi:prod::aiscale::aiscale:blueprints:AzureGpuInferencePlatform$azure-native:keyvault:Vault::v, "
        "projects/aiscale-prod/locations/europe-west4/keyRings/aiscale-prod/cryptoKeys/platform, run "
        "3f2a9c1b7d4e4f0a8b6c5d2e1f0a9b8c"
    )
    assert redact(kept) == kept
    assert redact_url("https://u:p@mlflow.example.com:8443/x?token=t&x=1") == (
        "https://mlflow.example.com:8443/x?token=[redacted]&x=[redacted]"
    )
    assert redact("url: /?token=abc/api/2.0&name=x (Caused by ...)") == (
        "url: /?token=[redacted]&name=[redacted] (Caused by ...)"
    )


def test_the_console_command_ends_bad_input_the_same_way(project: Path) -> None:
    (project / "Pulumi.dev.yaml").write_text("config:\n  aiscale:owner: a\n  aiscale:owner: b\n")
    started = time.monotonic()
    completed = subprocess.run(
        [*AISCALE, "plan", "dev", "--project", str(project)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr == (
        f"error: {project / 'Pulumi.dev.yaml'}: line 3: the key 'aiscale:owner' appears twice in one mapping "
        "(lines 2 and 3)\n"
    )
    assert time.monotonic() - started < 60

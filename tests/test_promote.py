"""``aiscale promote`` against a real MLflow tracking store (SQLite in a temp directory) holding a tiny pyfunc
model whose versions carry the metrics and tags the gates read; stack files are copies of the repository's."""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pytest
import yaml
from mlflow import MlflowClient
from mlflow.pyfunc.utils import pyfunc

from aiscale.core.cli import main
from aiscale.core.delivery.endpoints import DeliveryError
from aiscale.core.delivery.registry import REQUEST_BOUNDS, shown, tracking_uri
from aiscale.core.delivery.stackfile import StackFile
from aiscale.core.files import exclusive_lock
from tests.conftest import REPO
from tests.test_readme import block

MODEL = "fraud-detector"
PROD_URI = (
    "azureml://subscriptions/6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a03/resourcegroups/rg-aiscale-prod/workspaces/"
    "mlw-aiscale-prod/datastores/workspaceblobstore/paths/models/fraud-detector/{version}"
)
STAGING_URI = PROD_URI.replace("6a03", "6a02").replace("-prod", "-staging")

# Registry versions 1..9 and what each one shows: v3 and v4 serve in the stacks; v5 passes every gate;
# v6, v7 and v8 each fail exactly one gate; v9 is on another alias.
VERSIONS: list[tuple[dict[str, float], dict[str, str]]] = [
    ({"accuracy": 0.80, "latency_p95_ms": 90}, {"validation_status": "approved"}),
    ({"accuracy": 0.85, "latency_p95_ms": 90}, {"validation_status": "approved"}),
    ({"accuracy": 0.91, "latency_p95_ms": 100}, {"validation_status": "approved"}),
    ({"accuracy": 0.93, "latency_p95_ms": 105}, {"validation_status": "approved"}),
    ({"accuracy": 0.94, "latency_p95_ms": 95}, {"validation_status": "approved"}),
    ({"accuracy": 0.95, "latency_p95_ms": 130}, {"validation_status": "approved"}),  # too slow
    ({"accuracy": 0.95, "latency_p95_ms": 95}, {"validation_status": "pending"}),  # not approved
    ({"accuracy": 0.92, "latency_p95_ms": 95}, {"validation_status": "approved"}),  # worse than staging's v4
    ({"accuracy": 0.99, "latency_p95_ms": 80}, {"validation_status": "approved"}),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A tracking store with ``fraud-detector`` v1..v9, each logged from a run with its metrics."""

    @pyfunc  # validates inputs against the type hints, as a PythonModel's predict does
    def threshold(model_input: list[float]) -> list[bool]:  # the smallest real model: flags scores above 0.5
        return [score > 0.5 for score in model_input]

    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("fraud", artifact_location=(root / "artifacts").as_uri())
    client = MlflowClient(uri, uri)
    for metrics, tags in VERSIONS:
        with mlflow.start_run(experiment_id=experiment):
            mlflow.log_metrics(metrics)
            info = mlflow.pyfunc.log_model(
                name="model", python_model=threshold, registered_model_name=MODEL, pip_requirements=["mlflow"]
            )
        for key, value in tags.items():
            client.set_model_version_tag(MODEL, str(info.registered_model_version), key, value)
    client.set_registered_model_alias(MODEL, "challenger", "9")
    yield uri
    mlflow.set_tracking_uri("")


def set_champion(uri: str, version: int) -> None:
    MlflowClient(uri, uri).set_registered_model_alias(MODEL, "champion", str(version))


@pytest.fixture
def project(tmp_path: Path, store: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository's project file and stacks, no rollout in progress: staging's idle green slot holds v3,
    prod's v4 went back to 0 %."""
    shutil.copy(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "stacks").mkdir()
    for stack in ("dev", "staging", "prod"):
        text = (REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text()
        if stack == "staging":
            text = text.replace("          mirror_traffic: {green: 20}\n", "")
            text = text.replace("version: 5\n", "version: 3\n").replace("fraud-detector/5\n", "fraud-detector/3\n")
        if stack == "prod":
            text = text.replace("traffic: {blue: 90, green: 10}", "traffic: {blue: 100, green: 0}")
        (tmp_path / "stacks" / f"Pulumi.{stack}.yaml").write_text(text)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    monkeypatch.setenv("AISCALE_ACTOR", "alice@example.com")
    set_champion(store, 5)
    return tmp_path


def promote(capsys: pytest.CaptureFixture[str], project: Path, *args: str) -> tuple[int, str, str]:
    code = main(["promote", *args, "--project", str(project)])
    out, err = capsys.readouterr()
    return code, out, err


def audit(project: Path) -> list[dict[str, Any]]:
    path = project / "audit" / "rollouts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def stack_text(project: Path, stack: str) -> str:
    return (project / "stacks" / f"Pulumi.{stack}.yaml").read_text()


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_promote_pins_the_version_and_the_first_step(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    before = stack_text(project, "staging")
    code, out, err = promote(capsys, project, "staging", "--model", MODEL)
    assert (code, err) == (0, "")
    after = stack_text(project, "staging")
    # Only the idle slot's pin and the first (mirrored) step: every comment and every other line is kept.
    assert changed_lines(before, after) == [
        "-                version: 3",
        f"-                artifact_uri: {STAGING_URI.format(version=3)}",
        "+                version: 5",
        f"+                artifact_uri: {STAGING_URI.format(version=5)}",
        "+          mirror_traffic: {green: 20}",
    ]
    assert "+          mirror_traffic: {green: 20}" in out
    for line in (
        "[pass] idle candidate slot: no rollout in progress",
        "[pass] metric accuracy: 0.94 (needs ≥ 0.9)",
        "[pass] metric latency_p95_ms: 95 (needs ≤ 120)",
        "[pass] tag validation_status=approved: validation_status=approved",
        "[pass] accuracy not worse than the pinned version: v5 0.94 ≥ v4 0.93",
    ):
        assert line in out
    assert "serving in staging" not in out  # a prod gate only
    [entry] = audit(project)
    assert entry["actor"] == "alice@example.com"
    assert {k: entry[k] for k in ("command", "stack", "endpoint", "version", "previous_version", "decision")} == {
        "command": "promote",
        "stack": "staging",
        "endpoint": "fraud",
        "version": 5,
        "previous_version": 4,
        "decision": "promoted",
    }
    # The edited file is still a valid stack: the offline plan's config loader accepts it.
    azure = StackFile.load(project, "staging").config.azure
    assert azure is not None and azure.ml is not None
    assert azure.ml.endpoints["fraud"].mirror_traffic == {"green": 20}


@pytest.mark.parametrize(
    ("version", "failed"),
    [
        (6, "[FAIL] metric latency_p95_ms: 130 > max 120"),
        (7, "[FAIL] tag validation_status=approved: validation_status=pending"),
        (8, "[FAIL] accuracy not worse than the pinned version: v8 0.92 < v4 0.93"),
    ],
)
def test_each_gate_fails_on_its_own(
    capsys: pytest.CaptureFixture[str], project: Path, store: str, version: int, failed: str
) -> None:
    set_champion(store, version)
    before = stack_text(project, "staging")
    code, out, _ = promote(capsys, project, "staging", "--model", MODEL)
    assert code == 1
    assert [line.strip() for line in out.splitlines() if "[FAIL]" in line] == [failed]
    assert "not promoted: 1 gate(s) failed" in out
    assert stack_text(project, "staging") == before
    [entry] = audit(project)
    assert (entry["decision"], entry["version"]) == ("rejected", version)


def test_prod_needs_the_version_live_in_staging(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    before = stack_text(project, "prod")
    code, out, _ = promote(capsys, project, "prod", "--model", MODEL, "--endpoint", "fraud")
    assert code == 1
    # Both endpoints of the model are checked; the Vertex one does not ask for staging.
    assert [line.strip() for line in out.splitlines() if "[FAIL]" in line] == [
        "[FAIL] serving in staging: staging serves v4 live"
    ]
    assert stack_text(project, "prod") == before

    # Staging switches v5 live (its blue/green rollout completed): now prod may pin it.
    staging = stack_text(project, "staging").replace("version: 3\n", "version: 5\n")
    staging = staging.replace("fraud-detector/3\n", "fraud-detector/5\n")
    staging = staging.replace("          traffic: {blue: 100}\n", "          traffic: {blue: 0, green: 100}\n", 1)
    (project / "stacks" / "Pulumi.staging.yaml").write_text(staging)
    code, out, _ = promote(capsys, project, "prod", "--model", MODEL)
    assert code == 0, out
    assert "[pass] serving in staging: staging serves v5 live" in out
    after = yaml.safe_load(stack_text(project, "prod"))["config"]
    azure = after["aiscale:azure"]["ml"]["endpoints"]["fraud"]
    gcp = after["aiscale:gcp"]["endpoints"]["fraud"]
    assert azure["deployments"]["green"]["model"]["version"] == 5
    assert azure["traffic"] == {"blue": 90, "green": 10}
    # The Vertex model keeps its serving container; only the pin and the artifact change.
    assert gcp["deployments"]["green"]["model"] == {
        "registry": "models:/fraud-detector@champion",
        "version": 5,
        "artifact_uri": "gs://aiscale-prod-models/fraud-detector/5",
        "serving_container_image": "europe-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-5:latest",
    }
    assert gcp["traffic"] == {"blue": 90, "green": 10}


def test_a_rollout_in_progress_blocks_a_new_pin(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    shutil.copy(REPO / "stacks" / "Pulumi.prod.yaml", project / "stacks" / "Pulumi.prod.yaml")
    code, out, _ = promote(capsys, project, "prod", "--model", MODEL, "--dry-run")
    assert code == 1
    assert (
        "[FAIL] idle candidate slot: a rollout is in progress (canary step 1/3: 10% live): finish or roll back" in out
    )
    assert audit(project) == []  # a dry run decides nothing


def test_a_version_already_pinned_changes_nothing(
    capsys: pytest.CaptureFixture[str], project: Path, store: str
) -> None:
    set_champion(store, 4)
    before = stack_text(project, "staging")
    code, out, _ = promote(capsys, project, "staging", "--model", MODEL)
    assert code == 0
    assert "v4 is already pinned on blue: nothing to promote" in out
    assert stack_text(project, "staging") == before
    assert audit(project)[0]["decision"] == "unchanged"


def test_another_alias(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    code, out, _ = promote(capsys, project, "staging", "--model", MODEL, "--alias", "challenger", "--dry-run")
    assert code == 0
    assert "not written (--dry-run)" in out
    assert "+                registry: models:/fraud-detector@challenger" in out
    assert "+                version: 9" in out


def test_registry_errors_exit_2(
    capsys: pytest.CaptureFixture[str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = stack_text(project, "staging")
    code, out, err = promote(capsys, project, "staging", "--model", MODEL, "--alias", "nope")
    assert (code, out) == (2, "")
    assert "cannot read models:/fraud-detector@nope: Registered model alias nope not found" in err

    code, _, err = promote(capsys, project, "staging", "--model", "unknown-model")
    assert code == 2
    assert "stacks/Pulumi.staging.yaml: no endpoint promotes model 'unknown-model'" in err

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://user:s3cret@127.0.0.1:{port}")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    code, _, err = promote(capsys, project, "staging", "--model", MODEL)
    assert code == 2
    assert err.startswith(f"error: MLflow registry http://127.0.0.1:{port} cannot be reached")
    assert "s3cret" not in err and "Traceback" not in err
    assert stack_text(project, "staging") == before
    assert audit(project) == []


def test_default_store_is_in_the_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert tracking_uri(project) == f"sqlite:///{project.resolve()}/.mlflow/mlflow.db"
    assert shown("https://u:p@mlflow.example.com:8443/x") == "https://mlflow.example.com:8443/x"


def test_command_runs_as_installed(project: Path, store: str) -> None:
    """The console command end to end in a fresh process (no traceback, exit code kept)."""
    completed = subprocess.run(
        [sys.executable, "-m", "aiscale.core.cli", "promote", "staging", "--model", MODEL, "--dry-run"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MLFLOW_TRACKING_URI": store},
    )
    assert completed.returncode == 0, completed.stderr
    assert re.search(r"\+\s+version: 5", completed.stdout)


def test_readme_example_is_the_real_output(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    command, *expected = block("output: promote-staging").splitlines()
    assert command == "$ aiscale promote staging --model fraud-detector"
    code, out, _ = promote(capsys, project, "staging", "--model", MODEL)
    assert code == 0
    assert out.splitlines() == expected


def test_invalid_stack_file_exits_2_before_touching_the_registry(
    capsys: pytest.CaptureFixture[str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI")  # the default store would be created in the project
    path = project / "stacks" / "Pulumi.staging.yaml"
    path.write_text(path.read_text().replace("strategy: blue_green", "strategy: sideways"))
    before = path.read_text()
    code, out, err = promote(capsys, project, "staging", "--model", MODEL)
    assert (code, out) == (2, "")
    assert err == (
        "error: invalid stack configuration in stacks/Pulumi.staging.yaml:\n"
        "  aiscale:azure.ml.endpoints.fraud.promotion.rollout.strategy: Input should be 'canary', 'blue_green' or "
        "'shadow' (got \"sideways\")\n"
    )
    assert path.read_text() == before
    assert not (project / ".mlflow").exists()
    assert audit(project) == []


# --- Safe edits: aliases, line endings, concurrency, the audit record ----------------------------------------


def shown_diff(before: bytes, after: bytes, display: str = "stacks/Pulumi.staging.yaml") -> str:
    """The unified diff of two versions of a file as aiscale prints it (line endings shown as newlines)."""
    lines = difflib.unified_diff(
        before.decode().removeprefix("\ufeff").splitlines(keepends=True),
        after.decode().removeprefix("\ufeff").splitlines(keepends=True),
        fromfile=f"a/{display}",
        tofile=f"b/{display}",
    )
    return "".join(line.replace("\r\n", "\n") for line in lines)


def printed_diff(out: str) -> str:
    start = out.index("--- a/")
    end = out.index("\nopen a pull request")
    return out[start:end].rstrip("\n") + "\n"


def test_a_model_shared_through_an_alias_is_unshared_never_repinned(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    path = project / "stacks" / "Pulumi.staging.yaml"
    text = path.read_text()
    blue_model = text.index("              model:\n", text.index("            blue:"))
    text = text[:blue_model] + "              model: &pinned\n" + text[blue_model + len("              model:\n") :]
    green = text.index("            green:\n")
    green_model_end = text.index("              instance_type", green)
    text = text[:green] + "            green:\n              model: *pinned\n" + text[green_model_end:]
    path.write_text(text)
    before = path.read_bytes()
    code, out, err = promote(capsys, project, "staging", "--model", MODEL)
    assert (code, err) == (0, "")
    after = yaml.safe_load(path.read_text())["config"]["aiscale:azure"]["ml"]["endpoints"]["fraud"]["deployments"]
    assert after["blue"]["model"]["version"] == 4  # the stable deployment still pins its version
    assert after["green"]["model"]["version"] == 5
    assert "              model: &pinned\n" not in path.read_text()
    assert printed_diff(out) == shown_diff(before, path.read_bytes())


def test_a_merge_key_on_the_way_is_refused(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    path = project / "stacks" / "Pulumi.staging.yaml"
    text = path.read_text()
    blue = text.index("            blue:\n")
    text = text[:blue] + "            blue: &slot\n" + text[blue + len("            blue:\n") :]
    green = text.index("            green:\n")
    text = text[:green] + "            green:\n              <<: *slot\n" + text[green + len("            green:\n") :]
    path.write_text(text)
    before = path.read_bytes()
    code, out, err = promote(capsys, project, "staging", "--model", MODEL)
    assert (code, out) == (2, "")
    assert err == (
        "error: stacks/Pulumi.staging.yaml: aiscale:azure.ml.endpoints.fraud.deployments.green takes part in a YAML "
        "merge key (<<): an edit could change another mapping too; write its keys out in full, then run the command "
        "again\n"
    )
    assert path.read_bytes() == before
    assert audit(project) == []


def test_line_endings_and_byte_order_mark_are_kept(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    path = project / "stacks" / "Pulumi.staging.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    before = path.read_bytes()
    code, out, _ = promote(capsys, project, "staging", "--model", MODEL)
    assert code == 0
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and b"\n" not in after.replace(b"\r\n", b"")
    assert printed_diff(out) == shown_diff(before, after)
    assert len(changed_lines(before.decode(), after.decode())) == 5  # the pin and the first step, nothing else


def test_a_file_changed_since_it_was_read_is_not_overwritten(project: Path) -> None:
    path = project / "stacks" / "Pulumi.staging.yaml"
    stack_file = StackFile.load(project, "staging")
    stack_file.update(("aiscale:azure", "ml", "endpoints", "fraud", "traffic"), {"blue": 100, "green": 0})
    path.write_text(path.read_text() + "# an editor saved the file meanwhile\n")
    edited = path.read_bytes()
    with pytest.raises(DeliveryError, match=r"stacks/Pulumi.staging.yaml changed since it was read"):
        stack_file.save()
    assert path.read_bytes() == edited
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_two_promotions_at_once_never_lose_an_update(project: Path, store: str) -> None:
    """Two real processes promote the same stack file while a third holds its lock: they take turns, and the
    second sees the first one's change (a rollout in progress) instead of overwriting it."""
    path = project / "stacks" / "Pulumi.staging.yaml"
    env = {**os.environ, "MLFLOW_TRACKING_URI": store, "AISCALE_ACTOR": "ci"}
    command = [sys.executable, "-m", "aiscale.core.cli", "promote", "staging", "--model", MODEL]
    with exclusive_lock(path, "the test"):
        runs = [
            subprocess.Popen([*command, "--alias", alias], cwd=project, env=env, stdout=subprocess.PIPE, text=True)
            for alias in ("champion", "challenger")
        ]
        time.sleep(1.0)
        assert [run.poll() for run in runs] == [None, None]  # both wait for the lock
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    codes = sorted(run.returncode for run in runs)
    assert codes == [0, 1], outputs
    loser = outputs[[run.returncode for run in runs].index(1)]
    assert "[FAIL] idle candidate slot: a rollout is in progress" in loser
    green = yaml.safe_load(path.read_text())["config"]["aiscale:azure"]["ml"]["endpoints"]["fraud"]["deployments"]
    winner = outputs[[run.returncode for run in runs].index(0)]
    assert green["green"]["model"]["version"] == (5 if "@champion" in winner.splitlines()[0] else 9)
    assert sorted(entry["decision"] for entry in audit(project)) == ["promoted", "rejected"]


def test_the_audit_record_comes_first_or_nothing_changes(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    (project / "audit").write_text("a file where the audit folder should be\n")
    before = stack_text(project, "staging")
    code, out, err = promote(capsys, project, "staging", "--model", MODEL)
    assert (code, out) == (2, "")
    assert (
        err
        == f"error: cannot append to the audit log {project}/audit/rollouts.jsonl: {project}/audit is a file, not a folder\n"
    )
    assert stack_text(project, "staging") == before
    assert [p.name for p in (project / "stacks").iterdir() if p.name.endswith(".tmp")] == []


def test_a_failed_replace_after_the_audit_is_recorded_too(
    capsys: pytest.CaptureFixture[str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_rename(source: object, target: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "replace", no_rename)
    before = stack_text(project, "staging")
    code, _, err = promote(capsys, project, "staging", "--model", MODEL)
    assert code == 2 and "cannot write" in err and "Input/output error" in err
    assert stack_text(project, "staging") == before
    assert [(e["decision"], e["reason"].split(":")[0]) for e in audit(project)] == [
        ("promoted", "every gate passed"),
        ("not written", "the stack file could not be replaced"),
    ]


@pytest.mark.parametrize(
    ("audit_log", "message"),
    [
        ("../outside.jsonl", "promotion.audit_log: must stay inside the project"),
        ("audit/../../outside.jsonl", "promotion.audit_log: must stay inside the project"),
    ],
)
def test_the_audit_log_stays_in_the_project(
    capsys: pytest.CaptureFixture[str], project: Path, audit_log: str, message: str
) -> None:
    path = project / "stacks" / "Pulumi.staging.yaml"
    path.write_text(
        path.read_text().replace(
            "            stable: blue\n", f"            stable: blue\n            audit_log: {audit_log}\n", 1
        )
    )
    code, _, err = promote(capsys, project, "staging", "--model", MODEL)
    assert code == 2 and message in err
    assert not (project.parent / "outside.jsonl").exists()


def test_an_audit_folder_linked_out_of_the_project_is_refused(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (project / "audit").symlink_to(outside, target_is_directory=True)
    before = stack_text(project, "staging")
    code, _, err = promote(capsys, project, "staging", "--model", MODEL)
    assert code == 2 and "promotion.audit_log 'audit/rollouts.jsonl' leads outside the project" in err
    assert stack_text(project, "staging") == before and list(outside.iterdir()) == []


def test_an_artifact_template_with_unknown_placeholders_is_invalid(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    path = project / "stacks" / "Pulumi.staging.yaml"
    path.write_text(path.read_text().replace("/paths/models/{name}/{version}", "/paths/{model}/{version}", 1))
    shutil.copy(REPO / "stacks" / "__main__.py", project / "stacks" / "__main__.py")
    for command in (["promote", "staging", "--model", MODEL], ["plan", "staging"]):
        assert main([*command, "--project", str(project)]) == 2
        assert (
            "aiscale:azure.ml.endpoints.fraud.promotion.artifact_uri_template: unknown placeholder {model}: only "
            "{name}, {version}" in capsys.readouterr().err
        )


def test_a_silent_registry_fails_within_its_bounds(
    capsys: pytest.CaptureFixture[str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that accepts connections and never answers: each read times out, a few retries, then exit 2."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{port}/?token=s3cr3t-t0ken")
        monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")
        monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
        started = time.monotonic()
        code, _, err = promote(capsys, project, "staging", "--model", MODEL)
        elapsed = time.monotonic() - started
    assert code == 2
    assert err.startswith(f"error: MLflow registry http://127.0.0.1:{port}/?token=[redacted] cannot be reached")
    assert "s3cr3t" not in err
    # Two attempts of one second each, the first retry without a backoff; MLflow's import takes the rest.
    assert elapsed < 15


def test_the_registry_bounds_are_the_documented_ones() -> None:
    assert REQUEST_BOUNDS == {
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.5",
    }
    docs = (REPO / "docs" / "model-delivery.md").read_text()
    assert "every connect and every read waits at most 10 s" in docs and "within about 35 s" in docs

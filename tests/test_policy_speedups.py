"""What makes the policy evaluation fast changes none of its findings: the repository's three stacks and every
program of the corpus (tests/fixtures/programs/) give the same report with the speed-ups as through pulumi-policy's
analyzer left as it is, every stack policy handed every resource (as a real preview does), and an analyzer other
than the pinned series runs as it is."""

from __future__ import annotations

import contextlib
import gc
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import StackValidationPolicy
from pulumi_policy import policy as analyzer_module

from aiscale.core.engine import RecordedRun, run_stack
from aiscale.policies import evaluation, governance
from aiscale.policies.evaluation import evaluate, stack_selection
from tests.conftest import REPO

CORPUS = sorted(p.parent for p in (REPO / "tests" / "fixtures" / "programs").glob("*/expectations.yaml"))
STACKS = ("dev", "staging", "prod")
NAMES = [f"stack-{stack}" for stack in STACKS] + [program.name for program in CORPUS]


@pytest.fixture(scope="module")
def runs() -> dict[str, RecordedRun]:
    recorded = {f"stack-{stack}": run_stack(REPO, stack) for stack in STACKS}
    # Every corpus program is planned as its expectations say: the dev stack.
    recorded.update({program.name: run_stack(program, "dev") for program in CORPUS})
    return recorded


def as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """The analyzer as pulumi-policy ships it, the collector as Python runs it, every resource to every policy."""
    monkeypatch.setattr(evaluation, "_no_cyclic_collection", contextlib.nullcontext)
    monkeypatch.setattr(evaluation, "conversion_cache_fits", lambda version: False)
    monkeypatch.setattr(evaluation, "stack_selection", lambda policy, types: list(range(len(types))))


def test_the_corpus_is_all_there() -> None:
    assert len(CORPUS) >= 8
    assert all("stack: dev" in (program / "expectations.yaml").read_text() for program in CORPUS)


@pytest.mark.parametrize("name", NAMES)
def test_the_same_report_with_and_without_the_speed_ups(
    runs: dict[str, RecordedRun], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = evaluate(runs[name])
    as_it_is(monkeypatch)
    plain = evaluate(runs[name])
    assert fast == plain
    assert fast.violations or fast.not_evaluated or fast.waived, name  # something to compare


ACTIVITY_LOG = next(p for p in governance.POLICIES if p.name == "ml-audit-03")
GROUP = "azure-native:resources:ResourceGroup"
EXPORT = "azure-native:monitor:SubscriptionDiagnosticSetting"
ACCOUNT = "azure-native:storage:StorageAccount"
VAULT = "azure-native:keyvault:Vault"
NAMESPACE = "kubernetes:core/v1:Namespace"


@pytest.mark.parametrize(
    ("types", "handed"),
    [
        # Exports and groups in full; of the other Azure resources only the first.
        ([NAMESPACE, ACCOUNT, GROUP, EXPORT, VAULT, GROUP], [1, 2, 3, 5]),
        ([VAULT, ACCOUNT, NAMESPACE], [0]),
        ([NAMESPACE, "gcp:kms/cryptoKey:CryptoKey"], []),
        ([GROUP, EXPORT], [0, 1]),
    ],
)
def test_a_stack_policy_is_handed_what_it_reads(types: Sequence[str], handed: list[int]) -> None:
    assert stack_selection(ACTIVITY_LOG, types) == handed


def test_a_stack_policy_that_declares_nothing_is_handed_everything() -> None:
    plain = StackValidationPolicy(name="plain", description="reads all", validate=lambda args, report: None)
    assert stack_selection(plain, [NAMESPACE, VAULT, GROUP]) == [0, 1, 2]


@pytest.mark.parametrize("groups", [True, False])
def test_an_unexported_activity_log_is_named_on_the_same_resource(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, groups: bool
) -> None:
    """The prod stack without its audit sections: the finding lands on the first resource group, or without one
    on the first Azure resource, whether the policy is handed all resources or only what it reads."""
    project = tmp_path / "aiscale"
    shutil.copytree(REPO / "stacks", project / "stacks")
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    path = project / "stacks" / "Pulumi.prod.yaml"
    text = path.read_text()
    for section in ("    audit:\n      storage_account_name: staiscaleprodaudit\n", "    audit: {}\n"):
        assert section in text
        text = text.replace(section, "", 1)
    path.write_text(text)
    run = run_stack(project, "prod")
    if not groups:
        run.registrations = [r for r in run.registrations if r.type != GROUP]
    fast = [v for v in evaluate(run).violations if v.policy == "ml-audit-03"]
    as_it_is(monkeypatch)
    plain = [v for v in evaluate(run).violations if v.policy == "ml-audit-03"]
    assert len(fast) == 1
    assert fast == plain
    named = next(r for r in run.registrations if r.urn == fast[0].urn)
    assert (named.type == GROUP) is groups


def conversions(run: RecordedRun, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many conversions the analyzer asked of the cache while it evaluated ``run``."""
    calls: list[Any] = []
    convert = evaluation._ConvertOnce.MessageToDict

    def counted(self: Any, message: Any, **options: Any) -> dict[str, Any]:
        calls.append(message)
        return convert(self, message, **options)

    monkeypatch.setattr(evaluation._ConvertOnce, "MessageToDict", counted)
    evaluate(run)
    assert getattr(analyzer_module, "json_format") is evaluation.json_format  # noqa: B009 - restored
    return len(calls)


def test_the_pinned_analyzer_converts_through_the_cache(
    runs: dict[str, RecordedRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert evaluation.conversion_cache_fits(evaluation._analyzer_version())
    assert conversions(runs["stack-dev"], monkeypatch) > len(runs["stack-dev"].registrations)


def test_another_analyzer_version_runs_as_it_is(runs: dict[str, RecordedRun], monkeypatch: pytest.MonkeyPatch) -> None:
    assert not evaluation.conversion_cache_fits("1.22.0")
    assert not evaluation.conversion_cache_fits("2.21.0")
    monkeypatch.setattr(evaluation, "_analyzer_version", lambda: "1.22.0")
    assert conversions(runs["stack-dev"], monkeypatch) == 0


def test_the_collector_is_back_on_after_an_evaluation(runs: dict[str, RecordedRun]) -> None:
    assert gc.isenabled()
    evaluate(runs["stack-dev"])
    assert gc.isenabled()

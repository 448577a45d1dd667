"""What makes the policy evaluation fast changes none of its findings: the repository's three stacks and every
program of the corpus (tests/fixtures/programs/) give the same report with the speed-ups as through pulumi-policy's
analyzer left as it is, and an analyzer other than the pinned series runs as it is."""

from __future__ import annotations

import contextlib
import gc
from typing import Any

import pytest
from pulumi_policy import policy as analyzer_module

from aiscale.core.engine import RecordedRun, run_stack
from aiscale.policies import evaluation
from aiscale.policies.evaluation import evaluate
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
    """The analyzer as pulumi-policy ships it, the collector as Python runs it."""
    monkeypatch.setattr(evaluation, "_no_cyclic_collection", contextlib.nullcontext)
    monkeypatch.setattr(evaluation, "conversion_cache_fits", lambda version: False)


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

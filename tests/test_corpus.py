"""The pack on other teams' programs: public Pulumi programs (tests/fixtures/programs/), each planned offline the
way a team checks its own stack (``aiscale plan dev --project DIR``), judged against what an expert reviewer
expects of it (``expectations.yaml``: source, commit, licence, expected findings, findings that would be wrong).

Recall is the share of expected findings the pack reports; a false positive is any finding no expected entry
accounts for. Goal: recall of at least 97% over the corpus, no false positive. ``python -m pytest
tests/test_corpus.py -s`` prints the figures per program.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiscale.core.cli import main

PROGRAMS = Path(__file__).parent / "fixtures" / "programs"
NAMES = sorted(p.parent.name for p in PROGRAMS.glob("*/expectations.yaml"))
MIN_RECALL = 0.97


@dataclass
class Result:
    program: str
    expected: int
    found: int
    missed: list[dict[str, Any]] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    wrong: list[dict[str, Any]] = field(default_factory=list)
    """not_expected entries the pack reported anyway."""
    missing_not_applicable: list[dict[str, Any]] = field(default_factory=list)


def matches(entry: dict[str, Any], finding: dict[str, Any]) -> bool:
    return (
        entry["policy"] == finding["policy"]
        and entry["name"] == finding["name"]
        and entry.get("type", finding["type"]) == finding["type"]
        and entry.get("message", "") in finding["message"]
    )


def plan(name: str, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    expectations = yaml.safe_load((PROGRAMS / name / "expectations.yaml").read_text())
    output = tmp_path / f"{name}.json"
    code = main(
        ["plan", expectations["stack"], "--project", str(PROGRAMS / name), "--format", "json", "--output", str(output)]
    )
    assert code in (0, 1), f"{name}: aiscale plan exited {code}"  # 1: a mandatory finding, as expected in some
    return expectations, json.loads(output.read_text())


def judge(name: str, expectations: dict[str, Any], document: dict[str, Any]) -> Result:
    types = {r["urn"]: r["type"] for r in document["resources"]}

    def described(entry: dict[str, Any]) -> dict[str, Any]:
        return {**entry, "type": types.get(entry["urn"], ""), "name": entry["urn"].rsplit("::", 1)[-1]}

    findings = [described(v) for v in document["violations"] if v["urn"]]
    expected = expectations["expected"]
    result = Result(name, len(expected), sum(1 for e in expected if any(matches(e, f) for f in findings)))
    result.missed = [e for e in expected if not any(matches(e, f) for f in findings)]
    result.false_positives = [
        f"{f['policy']} {f['name']} ({f['type']}): {f['message']}"
        for f in findings
        if not any(matches(e, f) for e in expected)
    ]
    result.wrong = [e for e in expectations.get("not_expected", []) if any(matches(e, f) for f in findings)]
    skipped = [described(n) for n in document["notEvaluated"] if n["kind"] == "not-applicable"]
    result.missing_not_applicable = [
        e
        for e in expectations.get("not_applicable", [])
        if not any(matches({**e, "message": e["why"]}, s) for s in skipped)
    ]
    return result


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    tmp_path = tmp_path_factory.mktemp("corpus")
    return {name: judge(name, *plan(name, tmp_path)) for name in NAMES}


def test_the_corpus_is_what_the_issue_asks_for() -> None:
    assert len(NAMES) >= 8
    sources = [yaml.safe_load((PROGRAMS / n / "expectations.yaml").read_text())["source"] for n in NAMES]
    assert all(s["licence"] in ("Apache-2.0", "MIT", "BSD-3-Clause") and len(s["commit"]) == 40 for s in sources)
    types = {
        r.split(":")[0]
        for n in NAMES
        for e in yaml.safe_load((PROGRAMS / n / "expectations.yaml").read_text())["expected"]
        for r in [e["type"]]
    }
    assert {"azure-native", "azure", "gcp", "kubernetes"} <= types  # both Azure providers, GCP, Kubernetes objects
    for name, source in zip(NAMES, sources, strict=True):
        present = sorted(
            p.name for p in (PROGRAMS / name).iterdir() if p.name not in ("expectations.yaml", "Pulumi.dev.yaml")
        )
        assert present == source["files"], name


@pytest.mark.parametrize("name", NAMES)
def test_no_false_positive_and_no_known_trap(results: dict[str, Result], name: str) -> None:
    result = results[name]
    assert result.false_positives == [], result.false_positives
    assert result.wrong == []
    assert result.missing_not_applicable == []


def test_recall_over_the_corpus(results: dict[str, Result], capsys: pytest.CaptureFixture[str]) -> None:
    expected = sum(r.expected for r in results.values())
    found = sum(r.found for r in results.values())
    false_positives = sum(len(r.false_positives) for r in results.values())
    with capsys.disabled():
        print(f"\n{'program':<40}{'expected':>9}{'found':>7}{'false +':>9}")
        for r in results.values():
            print(f"{r.program:<40}{r.expected:>9}{r.found:>7}{len(r.false_positives):>9}")
        print(f"{'corpus':<40}{expected:>9}{found:>7}{false_positives:>9}  recall {found / expected:.1%}")
    missed = {name: r.missed for name, r in results.items() if r.missed}
    assert found / expected >= MIN_RECALL, missed

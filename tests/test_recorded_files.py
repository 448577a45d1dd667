"""Recorded files (inventories, goldens): an update run rewrites a changed file and still fails, so it can never
pass silently over a change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_recorded

VARIABLE = "AISCALE_UPDATE_TEST_RECORDING"


def test_equal_content_passes_with_and_without_update_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = tmp_path / "golden.md"
    recorded.write_text("same\n", encoding="utf-8")
    assert_recorded(recorded, "same\n", VARIABLE)
    monkeypatch.setenv(VARIABLE, "1")
    assert_recorded(recorded, "same\n", VARIABLE)
    assert recorded.read_text(encoding="utf-8") == "same\n"


def test_a_difference_fails_and_leaves_the_file_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    recorded = tmp_path / "golden.md"
    recorded.write_text("before\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=f"golden.md differs from this run .*{VARIABLE}=1"):
        assert_recorded(recorded, "after\n", VARIABLE)
    assert recorded.read_text(encoding="utf-8") == "before\n"
    with pytest.raises(AssertionError, match="is not recorded yet"):
        assert_recorded(tmp_path / "missing.md", "after\n", VARIABLE)


def test_update_mode_rewrites_a_changed_file_and_still_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, "1")
    recorded = tmp_path / "inventories" / "dev.yaml"
    with pytest.raises(pytest.fail.Exception, match=f"dev.yaml rewritten \\({VARIABLE} is set\\): review the diff"):
        assert_recorded(recorded, "new: 1\n", VARIABLE)
    assert recorded.read_text(encoding="utf-8") == "new: 1\n"
    assert_recorded(recorded, "new: 1\n", VARIABLE)  # the next run passes

"""Shared fixtures: the repository's stack configs and helpers to look into recorded runs."""

from __future__ import annotations

import copy
import datetime
import importlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest

# Tests load Pulumi's provider host and Google's client libraries in one process: the shim must come first.
from aiscale.blueprints import grpc_status  # noqa: F401
from aiscale.core.engine import RecordedRun, Registration

REPO = Path(__file__).resolve().parent.parent

AZURE: dict[str, Any] = {
    "subscription_id": "6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a01",
    "tenant_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "location": "westeurope",
    "resource_group": "rg-test",
    "key_vault": {"name": "kv-test-weu", "keys": {"platform": {}}},
}
GCP: dict[str, Any] = {
    "project": "aiscale-test",
    "project_number": "123456789012",
    "region": "europe-west4",
    "kms": {"key_ring": "aiscale-test", "keys": {"platform": {"consumers": ["aiplatform", "container"]}}},
}


def raw_config(**overrides: Any) -> dict[str, str]:
    """A valid stack config as Pulumi stores it (JSON text for objects), with top-level keys overridden."""
    values: dict[str, Any] = {
        "owner": "ml-platform",
        "cost_center": "cc-4711",
        "azure": copy.deepcopy(AZURE),
        "gcp": copy.deepcopy(GCP),
    }
    values.update(overrides)
    return {
        key: json.dumps(value) if isinstance(value, dict | list | bool | int) else value
        for key, value in values.items()
        if value is not None
    }


def pulumi_config(**overrides: Any) -> dict[str, Any]:
    """The same config keyed by full Pulumi config keys, for record_program."""
    return {
        f"aiscale:{key}": json.loads(value) if key in ("azure", "gcp", "tags") else value
        for key, value in raw_config(**overrides).items()
    }


ArgsT = TypeVar("ArgsT", bound=Mapping[str, object])


def changed(base: ArgsT, changes: Mapping[str, Any]) -> ArgsT:
    """A copy of a component's arguments ``base`` with fields replaced, added, or left out (a change to ``None``).

    The checker verifies ``base`` against the arguments' TypedDict; ``changes`` are cast in unchecked because
    validation tests set fields to values outside their declared types on purpose.
    """
    left_out = {field for field, value in changes.items() if value is None}
    return cast(ArgsT, {field: value for field, value in {**base, **changes}.items() if field not in left_out})


def find(run: RecordedRun, type_: str, name: str) -> Registration:
    matches = [r for r in run.registrations if r.type == type_ and r.name == name]
    assert len(matches) == 1, f"expected one {type_} named {name}, found {len(matches)}"
    return matches[0]


def children(run: RecordedRun, parent: Registration) -> list[tuple[str, str]]:
    return [(r.type, r.name) for r in run.registrations if r.parent == parent.urn]


@pytest.fixture
def repo() -> Path:
    return REPO


TODAY = datetime.date(2026, 12, 1)
"""The date price row ages are measured from in tests, so recorded reports do not change with the calendar."""


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    # The module, not the package's ``estimate`` function of the same name: patched where the estimate reads it.
    monkeypatch.setattr(importlib.import_module("aiscale.core.cost.estimate"), "today", lambda: TODAY)


def assert_recorded(path: Path, actual: str, update_variable: str) -> None:
    """``actual`` must equal the recorded file ``path``.

    With ``update_variable`` set in the environment a differing file is rewritten, and the test still fails so
    that an update run never passes silently over a change: review the diff, then run the tests again.
    """
    recorded = path.read_text(encoding="utf-8") if path.exists() else None
    if actual == recorded:
        return
    if os.environ.get(update_variable):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        pytest.fail(f"{path.name} rewritten ({update_variable} is set): review the diff, then run the tests again")
    assert recorded is not None, f"{path} is not recorded yet: run with {update_variable}=1 and review it"
    assert actual == recorded, f"{path.name} differs from this run (a deliberate change: {update_variable}=1)"

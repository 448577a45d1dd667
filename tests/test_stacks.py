"""The repository's stacks, offline, compared with recorded inventories of every resource and input.

An inventory changes only on purpose: run ``AISCALE_UPDATE_INVENTORIES=1 pytest tests/test_stacks.py`` and review
the diff of ``tests/inventories/`` like any other code change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aiscale.core.engine import RecordedRun, run_stack
from aiscale.core.stateful import is_stateful
from tests.conftest import REPO, assert_recorded

INVENTORIES = Path(__file__).parent / "inventories"
STACKS = ("dev", "staging", "prod")


def inventory_text(run: RecordedRun) -> str:
    return yaml.safe_dump(inventory(run), sort_keys=False, width=120)


def inventory(run: RecordedRun) -> list[dict[str, Any]]:
    names = {r.urn: r.name for r in run.registrations}
    return [
        {
            "type": r.type,
            "name": r.name,
            "parent": names.get(r.parent or ""),
            "protect": r.protect,
            "inputs": r.inputs,
        }
        for r in run.registrations
    ]


@pytest.fixture(scope="module", params=STACKS)
def stack_run(request: pytest.FixtureRequest) -> RecordedRun:
    return run_stack(REPO, request.param)


def test_stack_matches_its_inventory(stack_run: RecordedRun) -> None:
    assert_recorded(INVENTORIES / f"{stack_run.stack}.yaml", inventory_text(stack_run), "AISCALE_UPDATE_INVENTORIES")


def test_every_resource_has_the_required_tags(stack_run: RecordedRun) -> None:
    for resource in stack_run.registrations:
        tags = resource.inputs.get("tags") or resource.inputs.get("labels")
        if resource.type in {
            "azure-native:resources:ResourceGroup",
            "azure-native:keyvault:Vault",
            "azure-native:keyvault:Key",
            "gcp:kms/cryptoKey:CryptoKey",
        }:
            assert tags is not None, resource.name
            assert {"owner", "cost-center", "environment", "managed-by"} <= set(tags), resource.name
            assert tags["environment"] == stack_run.stack


def test_every_child_is_named_from_its_component(stack_run: RecordedRun) -> None:
    by_urn = {r.urn: r for r in stack_run.registrations}
    for resource in stack_run.registrations:
        if resource.parent:
            assert resource.name.startswith(by_urn[resource.parent].name + "-"), resource.name


def test_prod_protects_every_stateful_resource(stack_run: RecordedRun) -> None:
    """Which types are stateful is decided in one place (aiscale.core.stateful); prod protects all of them."""
    stateful = [r for r in stack_run.registrations if r.custom and is_stateful(r.type)]
    assert len({r.type for r in stateful}) >= 10
    assert [r.name for r in stateful if r.protect is not (stack_run.stack == "prod")] == []

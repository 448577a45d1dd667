"""Every "absent means ..." a policy relies on, pinned to the words of the installed provider SDK.

A policy reads an unset property as its documented default (``Field.absent``). Where the SDK's docstring states
that default, the field quotes it (``Field.says``); an SDK upgrade that changes the default changes the words and
fails here, before a policy starts judging absent properties wrongly.
"""

from __future__ import annotations

import importlib

import pytest

from aiscale.policies import documented_defaults
from aiscale.policies._support import Field

DEFAULTS = documented_defaults()


def docstring(reference: str) -> str:
    """The whitespace-normalised docstring of ``module:Class.attribute``."""
    module, _, attribute = reference.partition(":")
    owner, _, name = attribute.partition(".")
    prop = getattr(getattr(importlib.import_module(module), owner), name)
    return " ".join((prop.fget.__doc__ or "").split())


def test_the_pack_pins_the_defaults_the_issue_names() -> None:
    pinned = {(provider, ".".join(field.path)) for provider, field in DEFAULTS}
    assert {
        ("azure-native", "autoUpgradeProfile.nodeOSUpgradeChannel"),
        ("azure", "nodeOsUpgradeChannel"),
        ("azure-native", "allowBlobPublicAccess"),
        ("azure", "allowNestedItemsToBePublic"),
        ("azure", "networkProfile.networkPlugin"),
    } <= pinned


@pytest.mark.parametrize(("provider", "field"), DEFAULTS, ids=[f"{p}:{'.'.join(f.path)}:{f.sdk}" for p, f in DEFAULTS])
def test_the_sdk_still_documents_the_default(provider: str, field: Field) -> None:
    assert field.sdk is not None and field.says is not None
    assert field.sdk.startswith(f"pulumi_{provider.replace('-', '_')}."), field.sdk
    assert field.says in docstring(field.sdk)
    # An absent property reads as that default.
    assert field.read({}) == field.absent

"""Stack configuration: presets, overrides, cross-field rules and the errors users see."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from aiscale.core.config import StackConfig, validate_stack_config
from aiscale.core.config.azure import AzureConfig, AzureKeyVaultConfig
from aiscale.core.config.environment import from_stack_name
from aiscale.core.engine.stack_config import read_runtime_config
from aiscale.core.errors import ConfigError
from aiscale.core.project import load_project
from tests.conftest import AZURE, GCP, REPO, raw_config

FILE = "stacks/Pulumi.test.yaml"


def validate(stack: str = "dev", **overrides: Any) -> StackConfig:
    return validate_stack_config(raw_config(**overrides), stack=stack, stack_file=FILE)


def error_of(stack: str = "dev", secret_keys: frozenset[str] = frozenset(), **overrides: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        validate_stack_config(raw_config(**overrides), stack=stack, stack_file=FILE, secret_keys=secret_keys)
    return str(caught.value)


def with_vault(**changes: Any) -> dict[str, Any]:
    return {**AZURE, "key_vault": {**AZURE["key_vault"], **changes}}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_repository_stack_files_validate(stack: str) -> None:
    project = load_project(REPO)
    runtime = read_runtime_config(project, stack)
    raw = {k.removeprefix("aiscale:"): v for k, v in runtime.values.items() if k.startswith("aiscale:")}
    config = validate_stack_config(raw, stack=stack, stack_file=f"stacks/Pulumi.{stack}.yaml")
    assert config.environment.value == stack
    assert config.azure is not None and config.gcp is not None


@pytest.mark.parametrize(
    ("stack", "sku", "retention", "key_type", "protection", "protect"),
    [
        ("dev", "standard", 7, "RSA", "SOFTWARE", False),
        ("staging", "standard", 30, "RSA", "SOFTWARE", False),
        ("prod", "premium", 90, "RSA-HSM", "HSM", True),
    ],
)
def test_environment_presets(
    stack: str, sku: str, retention: int, key_type: str, protection: str, protect: bool
) -> None:
    config = validate(stack)
    assert config.azure is not None and config.gcp is not None
    assert config.azure.key_vault.sku == sku
    assert config.azure.key_vault.soft_delete_retention_days == retention
    assert config.azure.key_vault.keys["platform"].key_type == key_type
    assert config.gcp.kms.keys["platform"].protection_level == protection
    assert config.protect_stateful is protect


def test_a_value_in_the_stack_file_overrides_the_preset() -> None:
    config = validate("prod", protect_stateful=False, azure=with_vault(sku="premium", soft_delete_retention_days=14))
    assert config.protect_stateful is False
    assert config.azure is not None
    assert config.azure.key_vault.soft_delete_retention_days == 14


def test_environment_key_names_the_environment_of_other_stack_names() -> None:
    assert validate("feature-x", environment="staging").environment.value == "staging"
    assert validate("prod", environment="prod").environment.value == "prod"


@pytest.mark.parametrize("declared", ["dev", "staging"])
def test_a_prod_stack_cannot_declare_another_environment(declared: str) -> None:
    assert error_of("prod", environment=declared) == (
        f"invalid stack configuration in {FILE}:\n"
        f"  aiscale:environment: '{declared}' contradicts the stack name 'prod', which means prod: a prod stack "
        f"cannot declare another environment; remove the key (or use a stack named for {declared})"
    )
    assert "contradicts the stack name 'production'" in error_of("production", environment=declared)


@pytest.mark.parametrize(
    ("stack", "environment"),
    [
        ("production", "prod"),
        ("prd", "prod"),
        ("prod-eu", "prod"),
        ("eu_west.prd", "prod"),
        ("Live", "prod"),
        ("stage", "staging"),
        ("fraud-staging", "staging"),
        ("pre-prod", "staging"),
        ("preprod-eu", "staging"),
        ("development", "dev"),
        ("team-dev", "dev"),
    ],
)
def test_documented_aliases_name_the_environment(stack: str, environment: str) -> None:
    assert from_stack_name(stack) == environment
    assert validate(stack).environment.value == environment


@pytest.mark.parametrize("stack", ["feature-x", "dev-to-prod", "sandbox", "product", "prodx", "qa"])
def test_other_names_have_no_environment(stack: str) -> None:
    assert from_stack_name(stack) is None


def test_environment_required_when_stack_name_is_not_one() -> None:
    message = error_of("feature-x")
    assert message == (
        f"invalid stack configuration in {FILE}:\n"
        "  aiscale:environment: required: the environment of stack 'feature-x' is unknown: its name is none of "
        "dev (dev/development/devel), staging (staging/stage/stg/preprod), prod (prod/production/prd/live) and it "
        "does not set aiscale:environment"
    )


def test_environment_must_be_known() -> None:
    assert 'aiscale:environment: expected one of dev, staging, prod (got "qa")' in error_of(environment="qa")


def test_error_names_file_field_and_expectation() -> None:
    message = error_of(azure=with_vault(soft_delete_retention_days=120))
    assert message.splitlines() == [
        f"invalid stack configuration in {FILE}:",
        "  aiscale:azure.key_vault.soft_delete_retention_days: Input should be less than or equal to 90 (got 120)",
    ]


def test_unknown_key_lists_the_valid_ones() -> None:
    message = error_of(azure={**AZURE, "locaton": "westeurope"})
    expected = ", ".join(sorted(AzureConfig.model_fields))
    assert f"aiscale:azure.locaton: unknown key; expected one of: {expected}" in message
    assert "location" in expected


def test_unknown_top_level_key() -> None:
    assert "aiscale:ownr: unknown key; expected one of: allowed_locations, azure, cost_center," in error_of(ownr="x")


def test_enum_error_names_the_choices() -> None:
    message = error_of(azure=with_vault(keys={"platform": {"key_type": "RSB"}}))
    assert (
        "aiscale:azure.key_vault.keys.platform.key_type: Input should be 'RSA', 'RSA-HSM', 'EC' or 'EC-HSM'" in message
    )


def test_missing_required_field() -> None:
    azure = {k: v for k, v in AZURE.items() if k != "tenant_id"}
    assert "aiscale:azure.tenant_id: required" in error_of(azure=azure)


def test_types_are_strict() -> None:
    message = error_of(azure=with_vault(soft_delete_retention_days="30"))
    assert "aiscale:azure.key_vault.soft_delete_retention_days: Input should be a valid integer" in message


def test_every_error_is_reported_at_once() -> None:
    message = error_of(azure=with_vault(name="1bad", soft_delete_retention_days=3), gcp="nope")
    assert len(message.splitlines()) == 4


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"azure": with_vault(sku="standard", keys={"k": {"key_type": "RSA-HSM"}})},
            "aiscale:azure.key_vault: keys ['k'] are HSM-protected and need sku 'premium', not 'standard'",
        ),
        (
            {"azure": with_vault(keys={"k": {"rotate_after_days": 90, "expire_after_days": 60}})},
            "aiscale:azure.key_vault.keys.k: rotate_after_days (90) must be less than expire_after_days (60)",
        ),
        (
            {"azure": with_vault(keys={"k": {"key_type": "EC", "key_size": 2048}})},
            "aiscale:azure.key_vault.keys.k: key_size applies to RSA keys, not EC; set curve instead",
        ),
        (
            {"azure": with_vault(allowed_ip_ranges=["203.0.113.0/24"])},
            "aiscale:azure.key_vault: allowed_ip_ranges only apply with public_network_access: true",
        ),
        (
            {"azure": with_vault(key_access={"aks": {"principal_id": AZURE["tenant_id"], "keys": ["nope"]}})},
            "aiscale:azure.key_vault: key_access.aks names keys ['nope'] that are not in keys ['platform']",
        ),
        (
            {"azure": None, "gcp": None},
            "aiscale: configure at least one cloud: aiscale:azure or aiscale:gcp",
        ),
        (
            {"tags": {"owner": "someone"}},
            "aiscale: tags ['owner'] are set from owner, cost_center and environment; remove them from tags",
        ),
        (
            {"tags": {"Team.Name": "x"}},
            "aiscale: tag 'Team.Name' cannot be a GCP label key",
        ),
        (
            {"gcp": {**GCP, "kms": {"key_ring": "r", "keys": {"k": {"rotation_days": 365}}}}},
            "aiscale:gcp.kms.keys.k.rotation_days: Input should be less than or equal to 90 (got 365)",
        ),
        (
            {"azure": with_vault(name="kv--double")},
            "aiscale:azure.key_vault.name: must be 3-24 characters",
        ),
    ],
)
def test_cross_field_rules(overrides: dict[str, Any], expected: str) -> None:
    assert expected in error_of(**overrides)


def test_public_vault_with_ranges_is_valid() -> None:
    config = validate(azure=with_vault(public_network_access=True, allowed_ip_ranges=["203.0.113.0/24"]))
    assert config.azure is not None
    assert [str(r) for r in config.azure.key_vault.allowed_ip_ranges] == ["203.0.113.0/24"]


def test_secret_values_never_appear_in_errors() -> None:
    secret = "s3cr3t-value-do-not-print"
    # A secret section (it may hold a webhook URL) is validated, but none of its values is ever shown.
    message = error_of(secret_keys=frozenset({"gcp"}), gcp={**GCP, "region": secret})
    assert "aiscale:gcp.region: String should match pattern" in message
    assert secret not in message
    message = error_of(secret_keys=frozenset({"tags"}), tags={"team": secret})
    assert "aiscale:tags: is a secret, but has no secret fields" in message
    assert secret not in message
    message = error_of(secret_keys=frozenset({"owner"}), owner=["s3cr3t"])
    assert "s3cr3t" not in message


def test_a_secret_key_without_secret_fields_is_refused() -> None:
    message = error_of(secret_keys=frozenset({"owner"}), owner="ml-platform")
    assert (
        "aiscale:owner: is a secret, but has no secret fields: its value would end up in plaintext in resource "
        "inputs and state (set it without --secret)" in message
    )
    assert "ml-platform" not in message


def test_models_are_frozen() -> None:
    config = validate()
    with pytest.raises(ValidationError):
        config.owner = "someone-else"


def test_sub_models_need_the_environment_for_presets() -> None:
    with pytest.raises(ValidationError, match="the environment must be known"):
        AzureKeyVaultConfig.model_validate_json(json.dumps({"name": "kv-test"}))


def test_resource_tags_and_labels() -> None:
    config = validate("prod", tags={"project": "Fraud Detection"})
    assert config.resource_tags() == {
        "project": "Fraud Detection",
        "owner": "ml-platform",
        "cost-center": "cc-4711",
        "environment": "prod",
        "managed-by": "aiscale",
    }
    assert config.resource_labels()["project"] == "fraud_detection"


# --- Fuzzing: any malformed config ends in one clear ConfigError, never another exception ----------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
_PATHS = [
    ("owner",),
    ("cost_center",),
    ("tags",),
    ("protect_stateful",),
    ("azure",),
    ("azure", "location"),
    ("azure", "key_vault"),
    ("azure", "key_vault", "name"),
    ("azure", "key_vault", "sku"),
    ("azure", "key_vault", "keys"),
    ("azure", "key_vault", "keys", "platform", "rotate_after_days"),
    ("azure", "key_vault", "key_access"),
    ("gcp", "project_number"),
    ("gcp", "kms", "keys", "platform", "consumers"),
    ("gcp", "kms", "keys", "platform"),
    ("surprise",),
]
_LINE = re.compile(r"^  aiscale(:[a-z_]+)?([.\[].*)?: .+")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(_PATHS), value=_JSON, stack=st.sampled_from(["dev", "staging", "prod"]))
def test_fuzzed_configs_fail_cleanly(path: tuple[str, ...], value: Any, stack: str) -> None:
    data: dict[str, Any] = {
        "owner": "ml-platform",
        "cost_center": "cc-4711",
        "azure": json.loads(json.dumps(AZURE)),
        "gcp": json.loads(json.dumps(GCP)),
    }
    target = data
    for part in path[:-1]:
        target = target.setdefault(part, {}) if isinstance(target, dict) else target
    if isinstance(target, dict):
        target[path[-1]] = value
    raw = {
        key: json.dumps(v) if not isinstance(v, str) or key in ("azure", "gcp", "tags") else v
        for key, v in data.items()
    }
    try:
        validate_stack_config(raw, stack=stack, stack_file=FILE)
    except ConfigError as error:
        lines = str(error).splitlines()
        assert lines[0] == f"invalid stack configuration in {FILE}:"
        assert len(lines) >= 2
        assert all(_LINE.match(line) for line in lines[1:]), lines

"""Generated documentation stays in step with the code."""

from __future__ import annotations

from aiscale.blueprints.package_reference import render as render_components
from aiscale.components.k8s.gpu_stack import GPU_OPERATOR_VERSION
from aiscale.core.config.args_source import render as render_platform_args
from aiscale.core.config.reference import render
from aiscale.policies import all_policies
from aiscale.policies.reference import render as render_policies
from tests.conftest import REPO


def test_configuration_reference_is_current() -> None:
    assert (REPO / "docs" / "configuration.md").read_text() == render(), (
        "run: python -m aiscale.core.config.reference > docs/configuration.md"
    )


def test_policy_reference_is_current() -> None:
    text = (REPO / "docs" / "policies.md").read_text()
    assert text == render_policies(), "run: python -m aiscale.policies.reference > docs/policies.md"
    for policy in all_policies():
        assert f'<a id="{policy.name}"></a>' in text, policy.name


def test_tenancy_doc_names_the_pinned_gpu_operator() -> None:
    assert f"(`{GPU_OPERATOR_VERSION}`)" in (REPO / "docs" / "kubernetes-tenancy.md").read_text()


def test_component_reference_is_current() -> None:
    assert (REPO / "docs" / "components.md").read_text() == render_components(), (
        "run: python -m aiscale.blueprints.package_reference > docs/components.md"
    )


def test_blueprint_args_are_generated_from_the_config_models() -> None:
    assert (REPO / "blueprints" / "platform_args.py").read_text() == render_platform_args(), (
        "run: python -m aiscale.core.config.args_source > blueprints/platform_args.py"
    )

"""Each default has one owner: the config model for what a stack file can set, else the component's args.

A component arg that means what a config field means takes the config model's default
(``aiscale.components.common.defaults.stack_default``); a component states each of its own defaults once
(``declare``), and the package schema shows every declared default in the property's description.
"""

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

import aiscale.components
from aiscale.blueprints.package import PACKAGE_COMPONENTS, schema
from aiscale.components.azure.gpu_node_pool import DEFAULTS as POOL
from aiscale.components.azure.gpu_node_pool import AksGpuNodePoolArgs
from aiscale.components.azure.key_vault import DEFAULTS as VAULT
from aiscale.components.azure.online_endpoint import DEPLOYMENT_DEFAULTS
from aiscale.components.common import defaults
from aiscale.components.common.defaults import declare, declared, stack_default
from aiscale.core.config import azure, common, gcp, stack
from aiscale.core.config.azure import AzureGpuPoolConfig, AzureKeyVaultConfig
from aiscale.core.config.base import field_presets

REPO = Path(__file__).resolve().parents[1]
COMPONENT_MODULES = [
    importlib.import_module(module.name)
    for module in pkgutil.walk_packages(aiscale.components.__path__, "aiscale.components.")
]


def _config_models() -> Iterator[type[BaseModel]]:
    for module in (azure, gcp, common, stack):
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == module.__name__:
                yield value


def _stack_defaults() -> dict[str, list[str]]:
    """Config fields with a single default (not required, not an environment preset), by field name."""
    found: dict[str, list[str]] = {}
    for model in _config_models():
        for name, info in model.model_fields.items():
            single = info.default is not PydanticUndefined or info.default_factory is not None
            if single and info.default is not None and field_presets(model, name) is None:
                found.setdefault(name, []).append(f"{model.__name__}.{name}")
    return found


def _stated_defaults() -> Iterator[tuple[str, int, str]]:
    """``args.get("name", <literal>)`` in the components: a default stated where it is read."""
    for path in sorted((REPO / "components").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value not in (None, "")
            ):
                yield str(path.relative_to(REPO)), node.lineno, node.args[0].value


#: Reads of the same name that are no default of the arg: the dynamic provider's fallbacks for a message and a
#: bounds check of the properties it was sent.
NOT_DEFAULTS = {
    ("components/gcp/vertex_deployment.py", "machine_type"),
    ("components/gcp/vertex_deployment.py", "max_replicas"),
}


def test_no_component_restates_a_stack_files_default() -> None:
    owned = _stack_defaults()
    restated = [
        f"{path}:{line}: {name} (the default of {', '.join(owned[name])}: use stack_default)"
        for path, line, name in _stated_defaults()
        if name in owned and (path, name) not in NOT_DEFAULTS
    ]
    assert not restated, "\n".join(restated)


def test_a_declared_default_is_read_from_its_declaration() -> None:
    names = {name for module in COMPONENT_MODULES for name in _declared_in(module)}
    restated = [f"{path}:{line}: {name}" for path, line, name in _stated_defaults() if name in names]
    assert not restated, "declared defaults stated again where they are read:\n" + "\n".join(restated)


def _declared_in(module: object) -> set[str]:
    return {
        name
        for value in vars(module).values()
        if inspect.isclass(value) and getattr(value, "__module__", None) == getattr(module, "__name__", None)
        for name in declared(value.__name__)
    }


def test_component_defaults_are_the_stack_files() -> None:
    assert POOL["os_disk_size_gb"] == AzureGpuPoolConfig.model_fields["os_disk_size_gb"].default == 128
    assert VAULT["purge_protection"] is AzureKeyVaultConfig.model_fields["purge_protection"].default is True
    # A nested section's default is its model's defaults, as the component's args shape it.
    assert DEPLOYMENT_DEFAULTS["liveness_probe"] == {
        "initial_delay": 10,
        "period": 10,
        "timeout": 2,
        "failure_threshold": 30,
        "success_threshold": 1,
    }


def test_only_a_single_default_is_shared() -> None:
    with pytest.raises(TypeError, match="environment preset"):
        stack_default(AzureKeyVaultConfig, "soft_delete_retention_days")
    with pytest.raises(TypeError, match="required"):
        stack_default(AzureGpuPoolConfig, "max_nodes")


def test_a_declaration_names_optional_args_only() -> None:
    with pytest.raises(TypeError, match="has no os_disk_size"):
        declare(AksGpuNodePoolArgs, os_disk_size=128)
    with pytest.raises(TypeError, match="vm_size is required"):
        declare(AksGpuNodePoolArgs, vm_size="Standard_NC24ads_A100_v4")


def test_the_schema_states_every_declared_default() -> None:
    package = schema()
    pool = package["resources"]["aiscale:index:AksGpuNodePool"]["inputProperties"]
    assert pool["osDiskSizeGb"]["description"] == "OS disk size of each node, in GB. Default ``128``."
    assert pool["maxSurge"]["description"].endswith('Default ``"10%"``.')
    probe = package["types"]["aiscale:index:OnlineDeploymentArgs"]["properties"]["livenessProbe"]["description"]
    assert '"initialDelay": 10' in probe
    # Every declared args type is in the package: a declaration the schema does not show would be lost.
    args_types = {inspect.get_annotations(component.__init__)["args"].__name__ for component in PACKAGE_COMPONENTS}
    types = {token.rsplit(":", 1)[-1] for token in package["types"]}
    assert set(defaults._DECLARED) <= args_types | types

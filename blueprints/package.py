"""The aiscale component package: every component and the blueprints, served to every Pulumi language.

``pulumi package add <this repository or a path to it>`` reads ``PulumiPlugin.yaml`` and runs ``__main__.py`` at
the root, which calls :func:`serve`: Pulumi's component provider host infers the package schema from the classes'
typed args and outputs (that schema is the public API, snapshotted in ``docs/schema.json``) and constructs them
for TypeScript, Go, C#, Java and YAML programs. Python programs import the classes directly.
"""

import inspect
import json
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from typing import Any

import pulumi

# Before the provider host: its vendored google.rpc.Status and Google's would not load in one process.
from aiscale.blueprints import grpc_status  # isort: skip  # noqa: F401
from pulumi.output import Inputs
from pulumi.provider import main
from pulumi.provider.experimental.analyzer import ComponentDefinition
from pulumi.provider.experimental.component import ComponentProvider

from aiscale.blueprints.azure_platform import AzureGpuInferencePlatform
from aiscale.blueprints.gcp_platform import GcpGpuInferencePlatform
from aiscale.blueprints.team_platform import TeamPlatform
from aiscale.components.catalog import COMPONENTS
from aiscale.components.common.defaults import declared
from aiscale.components.common.type_tokens import PACKAGE

#: What the package serves, in the order the schema lists them.
PACKAGE_COMPONENTS: list[type[pulumi.ComponentResource]] = [
    *COMPONENTS,
    AzureGpuInferencePlatform,
    GcpGpuInferencePlatform,
    TeamPlatform,
]


class AiscaleComponentProvider(ComponentProvider):
    """Pulumi's component provider, handing integer arguments to the components as ints, with defaults documented.

    Every number reaches a provider as a float (protobuf has only doubles). The SDK's provider means to convert
    integer properties back, but keeps the float it converted (pulumi 3.2xx), and never converts inside lists and
    maps: ``rotation_days`` 30 would become a rotation period of ``2592000.0s``. The args' own types say which
    numbers are integers.

    The schema the analyzer infers has no defaults (a TypedDict states none): each default an args type declares
    (``aiscale.components.common.defaults``) is added to its property's description.
    """

    def __init__(self, components: list[type[pulumi.ComponentResource]], name: str, version: str) -> None:
        super().__init__(components, name, version=version)
        self.schema = json.dumps(with_defaults(json.loads(self.schema or "{}"), components))

    def map_inputs(self, inputs: Inputs, component_def: ComponentDefinition) -> Inputs:
        mapped = super().map_inputs(inputs, component_def)
        args_type = inspect.get_annotations(self._components[component_def.name].__init__)["args"]
        return whole_numbers(mapped, args_type)


def whole_numbers(value: Any, annotation: Any) -> Any:
    """``value`` with the floats that ``annotation`` (a TypedDict, maps, lists, inputs) types as ``int`` as ints."""
    origin, parts = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.NotRequired, typing.Required):
        return whole_numbers(value, parts[0])
    if origin in (typing.Union, types.UnionType):  # pulumi.Input[T], T | None: the plain member says what T is
        plain = [part for part in parts if part is not type(None) and typing.get_origin(part) is None]
        return whole_numbers(value, plain[0]) if plain else value
    if annotation is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if typing.is_typeddict(annotation) and isinstance(value, Mapping):
        fields = inspect.get_annotations(annotation)
        return {key: whole_numbers(item, fields.get(key, Any)) for key, item in value.items()}
    if origin in (Mapping, dict) and isinstance(value, Mapping):
        return {key: whole_numbers(item, parts[1]) for key, item in value.items()}
    if origin in (Sequence, list) and isinstance(value, list):
        return [whole_numbers(item, parts[0]) for item in value]
    return value


def with_defaults(package: dict[str, Any], components: Sequence[type[pulumi.ComponentResource]]) -> dict[str, Any]:
    """``package`` with "Default ``value``." ending the description of every input whose args type declares one."""
    args_types = {
        f"{package['name']}:index:{component.__name__}": inspect.get_annotations(component.__init__)["args"].__name__
        for component in components
    }
    described = [(args_types[token], resource["inputProperties"]) for token, resource in package["resources"].items()]
    described += [(token.rsplit(":", 1)[-1], kind.get("properties", {})) for token, kind in package["types"].items()]
    for type_name, properties in described:
        for name, value in declared(type_name).items():
            prop = properties[_camel(name)]  # a declared default the schema does not have is a KeyError here
            text = f"Default ``{json.dumps(_camel_keys(value))}``."
            prop["description"] = f"{prop['description']} {text}" if prop.get("description") else text
    return package


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def _camel_keys(value: Any) -> Any:
    """A default as a program of another language writes it: mappings with the schema's (camelCase) names."""
    return {_camel(key): _camel_keys(item) for key, item in value.items()} if isinstance(value, Mapping) else value


def package_version() -> str:
    return version("aiscale")


def provider() -> AiscaleComponentProvider:
    """The component provider the host runs: its ``schema`` is the package schema, as JSON text."""
    return AiscaleComponentProvider(PACKAGE_COMPONENTS, PACKAGE, version=package_version())


def schema() -> dict[str, Any]:
    """The package schema, as ``pulumi package add`` sees it."""
    return json.loads(provider().schema or "{}")


def serve() -> None:
    """Run the provider host: the engine starts it with its address, and it prints the port it serves on."""
    main(provider(), sys.argv[1:])

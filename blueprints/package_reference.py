"""Markdown reference of the component package, generated from its schema (docs/components.md).

python -m aiscale.blueprints.package_reference > docs/components.md

The schema is what Pulumi's component provider host infers from the classes (``aiscale.blueprints.package``), so
this page documents exactly what TypeScript, Go, C#, Java and YAML programs get; a test fails when the page and
the schema disagree.
"""

from typing import Any

from aiscale.blueprints.package import schema
from aiscale.blueprints.platform_contract import OUTPUTS

HEADER = """# Component package reference

Generated from the package schema by `python -m aiscale.blueprints.package_reference`; a test fails when this file
and the schema (`docs/schema.json`) disagree. Names are the schema's (camelCase), as TypeScript, Go, C#, Java and
YAML programs see them after `pulumi package add`; Python programs use the same names in snake_case
(`aiscale.components`, `aiscale.blueprints`). *plain* inputs take values known when the program runs, not outputs
of other resources. How to use the package from other languages: [README](../README.md#using-aiscale-from-any-pulumi-language).
"""


def _text(value: str | None) -> str:
    return " ".join((value or "").split()).replace("|", "\\\\|")


def _type(prop: dict[str, Any]) -> str:
    ref = prop.get("$ref")
    if ref:
        if ref.startswith("#/types/"):
            name = ref.rsplit(":", 1)[-1]
            return f"[{name}](#{name.lower()})"
        if ref.startswith("pulumi.json#/"):
            return ref.removeprefix("pulumi.json#/").lower()
        return f"`{ref.rsplit('/', 1)[-1].replace('%2F', '/')}` (resource)"
    kind = prop.get("type", "")
    if kind == "array":
        return f"list of {_type(prop['items'])}"
    if kind == "object" and "additionalProperties" in prop:
        return f"map of {_type(prop['additionalProperties'])}"
    return kind


def _table(properties: dict[str, Any], required: list[str], *, inputs: bool) -> list[str]:
    if not properties:
        return ["(none)", ""]
    header = "| Name | Type | Required | Description |" if inputs else "| Name | Type | Description |"
    lines = [header, "|---|---|---|---|" if inputs else "|---|---|---|"]
    for name, prop in properties.items():
        kind = _type(prop) + (", plain" if inputs and prop.get("plain") else "")
        if inputs:
            lines.append(
                f"| `{name}` | {kind} | {'yes' if name in required else ''} | {_text(prop.get('description'))} |"
            )
        else:
            lines.append(f"| `{name}` | {kind} | {_text(prop.get('description'))} |")
    return [*lines, ""]


def _contract(resources: dict[str, Any]) -> list[str]:
    """The platform stack's outputs a team stack reads (``TeamPlatform``), with what they hold."""
    lines = [
        "## Platform → team contract",
        "",
        "Stack outputs of a platform stack (`deploy_stack`), read by team stacks through a `StackReference`",
        "(`TeamPlatform`): one output per value of the platform blueprint's outputs.",
        "",
        "| Stack output | Platform output | Description |",
        "|---|---|---|",
    ]
    for cloud, outputs in OUTPUTS.items():
        platform = "AzureGpuInferencePlatform" if cloud == "azure" else "GcpGpuInferencePlatform"
        properties = resources[f"aiscale:index:{platform}"]["properties"]
        for name, attribute in outputs.items():
            schema_name = "".join(part.title() if i else part for i, part in enumerate(attribute.split("_")))
            description = _text(properties[schema_name].get("description"))
            lines.append(f"| `{name}` | {platform}.`{schema_name}` | {description} |")
    return [*lines, ""]


def render(package: dict[str, Any] | None = None) -> str:
    package = package or schema()
    resources, types = package["resources"], package["types"]
    lines = [
        HEADER,
        f"Package `{package['name']}` {package['version']}: {len(resources)} components, {len(types)} types.",
        "",
    ]
    lines += ["| Component | Type token | Summary |", "|---|---|---|"]
    for token, resource in resources.items():
        name = token.rsplit(":", 1)[-1]
        summary = _text(resource.get("description")).split(". ")[0]
        lines.append(f"| [{name}](#{name.lower()}) | `{token}` | {summary} |")
    lines.append("")
    for token, resource in resources.items():
        lines += [f"## {token.rsplit(':', 1)[-1]}", "", f"`{token}`: {_text(resource.get('description'))}", ""]
        lines += [
            "Inputs:",
            "",
            *_table(resource.get("inputProperties", {}), resource.get("requiredInputs", []), inputs=True),
        ]
        lines += ["Outputs:", "", *_table(resource.get("properties", {}), [], inputs=False)]
    lines += _contract(resources)
    lines += ["## Types", ""]
    for token, kind in types.items():
        name = token.rsplit(":", 1)[-1]
        lines += [f"### {name}", "", _text(kind.get("description")), ""]
        if "enum" in kind:
            lines += ["| Value | Description |", "|---|---|"]
            lines += [f"| `{member['value']}` | {_text(member.get('description'))} |" for member in kind["enum"]]
            lines.append("")
        else:
            lines += _table(kind.get("properties", {}), kind.get("required", []), inputs=True)
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")

"""Type tokens of aiscale components: ``aiscale:index:<ClassName>``, the token Pulumi's component provider host
serves each class under (``pulumi package add``), so a Python stack and a TypeScript or YAML stack register the
same component with the same URN.

Tokens before 0.2 named a module (``aiscale:azure:KeyVault``). A component whose token changed declares the old
one as an alias: existing stacks keep their state, and the engine moves every child along with its parent.
"""

import pulumi

PACKAGE = "aiscale"


def type_token(class_name: str) -> str:
    """``aiscale:index:KeyVault``: the schema analyzer puts every component in the ``index`` module."""
    return f"{PACKAGE}:index:{class_name}"


def component_options(opts: pulumi.ResourceOptions | None, *previous_types: str) -> pulumi.ResourceOptions:
    """The caller's options, plus an alias for each type token the component was registered under before."""
    aliases: list[pulumi.Alias | str] = [pulumi.Alias(type_=previous) for previous in previous_types]
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=aliases))

"""Errors that end a command with a clear message instead of a traceback."""

from __future__ import annotations

from pulumi import RunError


class AiscaleError(Exception):
    """A failure the user can act on. ``exit_code`` is what the ``aiscale`` command returns."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(AiscaleError, RunError):
    """The stack configuration does not validate; names the file and every failing field.

    A ``pulumi.RunError``, so a real ``pulumi up`` prints the message without a Python traceback.
    """


class ProjectError(AiscaleError):
    """The Pulumi project or stack file cannot be read."""


class ProgramError(AiscaleError):
    """The Pulumi program failed (exception, missing property) or did not finish in time."""


class InvalidArgumentError(AiscaleError, RunError, ValueError):
    """A component argument is invalid; names the component, the argument and the valid choices."""

    def __init__(self, component: str, argument: str, problem: str) -> None:
        super().__init__(f"{component}: {argument}: {problem}")
        self.component = component
        self.argument = argument

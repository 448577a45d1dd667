"""Reading a Pulumi project: ``Pulumi.yaml`` and the location of ``Pulumi.<stack>.yaml`` files.

Used by real runs (to name the stack file in error messages) and by the offline engine (to run a project).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.runtime import settings

from aiscale.core import strict_yaml
from aiscale.core.errors import ProjectError

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")


def read_yaml(path: Path) -> Any:
    """Parse a YAML file strictly (``aiscale.core.strict_yaml``); every problem is an error naming the file."""
    return strict_yaml.read(path)


@dataclass(frozen=True)
class PulumiProject:
    """What aiscale needs from ``Pulumi.yaml``."""

    root: Path
    name: str
    runtime: str
    main: Path
    stack_config_dir: Path
    config: dict[str, Any]
    """Project-level config declarations (``config:`` in Pulumi.yaml)."""
    runtime_options: dict[str, Any] = field(default_factory=dict)
    """``runtime.options`` of Pulumi.yaml (``toolchain``, ``virtualenv``)."""

    @property
    def program_dir(self) -> Path:
        """The directory the program runs in (``main``, or the folder of a ``main`` file)."""
        return self.main if self.main.is_dir() else self.main.parent

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        """The stacks that have a stack file, by name."""
        prefix, suffix = "Pulumi.", ".yaml"
        return sorted(
            path.name[len(prefix) : -len(suffix)] for path in self.stack_config_dir.glob(f"{prefix}*{suffix}")
        )

    def check_stack(self, stack: str) -> None:
        """A stack without a stack file is a mistyped name when the project has other stack files.

        A project with no stack file at all runs its stacks with project config only (as a new Pulumi stack).
        """
        if os.path.lexists(self.stack_file(stack)):  # there (whatever it is: reading it says what is wrong)
            return
        known = self.stacks()
        if not known:
            return
        close = difflib.get_close_matches(stack, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ProjectError(
            f"no stack {stack!r}: {self.display_path(self.stack_file(stack))} does not exist{hint}; the stacks of "
            f"this project are {', '.join(known)} (create the file to plan a new stack)"
        )

    def display_path(self, path: Path) -> str:
        """A path relative to the project root (``stacks/Pulumi.dev.yaml``), the same in real and offline runs."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def find_project_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if any((directory / name).is_file() for name in PROJECT_FILES):
            return directory
    return None


def load_project(directory: Path) -> PulumiProject:
    """Read ``Pulumi.yaml`` in ``directory``."""
    directory = directory.resolve()
    project_file = next((directory / n for n in PROJECT_FILES if (directory / n).is_file()), None)
    if project_file is None:
        raise ProjectError(f"{directory}: no Pulumi.yaml here; pass the project directory with --project")
    data = read_yaml(project_file)
    if not isinstance(data, dict):
        raise ProjectError(f"{project_file}: expected a mapping with name, runtime and main")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{project_file}: name: required")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ProjectError(
            f"{project_file}: runtime: expected python, got {runtime_name!r} (aiscale runs Python programs)"
        )
    options = (runtime.get("options") if isinstance(runtime, dict) else None) or {}
    if not isinstance(options, dict):
        raise ProjectError(f"{project_file}: runtime.options: expected a mapping")
    main = directory / str(data.get("main") or ".")
    stack_config_dir = directory / str(data.get("stackConfigDir") or ".")
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise ProjectError(f"{project_file}: config: expected a mapping")
    return PulumiProject(directory, name, runtime_name, main, stack_config_dir, config, options)


def stack_data_for_current_run(stack: str) -> Any:
    """The parsed stack file of the running program (None when there is none or it cannot be read)."""
    root_directory = settings.get_root_directory()
    root = Path(root_directory) if root_directory else find_project_root(Path.cwd())
    try:
        project = load_project(root) if root is not None else None
        path = project.stack_file(stack) if project is not None else None
        return read_yaml(path) if path is not None and path.is_file() else None
    except ProjectError:
        return None


def stack_file_for_current_run(stack: str) -> str:
    """The stack file of the running program, for messages (``stacks/Pulumi.dev.yaml``)."""
    root_directory = settings.get_root_directory()
    root = Path(root_directory) if root_directory else find_project_root(Path.cwd())
    if root is None:
        return f"Pulumi.{stack}.yaml"
    try:
        project = load_project(root)
    except ProjectError:
        return f"Pulumi.{stack}.yaml"
    return project.display_path(project.stack_file(stack))

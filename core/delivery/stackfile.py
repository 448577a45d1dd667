"""A stack file edited in place: values change, comments and layout stay, the result is validated before it is
written, and the change is shown as a unified diff."""

from __future__ import annotations

import difflib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from aiscale.core.config import StackConfig, validate_stack_config
from aiscale.core.config.loader import NAMESPACE
from aiscale.core.engine.stack_config import apply_stack_values, project_config
from aiscale.core.errors import ProjectError
from aiscale.core.files import write_atomically
from aiscale.core.project import PulumiProject, load_project

Path_ = Sequence[str]


def _yaml() -> YAML:
    yaml = YAML()  # round-trip: keeps comments, key order, flow style and quotes
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line of the user's file
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _validate(project: PulumiProject, stack: str, display: str, values: Any) -> StackConfig:
    """Validate a stack file's ``config:`` section as ``aiscale plan`` and ``pulumi up`` would see it."""
    runtime = project_config(project)
    apply_stack_values(runtime, project, json.loads(json.dumps(values)), display)
    prefix = f"{NAMESPACE}:"
    raw = {key[len(prefix) :]: value for key, value in runtime.values.items() if key.startswith(prefix)}
    secret = {key[len(prefix) :] for key in runtime.secret_keys if key.startswith(prefix)}
    return validate_stack_config(raw, stack=stack, stack_file=display, secret_keys=secret)


@dataclass
class StackFile:
    """``Pulumi.<stack>.yaml`` of a project, loaded for editing."""

    project: PulumiProject
    stack: str
    path: Path
    display: str
    original: str
    document: Any
    config: StackConfig
    """The validated configuration as the file stands (before any edit)."""

    @classmethod
    def load(cls, project_dir: Path, stack: str) -> StackFile:
        project = load_project(project_dir)
        path = project.stack_file(stack)
        display = project.display_path(path)
        try:
            original = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ProjectError(f"{display}: cannot be read ({error.strerror})") from None
        try:
            document = _yaml().load(original)
        except YAMLError as error:
            raise ProjectError(f"{display}: not valid YAML ({error})") from None
        if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
            raise ProjectError(f"{display}: expected a mapping with a config section")
        config = _validate(project, stack, display, document["config"])
        return cls(project, stack, path, display, original, document, config)

    def node(self, path: Path_) -> Any:
        """The value at ``path`` under ``config:`` (keys as written in the file)."""
        node = self.document["config"]
        for key in path:
            node = node[key]
        return node

    def set(self, path: Path_, value: Any) -> None:
        """Set a value; a mapping replacing a mapping is merged key by key so that comments on kept keys stay."""
        parent = self.node(path[:-1])
        key = path[-1]
        current = parent.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            for name in [name for name in current if name not in value]:
                del current[name]
            for name, item in value.items():
                current[name] = item
        else:
            parent[key] = _node(value, flow=isinstance(current, dict) and _is_flow(current))

    def update(self, path: Path_, values: dict[str, Any]) -> None:
        """Set some keys of the mapping at ``path``, leaving its other keys as they are."""
        node = self.node(path)
        for name, item in values.items():
            node[name] = _node(item, flow=True)

    def set_after(self, path: Path_, value: Any, after: str) -> None:
        """Set a key that may not exist yet, placed after the sibling ``after`` (so a new key reads naturally)."""
        parent = self.node(path[:-1])
        key = path[-1]
        if key in parent:
            self.set(path, value)
            return
        position = list(parent).index(after) + 1 if after in parent else len(parent)
        parent.insert(position, key, _node(value, flow=True))

    def delete(self, path: Path_) -> None:
        parent = self.node(path[:-1])
        parent.pop(path[-1], None)

    def text(self) -> str:
        stream = io.StringIO()
        _yaml().dump(self.document, stream)
        return stream.getvalue()

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.text().splitlines(keepends=True),
                fromfile=f"a/{self.display}",
                tofile=f"b/{self.display}",
            )
        )

    def validated(self) -> StackConfig:
        """The configuration the edited file holds; a ConfigError (naming the file) if an edit broke it."""
        return _validate(self.project, self.stack, self.display, self.document["config"])

    def finish(self, *, dry_run: bool) -> tuple[str, bool]:
        """The diff of the edits, and whether the file was written (never on a dry run or without a change)."""
        diff = self.diff()
        if not diff or dry_run:
            return diff, False
        self.save()
        return diff, True

    def save(self) -> None:
        """Validate, then replace the file atomically: readers never see a half-written stack file."""
        self.validated()
        write_atomically(self.path, self.text())


def _is_flow(node: Any) -> bool:
    return bool(getattr(getattr(node, "fa", None), "flow_style", lambda: False)())


def _node(value: Any, *, flow: bool) -> Any:
    """Plain values as YAML nodes; small mappings of scalars in flow style, like the rest of the stack files."""
    if not isinstance(value, dict):
        return value
    node = CommentedMap((key, _node(item, flow=True)) for key, item in value.items())
    if flow and all(not isinstance(item, dict | list) for item in value.values()):
        node.fa.set_flow_style()
    return node

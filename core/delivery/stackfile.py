"""A stack file edited in place: values change, comments and layout stay, the result is validated before it is
written, and the change is shown as a unified diff of exactly what changes on disk.

- The file is read strictly (``aiscale.core.strict_yaml``: duplicate keys, alias bombs, tags are errors) and its
  line endings (LF or CRLF) and UTF-8 byte order mark are written back as they were.
- An edit never changes a second place through a YAML alias: a mapping shared with another place (``*anchor``)
  is written out in full where it is edited (un-shared); a mapping that takes keys from a merge key (``<<``), or
  is merged into another one, is refused with an error naming the path.
- :meth:`StackFile.editing` holds an exclusive lock on the file from reading to writing, so two ``promote`` or
  ``rollout`` runs on one stack take turns; writing also checks that nobody else changed the file since it was
  read (an editor, another machine), and refuses if they did.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from aiscale.core import strict_yaml
from aiscale.core.config import StackConfig, validate_stack_config
from aiscale.core.config.loader import NAMESPACE
from aiscale.core.delivery.endpoints import DeliveryError
from aiscale.core.engine.stack_config import apply_stack_values, project_config
from aiscale.core.errors import ProjectError
from aiscale.core.files import exclusive_lock, replacing
from aiscale.core.project import PulumiProject, load_project

Path_ = Sequence[str]
BOM = "\ufeff"
LOCK_TIMEOUT_SECONDS = 120.0
"""How long a promote or rollout waits for another one on the same stack file to finish."""


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
    original: bytes
    """The file's bytes as read: writing refuses if the file no longer holds them."""
    document: Any
    config: StackConfig
    """The validated configuration as the file stands (before any edit)."""
    newline: str = "\n"
    bom: bool = False

    @classmethod
    def load(cls, project_dir: Path, stack: str) -> StackFile:
        project = load_project(project_dir)
        path = project.stack_file(stack)
        display = project.display_path(path)
        original = strict_yaml.read_bytes(path, display)
        strict_yaml.load(original, display)  # duplicate keys, aliases, tags: errors before anything is edited
        text = original.decode("utf-8")
        bom = text.startswith(BOM)
        text = text.removeprefix(BOM)
        first_break = text.find("\n")
        newline = "\r\n" if first_break > 0 and text[first_break - 1] == "\r" else "\n"
        try:
            # Edited with LF line endings (ruamel keeps a CR inside comments); written back with the file's own.
            document = _yaml().load(text.replace("\r\n", "\n"))
        except YAMLError as error:
            raise ProjectError(f"{display}: not valid YAML ({error})") from None
        if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
            raise ProjectError(f"{display}: expected a mapping with a config section")
        config = _validate(project, stack, display, document["config"])
        return cls(project, stack, path, display, original, document, config, newline, bom)

    @classmethod
    @contextlib.contextmanager
    def editing(cls, project_dir: Path, stack: str, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[StackFile]:
        """Load the stack file under an exclusive lock held until the block ends (see the module docstring)."""
        path = load_project(project_dir).stack_file(stack)
        if not path.is_file():
            yield cls.load(project_dir, stack)  # the error naming the file
            return
        with exclusive_lock(path, "another aiscale promote or rollout", timeout):
            yield cls.load(project_dir, stack)

    def node(self, path: Path_) -> Any:
        """The value at ``path`` under ``config:`` (keys as written in the file)."""
        node = self.document["config"]
        for key in path:
            node = node[key]
        return node

    def _own(self, path: Path_) -> Any:
        """The mapping at ``path``, made safe to edit: every mapping on the way is this place's alone."""
        counts, merged = _references(self.document)
        node: Any = self.document["config"]  # a YAML tree: mappings along the path
        for depth in range(len(path) + 1):
            where = ".".join(path[:depth]) or "config"
            if id(node) in merged or getattr(node, "merge", None):
                raise DeliveryError(
                    f"{self.display}: {where} takes part in a YAML merge key (<<): an edit could change another "
                    "mapping too; write its keys out in full, then run the command again"
                )
            if depth == len(path):
                return node
            child = node[path[depth]]
            if isinstance(child, dict | list) and counts[id(child)] > 1:
                child = _unshared(child)
                node[path[depth]] = child  # this place gets its own copy; the other keeps the anchor's
            node = child
        return node

    def set(self, path: Path_, value: Any) -> None:
        """Set a value; a mapping replacing a mapping is merged key by key so that comments on kept keys stay."""
        parent = self._own(path[:-1])
        key = path[-1]
        current = parent.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            current = self._own(path)
            for name in [name for name in current if name not in value]:
                del current[name]
            for name, item in value.items():
                current[name] = item
        else:
            parent[key] = _node(value, flow=isinstance(current, dict) and _is_flow(current))

    def update(self, path: Path_, values: dict[str, Any]) -> None:
        """Set some keys of the mapping at ``path``, leaving its other keys as they are."""
        node = self._own(path)
        for name, item in values.items():
            node[name] = _node(item, flow=True)

    def set_after(self, path: Path_, value: Any, after: str) -> None:
        """Set a key that may not exist yet, placed after the sibling ``after`` (so a new key reads naturally)."""
        parent = self._own(path[:-1])
        key = path[-1]
        if key in parent:
            self.set(path, value)
            return
        position = list(parent).index(after) + 1 if after in parent else len(parent)
        parent.insert(position, key, _node(value, flow=True))

    def delete(self, path: Path_) -> None:
        parent = self._own(path[:-1])
        parent.pop(path[-1], None)

    def text(self) -> str:
        """The file's new text exactly as it will be written (line endings and byte order mark as read)."""
        stream = io.StringIO()
        _yaml().dump(self.document, stream)
        return (BOM if self.bom else "") + stream.getvalue().replace("\n", self.newline)

    def diff(self) -> str:
        before = self.original.decode("utf-8").removeprefix(BOM)
        after = self.text().removeprefix(BOM)
        lines = difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{self.display}",
            tofile=f"b/{self.display}",
        )
        return "".join(line.replace("\r\n", "\n") for line in lines)  # shown on a terminal

    def validated(self) -> StackConfig:
        """The configuration the edited file holds; a ConfigError (naming the file) if an edit broke it."""
        return _validate(self.project, self.stack, self.display, self.document["config"])

    def finish(self, *, dry_run: bool, record: Callable[[str | None], None] | None = None) -> tuple[str, bool]:
        """The diff of the edits, and whether the file was written (never on a dry run or without a change).

        ``record(None)`` runs after the new file is on disk and before it replaces the old one (the audit record:
        if it fails, nothing is replaced); if replacing then fails, ``record(reason)`` runs with the reason.
        """
        diff = self.diff()
        if not diff or dry_run:
            return diff, False
        self.save(record)
        return diff, True

    def save(self, record: Callable[[str | None], None] | None = None) -> None:
        """Validate, then replace the file atomically: readers never see a half-written stack file."""
        self.validated()
        try:
            current = self.path.read_bytes()
        except OSError as error:
            raise ProjectError(f"{self.display}: cannot be read ({error.strerror})") from None
        if current != self.original:
            raise DeliveryError(
                f"{self.display} changed since it was read (by an editor or another run): nothing was written; "
                "run the command again on the current file"
            )
        recorded = False
        try:
            with replacing(self.path, self.text()):
                if record is not None:
                    record(None)
                recorded = True
        except Exception as error:
            if recorded and record is not None:  # recorded, then the rename failed: say so in the record too
                record(str(error))
            raise


def _references(document: Any) -> tuple[Counter[int], set[int]]:
    """How often each mapping and list is referenced in the document (aliases make it more than once), and the
    mappings a merge key (``<<``) takes keys from."""
    counts: Counter[int] = Counter()
    merged: set[int] = set()

    def walk(node: Any) -> None:
        if not isinstance(node, dict | list):
            return
        counts[id(node)] += 1
        if counts[id(node)] > 1:
            return
        for entry in getattr(node, "merge", None) or []:
            source = entry[1] if isinstance(entry, tuple) else entry  # (position, mapping) in older ruamel
            merged.add(id(source))
            walk(source)
        for item in node.values() if isinstance(node, dict) else node:
            walk(item)

    walk(document)
    return counts, merged


def _unshared(node: Any) -> Any:
    """A copy of a shared mapping or list, with no anchors of its own (so it is written out in full)."""
    copied = copy.deepcopy(node)

    def clear(item: Any) -> None:
        anchor = getattr(item, "anchor", None)
        if anchor is not None and getattr(anchor, "value", None) is not None:
            anchor.value = None
        if isinstance(item, dict):
            for value in item.values():
                clear(value)
        elif isinstance(item, list):
            for value in item:
                clear(value)

    clear(copied)
    return copied


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

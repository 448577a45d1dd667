"""YAML written by people (stack files, policy files, waivers), read strictly and within bounds.

Every problem is one :class:`YamlInputError` naming the file and the line, never a traceback or a hang:

- at most :data:`MAX_BYTES` of UTF-8 text (a UTF-8 byte order mark is allowed);
- aliases are bounded: the document, with every alias expanded, has at most :data:`MAX_VALUES` values and
  :data:`MAX_DEPTH` levels of nesting (an alias bomb stops after that many values, within a fraction of a second);
  an alias inside its own anchor is refused;
- a key given twice in one mapping is an error naming both lines (YAML forbids it; PyYAML would keep the last);
- only plain data: text, numbers, booleans, null, lists and mappings (``!!binary``, ``!!set``, ``!!timestamp``,
  ``!!python/...`` and local tags are refused); mapping keys are scalars;
- no control characters (other than tab and line breaks) and no bidirectional-override characters in any text,
  including text written with escapes (``"\\x01"``).

Timestamps stay text, as the Pulumi CLI keeps config values.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from aiscale.core.errors import ProjectError

MAX_BYTES = 1024 * 1024
MAX_VALUES = 10_000
"""Values (scalars, lists, mappings) in a document with its aliases expanded."""
MAX_DEPTH = 64

_BASE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(f"{_BASE}{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq"))
_MERGE = f"{_BASE}merge"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class YamlInputError(ProjectError):
    """A YAML file a user wrote cannot be accepted; the message names the file and the line."""


class _Limited(Exception):
    """Raised inside the composer; turned into a YamlInputError with the file's name."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = mark.line + 1 if mark is not None else None


class _PythonEvents(Reader, Scanner, Parser):
    """PyYAML's own parser, for a PyYAML built without libyaml."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


# The checker follows libyaml's parser (what runs wherever PyYAML ships its wheels); both give the same events.
if TYPE_CHECKING or yaml.__with_libyaml__:
    from yaml._yaml import CParser as _Events  # libyaml's parser: the events come fast, the composer stays ours
else:  # pragma: no cover - PyYAML built without libyaml
    _Events = _PythonEvents


class _Loader(Composer, SafeConstructor, Resolver, _Events):
    """PyYAML's safe loading with bounded aliases and nesting, strict keys and plain data only."""

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._expanded = 0
        self._aliased = False
        self._depth = 0
        self._weights: dict[int, tuple[int, int]] = {}
        """Per composed node: (values with aliases expanded, nesting height)."""
        self._heights: list[int] = []

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)
            weight = self._weights.get(id(node))
            if weight is None:
                raise _Limited(f"the alias *{event.anchor} is used inside its own anchor", event.start_mark)
            self._count(weight[0], event.start_mark, alias=True)
            self._note_height(weight[1], event.start_mark)
            return node
        if not isinstance(event, ScalarEvent | SequenceStartEvent | MappingStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Limited(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        before = self._expanded
        self._count(1, event.start_mark)
        self._heights.append(0)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
            height = self._heights.pop() + 1
        self._weights[id(node)] = (self._expanded - before, height)
        if self._heights:
            self._heights[-1] = max(self._heights[-1], height)
        return node

    def _count(self, values: int, mark: Any, *, alias: bool = False) -> None:
        self._expanded += values
        self._aliased = self._aliased or alias
        if self._expanded > MAX_VALUES:
            problem = "once aliases are expanded (an alias bomb?)" if self._aliased else "(far more than a stack holds)"
            raise _Limited(f"more than {MAX_VALUES} values {problem}", mark)

    def _note_height(self, height: int, mark: Any) -> None:
        if self._depth + height > MAX_DEPTH:
            raise _Limited(f"nested more than {MAX_DEPTH} levels deep once aliases are expanded", mark)
        if self._heights:
            self._heights[-1] = max(self._heights[-1], height)

    def construct_document(self, node: Node) -> Any:
        self._check(node, set())
        return super().construct_document(node)

    def _check(self, node: Node, seen: set[int]) -> None:
        """Tags, keys and text of every node (each shared node once)."""
        if id(node) in seen:
            return
        seen.add(id(node))
        if node.tag not in ALLOWED_TAGS:
            raise _Limited(
                f"the tag {_shown_tag(node.tag)} is not allowed: only text, numbers, booleans, null, lists and "
                "mappings",
                node.start_mark,
            )
        if isinstance(node, ScalarNode):
            _check_text(node)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                self._check(item, seen)
        elif isinstance(node, MappingNode):
            self._check_keys(node)
            for key, value in node.value:
                if key.tag != _MERGE:
                    self._check(key, seen)
                self._check(value, seen)

    def _check_keys(self, node: MappingNode) -> None:
        first_line: dict[Any, int] = {}
        for key, _ in node.value:
            if key.tag == _MERGE:
                continue
            if not isinstance(key, ScalarNode):
                raise _Limited("a mapping key must be text, a number or a boolean", key.start_mark)
            _check_text(key)
            value = self.construct_object(key, deep=True)
            line = key.start_mark.line + 1
            if value in first_line:
                raise _Limited(
                    f"the key {key.value!r} appears twice in one mapping (lines {first_line[value]} and {line})",
                    key.start_mark,
                )
            first_line[value] = line


def _check_text(node: ScalarNode) -> None:
    found = _CONTROL.search(node.value)
    if found is not None:
        raise _Limited(
            f"control character U+{ord(found.group()):04X} in {_excerpt(node.value)}: write the text without it",
            node.start_mark,
        )


def _excerpt(text: str) -> str:
    shown = _CONTROL.sub("?", text)
    return repr(shown if len(shown) <= 40 else shown[:37] + "...")


def _shown_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_BASE) if tag.startswith(_BASE) else tag


# Timestamps stay text, as the Pulumi CLI keeps config values.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != f"{_BASE}timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def decode(data: bytes, source: str) -> str:
    """UTF-8 text of a file's bytes (without a byte order mark), within :data:`MAX_BYTES`."""
    if len(data) > MAX_BYTES:
        raise YamlInputError(f"{source}: {len(data)} bytes; at most {MAX_BYTES // (1024 * 1024)} MiB are read")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise YamlInputError(
            f"{source}: line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as UTF-8"
        ) from None


def read_bytes(path: Path, source: str) -> bytes:
    """A regular file's bytes, refusing a directory, device or pipe and anything over :data:`MAX_BYTES`."""
    try:
        # O_NONBLOCK: opening a pipe for reading would otherwise wait for a writer forever.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise YamlInputError(f"{source}: not a regular file")
            if status.st_size > MAX_BYTES:
                raise YamlInputError(
                    f"{source}: {status.st_size} bytes; at most {MAX_BYTES // (1024 * 1024)} MiB are read"
                )
            return handle.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise YamlInputError(f"{source}: is a directory, not a file") from None
    except OSError as error:
        raise YamlInputError(f"{source}: cannot be read ({error.strerror})") from None


def read(path: Path, source: str | None = None) -> Any:
    """Parse the YAML file at ``path`` strictly; ``source`` (default: the path) names it in errors."""
    shown = source or str(path)
    return load(read_bytes(path, shown), shown)


def load(data: bytes | str, source: str) -> Any:
    """Parse one YAML document strictly (see the module docstring); ``source`` names it in errors."""
    text = decode(data, source) if isinstance(data, bytes) else data
    if len(text) > MAX_BYTES:
        raise YamlInputError(f"{source}: {len(text)} characters; at most {MAX_BYTES // (1024 * 1024)} MiB are read")
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        return loader.get_single_data()
    except _Limited as error:
        where = f" line {error.line}:" if error.line is not None else ""
        raise YamlInputError(f"{source}:{where} {error.problem}") from None
    except ReaderError as error:
        line = text[: error.position].count("\n") + 1
        raise YamlInputError(
            f"{source}: line {line}: control character U+{error.character:04X} (not allowed in YAML): remove it"
        ) from None
    except yaml.YAMLError as error:
        raise YamlInputError(_yaml_problem(error, source)) from None
    finally:
        if loader is not None:
            loader.dispose()


def _yaml_problem(error: yaml.YAMLError, source: str) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f" line {mark.line + 1}:" if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error)
    return f"{source}:{where} not valid YAML ({problem})"

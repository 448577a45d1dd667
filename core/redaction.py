"""Keeping credential-looking values out of messages: a secret pasted into the wrong field, a token in a URL.

Error messages quote what a user wrote so they can find it, except what looks like a credential:

- a URL keeps its scheme, host, port and path; a user name and password become nothing, and every query-string
  value becomes ``[redacted]`` (``?token=...``, SAS signatures, API keys), the parameter names stay;
- a long random-looking string (20+ characters mixing upper case, lower case and digits often, as access keys,
  tokens and signatures do, or a hex digest of 40+) becomes ``[redacted]``; GUIDs, resource names, paths and SKU
  names are not random-looking and stay.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

REDACTED = "[redacted]"
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>()]+")
_QUERY_VALUE = re.compile(r"([?&][A-Za-z0-9_.~-]+=)(?!\[redacted\])[^&#\s'\"<>()]+")
_RUN = re.compile(r"[A-Za-z0-9+/=]{20,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def redact_url(url: str) -> str:
    """``url`` without its user name and password, and with every query-string value redacted."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return REDACTED
    netloc = parts.hostname or ""
    if port is not None:
        netloc = f"{netloc}:{port}"
    query = "&".join(f"{key}={REDACTED}" for key, _ in parse_qsl(parts.query, keep_blank_values=True))
    if parts.query and not query:
        query = REDACTED
    return urlunsplit((parts.scheme, netloc, parts.path, query, "")) + ("#" + REDACTED if parts.fragment else "")


def looks_random(text: str) -> bool:
    """Whether a run of letters, digits and ``+/=`` looks like a generated secret rather than a name or a path."""
    core = text.rstrip("=")
    if len(core) < 20:
        return False
    segments = core.split("/")
    if len(segments) > 1 and any(len(part) >= 5 and part.isalpha() and part.islower() for part in segments):
        return False  # a path: projects/aiscale/locations/..., workspaces/mlw-...
    letters = core.replace("/", "").replace("+", "")
    if not letters:
        return False
    kinds = [c.isdigit() + 2 * c.isupper() for c in letters]
    if len(set(kinds)) < 3:  # not upper, lower and digits together: a hex digest is random only when long
        return len(letters) >= 40 and all(c in "0123456789abcdefABCDEF" for c in letters)
    changes = sum(1 for a, b in itertools.pairwise(kinds) if a != b)
    return changes / len(letters) >= 0.3


def looks_like_credential(value: str) -> bool:
    """A value not to quote in a message: a URL with credentials or a query string, or a random-looking string."""
    return redact(value) != value


def redact(text: str) -> str:
    """``text`` with URL credentials, query-string values and random-looking strings redacted."""
    text = _URL.sub(lambda match: redact_url(match.group()), text)
    # Query strings of URLs quoted without their host (``Max retries exceeded with url: /?token=...``).
    text = _QUERY_VALUE.sub(lambda match: match.group(1) + REDACTED, text)
    # GUIDs are identifiers, not secrets; set aside first so that their parts do not join a neighbouring run.
    guids = _UUID.findall(text)
    masked = _UUID.sub("\x00", text)
    masked = _RUN.sub(lambda match: REDACTED if looks_random(match.group()) else match.group(), masked)
    for guid in guids:
        masked = masked.replace("\x00", guid, 1)
    return masked

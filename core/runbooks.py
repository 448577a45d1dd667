"""Where an alert's runbook lives: one link convention for every alert aiscale creates.

An alert links ``<runbook_base_url>/<page>``: one page per kind of alert, never per resource. The pages are
``docs/runbooks/<page>.md`` in this repository, published at the stack's ``monitoring.alerts.runbook_base_url``
(``tests/test_runbooks.py`` fails on a link to a page that does not exist).
"""

from __future__ import annotations

import re

RUNBOOKS_DIR = "docs/runbooks"
_PAGE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def runbook_url(base_url: str, page: str) -> str:
    """The runbook of an alert kind (``endpoint-error-rate``)."""
    if not _PAGE.fullmatch(page):
        raise ValueError(f"runbook page {page!r} must be lowercase words joined by hyphens")
    return f"{base_url.rstrip('/')}/{page}"


def runbook_page(url: str, base_url: str) -> str | None:
    """The page a runbook link names, or None when it does not point below ``base_url``."""
    prefix = base_url.rstrip("/") + "/"
    page = url.removeprefix(prefix) if url.startswith(prefix) else None
    return page if page is not None and _PAGE.fullmatch(page) else None


def runbook_file(page: str) -> str:
    """The file of a page in this repository."""
    return f"{RUNBOOKS_DIR}/{page}.md"

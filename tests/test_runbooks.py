"""Every runbook link an alert carries points at a page that exists: one link convention, one page per alert kind.

The recorded inventories of the reference stacks hold every alert with its inputs; each link below the stack's
``runbook_base_url`` must name a page of ``docs/runbooks``. The components' code links pages by literal names too:
those exist as well, so an alert no reference stack creates (a public endpoint's uptime check) is covered.
"""

import re
from pathlib import Path

import pytest
import yaml

from aiscale.core.runbooks import RUNBOOKS_DIR, runbook_file, runbook_page, runbook_url
from tests.conftest import REPO

INVENTORIES = Path(__file__).parent / "inventories"
STACKS = ("dev", "staging", "prod")
#: The resource types that carry a runbook link, and every one of them must.
ALERT_TYPES = (
    "azure-native:monitor:MetricAlert",
    "azure-native:monitor:ScheduledQueryRule",
    "azure-native:alertsmanagement:PrometheusRuleGroup",
    "azure-native:eventgrid:SystemTopicEventSubscription",
    "gcp:monitoring/alertPolicy:AlertPolicy",
)
_URL = re.compile(r"https://[^\s\"')]+")


def base_url(stack: str) -> str:
    config = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    urls = {config[f"aiscale:{cloud}"]["monitoring"]["alerts"]["runbook_base_url"] for cloud in ("azure", "gcp")}
    assert len(urls) == 1
    return urls.pop()


def links(value: object) -> list[str]:
    return _URL.findall(yaml.safe_dump(value, width=10_000))


@pytest.mark.parametrize("stack", STACKS)
def test_every_recorded_alert_links_a_runbook_that_exists(stack: str) -> None:
    inventory = yaml.safe_load((INVENTORIES / f"{stack}.yaml").read_text())
    base = base_url(stack)
    alerts = [r for r in inventory if r["type"] in ALERT_TYPES]
    assert len(alerts) >= 15, stack
    for alert in alerts:
        pages = {runbook_page(url, base) for url in links(alert["inputs"]) if url.startswith(base)}
        assert pages and None not in pages, f"{alert['name']} links no runbook page below {base}"
        for page in pages:
            assert page is not None and (REPO / runbook_file(page)).is_file(), (
                f"{alert['name']} links {page}, which has no page"
            )


def test_every_page_the_code_links_exists() -> None:
    source = "\n".join(path.read_text() for path in (REPO / "components").rglob("*.py"))
    named = set(re.findall(r'runbook_page[=":\s]+f?"([a-z0-9{}-]+)"', source))
    pages = {page.replace("{percentile}", p) for page in named for p in ("p95", "p99")}
    pages |= {"model-drift"}  # components.common.model_monitoring.DRIFT_RUNBOOK
    assert {"endpoint-uptime", "deployment-at-max", "gpu-pool-idle"} <= pages
    missing = sorted(page for page in pages if "{" not in page and not (REPO / runbook_file(page)).is_file())
    assert missing == []


def test_every_page_is_in_the_index_and_says_what_to_do() -> None:
    index = (REPO / RUNBOOKS_DIR / "README.md").read_text()
    for path in sorted((REPO / RUNBOOKS_DIR).glob("*.md")):
        if path.name == "README.md":
            continue
        assert f"]({path.name})" in index, path.name
        text = path.read_text()
        assert [line for line in text.splitlines() if line.startswith("## ")] == [
            "## What it means",
            "## Confirm",
            "## Isolate",
            "## Roll back",
            "## Reroute",
            "## Escalate",
        ], path.name


def test_the_link_convention() -> None:
    assert runbook_url("https://runbooks.example.com/aiscale/", "model-drift") == (
        "https://runbooks.example.com/aiscale/model-drift"
    )
    assert runbook_page("https://runbooks.example.com/aiscale/model-drift", "https://runbooks.example.com/aiscale") == (
        "model-drift"
    )
    assert runbook_page("https://elsewhere.example.com/model-drift", "https://runbooks.example.com/aiscale") is None
    with pytest.raises(ValueError, match="lowercase words joined by hyphens"):
        runbook_url("https://runbooks.example.com", "Model Drift")

"""The diff of two plans: resources added / changed / removed / renamed with old and new values, replacements only
where a cited rule says so, secrets never shown, unknown values as such, long values summarised; findings new /
resolved / unchanged by (policy, URN); the cost delta per changed resource."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from aiscale.core.diff import (
    ABSENT,
    RENAME_SOURCE,
    diff_cost,
    diff_findings,
    diff_plans,
    diff_resources,
    show,
    show_change,
)
from aiscale.core.diff.replacement import RULES, replacing_rule
from aiscale.core.render.changes import field_lines
from tests.conftest import REPO

POOL = "azure-native:containerservice:AgentPool"
NODE_POOL = "gcp:container/nodePool:NodePool"
SECRET_VALUE = "hunter2-do-not-print"


def resource(name: str, type_: str = NODE_POOL, parent: str | None = None, **inputs: Any) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:dev::p::{type_}::{name}",
        "type": type_,
        "name": name,
        "parent": parent,
        "custom": True,
        "inputs": inputs,
        "protect": False,
        "options": {},
    }


def plan(*resources: dict[str, Any], violations: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "schemaVersion": 1,
        "stack": "dev",
        "environment": "dev",
        "policyPack": "aiscale",
        "resources": list(resources),
        "violations": violations or [],
        "cost": {
            "currency": "USD",
            "monthly": {"floor": 0, "ceiling": 0, "expected": 0},
            "resources": [],
            "unpriced": [],
        },
        **extra,
    }


# --- Resources -------------------------------------------------------------------------------------------------------


def test_added_changed_removed_and_unchanged_by_urn() -> None:
    before = [
        resource("kept", autoscaling={"totalMaxNodeCount": 3}),
        resource("widened", autoscaling={"totalMinNodeCount": 0, "totalMaxNodeCount": 3}),
        resource("gone", location="europe-west4"),
    ]
    after = [
        resource("kept", autoscaling={"totalMaxNodeCount": 3}),
        resource("widened", autoscaling={"totalMinNodeCount": 0, "totalMaxNodeCount": 5}),
        resource("new", location="europe-west4", nodeConfig={"machineType": "g2-standard-4", "spot": True}),
    ]
    result = diff_resources(before, after)
    assert [(c.action, c.name) for c in result.changes] == [
        ("update", "widened"),
        ("create", "new"),
        ("delete", "gone"),
    ]
    assert result.unchanged == 1
    assert result.headline() == "Resources: +1 ~1 -1 (1 unchanged)"
    [widened] = result.changes[0].fields
    assert (widened.path, widened.old, widened.new, widened.replaces) == ("autoscaling.totalMaxNodeCount", 3, 5, None)
    assert field_lines(result.changes[0]) == ["autoscaling.totalMaxNodeCount: 3 → 5"]
    assert field_lines(result.changes[1]) == [
        'location: "europe-west4"',
        'nodeConfig.machineType: "g2-standard-4"',
        "nodeConfig.spot: true",
    ]
    assert result.changes[0].replacement == "not known offline"


def test_components_are_not_counted_but_a_change_marks_them() -> None:
    component = {**resource("pool", type_="aiscale:gcp:GkeGpuNodePool"), "custom": False}
    before = plan(component, resource("pool-pool", parent=component["urn"], nodeCount=1))
    after = plan(component, resource("pool-pool", parent=component["urn"], nodeCount=2))
    changes = diff_plans(before, after)
    assert changes.resources.counts() == {"create": 0, "update": 1, "replace": 0, "delete": 0, "unchanged": 0}
    assert changes.components == [component["urn"]]


def test_a_replacement_only_where_a_rule_is_cited() -> None:
    before = [resource("gpu", type_=POOL, vmSize="Standard_NC4as_T4_v3", maxCount=2)]
    after = [resource("gpu", type_=POOL, vmSize="Standard_NC8as_T4_v3", maxCount=3)]
    [change] = diff_resources(before, after).changes
    assert change.action == "replace" and change.replacement == "known"
    by_path = {f.path: f for f in change.fields}
    assert by_path["vmSize"].replaces == "pulumi-azure-native provider/pkg/gen/replacement.go (forceNewMap)"
    assert by_path["maxCount"].replaces is None
    assert field_lines(change) == [
        "maxCount: 2 → 3",
        'vmSize: "Standard_NC4as_T4_v3" → "Standard_NC8as_T4_v3"  [forces replacement: pulumi-azure-native '
        "provider/pkg/gen/replacement.go (forceNewMap)]",
    ]
    # A GKE node pool's name and location are ForceNew in the provider pulumi-gcp bridges; its machine type is not
    # listed there, so its change is an update whose replacement is not known offline.
    assert replacing_rule(NODE_POOL, "location") is not None
    assert replacing_rule(NODE_POOL, "networkConfig.podRange") is not None
    assert replacing_rule(NODE_POOL, "nodeConfig.machineType") is None
    assert replacing_rule("azure-native:keyvault:Vault", "location") is not None  # ARM: location is create-only
    assert replacing_rule("azure-native:keyvault:Vault", "properties.sku.name") is None
    assert replacing_rule("azure-native:containerservice:ManagedCluster", "networkProfile.podCidr") is not None
    assert replacing_rule("azure-native:containerservice:ManagedCluster", "networkProfile.loadBalancerSku") is None


def test_every_replacement_rule_names_its_source() -> None:
    for rule in RULES:
        assert rule.paths and rule.source, rule
    module = (REPO / "core" / "diff" / "replacement.py").read_text()
    for source in ("replacement.go", "1b7112af", "RPC-Put-V1-14", "resource_container_node_pool.go", "069a33d4"):
        assert source in module


def test_a_rename_is_shown_as_such() -> None:
    before = [resource("old-name", type_=POOL, vmSize="Standard_NC4as_T4_v3"), resource("other", nodeCount=1)]
    after = [resource("new-name", type_=POOL, vmSize="Standard_NC4as_T4_v3"), resource("other", nodeCount=1)]
    result = diff_resources(before, after)
    [change] = result.changes
    assert (change.action, change.name, change.previous_name) == ("rename", "new-name", "old-name")
    assert result.headline() == "Resources: +0 ~0 ±1 -0 (1 unchanged)"
    document = change.to_json()
    assert document["previousUrn"] == before[0]["urn"] and document["rule"] == RENAME_SOURCE
    # Different inputs: a create and a delete, not a rename.
    after[0]["inputs"]["vmSize"] = "Standard_NC8as_T4_v3"
    assert [c.action for c in diff_resources(before, after).changes] == ["create", "delete"]


def test_secrets_are_never_printed() -> None:
    before = [resource("rg", type_="azure-native:resources:ResourceGroup", tags={"token": SECRET_VALUE, "a": "1"})]
    after = [resource("rg", type_="azure-native:resources:ResourceGroup", tags={"token": "[secret]", "a": "1"})]
    [change] = diff_resources(before, after).changes
    [field] = change.fields
    # The value became secret: the old (plain) value may be the same secret, so neither side is shown.
    assert (field.path, field.old, field.new) == ("tags.token", "[secret]", "[secret]")
    assert SECRET_VALUE not in json.dumps(change.to_json()) and SECRET_VALUE not in "".join(field_lines(change))
    # Two secrets look the same in a redacted plan: no change seen (the real preview shows it, masked).
    same = [resource("rg", type_="azure-native:resources:ResourceGroup", tags={"token": "[secret]", "a": "1"})]
    assert diff_resources(after, same).changes == []
    nested = [resource("rg", type_="azure-native:resources:ResourceGroup", tags={"token": {"k": "[secret]"}})]
    [masked] = diff_resources(before, nested).changes[0].fields[1:]
    assert masked.new == "[secret]"


def test_unknown_values_are_shown_as_such_and_long_values_summarised() -> None:
    instance = "gcp:compute/instance:Instance"
    before = [
        resource("vm", instance, location="[unknown]", description="x" * 400, zones=["a", "b"], labels={"k": "v"})
    ]
    after = [resource("vm", instance, location="europe-west4", description="x" * 200 + "y" + "x" * 199, zones=["a", "b", "c"],
                      labels={f"k{i}": "v" for i in range(10)})]  # fmt: skip
    [change] = diff_resources(before, after).changes
    lines = dict(line.split(": ", 1) for line in field_lines(change))
    assert lines["location"] == '[unknown] → "europe-west4"'
    assert lines["zones"] == '["a", "b"] → ["a", "b", "c"]'
    assert re.fullmatch(r'…"x+"… \(400 characters\) → …"x+yx+"… \(400 characters\)', lines["description"])
    assert lines["labels.k"] == '"v" → (absent)'
    assert show(list(range(20))) == "(list of 20 items)"
    assert show({"a": {"b": 1}}) == "(object with 1 key)"
    assert show({"resourceRef": "urn:pulumi:dev::p::t::the-vault"}) == "→ the-vault"
    assert show_change("[unknown]", "[unknown]") == ("[unknown]", "[unknown]")
    assert show(ABSENT) == "(absent)"


def test_lists_of_named_objects_are_compared_by_name() -> None:
    profiles = [{"name": "system", "maxCount": 3}, {"name": "user", "maxCount": 2}]
    before = [resource("aks", type_="azure-native:containerservice:ManagedCluster", agentPoolProfiles=profiles)]
    after = [resource("aks", type_="azure-native:containerservice:ManagedCluster",
                      agentPoolProfiles=[{"name": "user", "maxCount": 2}, {"name": "system", "maxCount": 5}])]  # fmt: skip
    [change] = diff_resources(before, after).changes
    assert [(f.path, f.old, f.new) for f in change.fields] == [("agentPoolProfiles[name=system].maxCount", 3, 5)]


def test_protect_and_options_are_changes_too() -> None:
    before = [resource("vault", type_="azure-native:keyvault:Vault")]
    after = [{**resource("vault", type_="azure-native:keyvault:Vault"), "protect": True,
              "options": {"retainOnDelete": True}}]  # fmt: skip
    [change] = diff_resources(before, after).changes
    assert [(f.path, f.old, f.new) for f in change.fields] == [
        ("protect", False, True),
        ("options.retainOnDelete", ABSENT, True),
    ]
    assert change.stateful and diff_resources(before, after).stateful_at_risk == [change]


@pytest.mark.parametrize(
    ("resource_type", "stateful"),
    [
        ("azure-native:keyvault:Vault", True),
        ("azure-native:keyvault:Key", True),
        ("gcp:kms/cryptoKey:CryptoKey", True),
        ("azure-native:machinelearningservices:Workspace", True),
        ("azure-native:containerregistry:Registry", True),
        ("azure-native:storage:StorageAccount", True),
        ("gcp:storage/bucket:Bucket", True),
        ("gcp:sql/databaseInstance:DatabaseInstance", True),
        ("azure-native:containerservice:ManagedCluster", True),
        ("gcp:container/cluster:Cluster", True),
        ("azure-native:operationalinsights:Workspace", True),
        ("azure-native:monitor:AzureMonitorWorkspace", True),
        ("azure-native:resources:ResourceGroup", True),
        ("azure-native:keyvault/v20241101:Vault", True),
        ("azure:keyvault/keyVault:KeyVault", True),
        ("azure:storage/account:Account", True),
        ("gcp:serviceaccount/account:Account", False),
        ("aiscale:azure:KeyVault", False),
        ("azure-native:containerservice:AgentPool", False),
        ("azure-native:monitor:MetricAlert", False),
        ("kubernetes:core/v1:Secret", False),
        ("pulumi:providers:kubernetes", False),
    ],
)
def test_stateful_types_are_the_projects_one_definition(resource_type: str, stateful: bool) -> None:
    change = diff_resources([], [resource("x", type_=resource_type)]).changes[0]
    assert change.stateful is stateful


# --- Findings --------------------------------------------------------------------------------------------------------


def finding(policy: str, urn: str | None, message: str = "m", enforcement: str = "advisory") -> dict[str, Any]:
    return {"policy": policy, "enforcement": enforcement, "urn": urn, "message": message}


def test_findings_new_resolved_unchanged_by_policy_and_urn() -> None:
    before = [
        finding("ml-a", "urn:1"),
        finding("ml-b", "urn:2"),
        finding("ml-c", None, "budget 100"),
        finding("ml-d", "urn:4"),
    ]
    after = [
        finding("ml-a", "urn:1"),
        finding("ml-c", None, "budget 90"),  # the same finding, its message moved
        finding("ml-e", "urn:5"),
        finding("ml-f", "urn:6", enforcement="mandatory"),
        finding("ml-d", "urn:4", enforcement="mandatory"),
    ]
    result = diff_findings(before, after)
    assert [f["policy"] for f in result.new] == ["ml-f", "ml-e"]  # new mandatory first
    assert [f["policy"] for f in result.resolved] == ["ml-b"]
    assert [(f["policy"], f["message"]) for f in result.unchanged] == [("ml-a", "m"), ("ml-c", "budget 90"),
                                                                      ("ml-d", "m")]  # fmt: skip
    assert [f["policy"] for f in result.escalated] == ["ml-d"]
    assert result.counts() == {"new": 2, "newMandatory": 1, "resolved": 1, "unchanged": 3}


def test_the_same_policy_on_one_resource_twice_is_matched_by_message() -> None:
    before = [finding("ml-a", "urn:1", "first"), finding("ml-a", "urn:1", "second")]
    after = [finding("ml-a", "urn:1", "second"), finding("ml-a", "urn:1", "third")]
    result = diff_findings(before, after)
    assert [f["message"] for f in result.unchanged] == ["second", "third"]
    assert [f["message"] for f in result.resolved] == [] and result.new == []


def test_a_baseline_without_policies_cannot_tell_new_findings() -> None:
    before = {**plan(resource("a")), "policyPack": None}
    changes = diff_plans(before, plan(resource("a"), violations=[finding("ml-a", "urn:1")]))
    assert changes.findings is None and "planned without policies" in changes.findings_note
    assert changes.to_json()["findings"] is None


# --- Cost ------------------------------------------------------------------------------------------------------------


def test_cost_delta_per_changed_resource_and_newly_unpriced_names() -> None:
    before = {
        "currency": "USD",
        "monthly": {"floor": 100.0, "ceiling": 300.0, "expected": None},
        "resources": [
            {"urn": "urn:pool", "name": "pool", "floor": 0, "ceiling": 200},
            {"urn": "urn:fee", "name": "fee", "floor": 73, "ceiling": 73},
            {"urn": "urn:fee", "name": "fee", "floor": 27, "ceiling": 27},
        ],
        "unpriced": [{"urn": "urn:old", "name": "old", "reason": "nodes: no price", "priceRule": True}],
    }
    after = {
        "currency": "USD",
        "monthly": {"floor": 100.0, "ceiling": 500.0, "expected": None},
        "resources": [
            {"urn": "urn:pool", "name": "pool", "floor": 0, "ceiling": 400},
            {"urn": "urn:fee", "name": "fee", "floor": 73, "ceiling": 73},
            {"urn": "urn:fee", "name": "fee", "floor": 27, "ceiling": 27},
        ],
        "unpriced": [
            {"urn": "urn:old", "name": "old", "reason": "nodes: no price (reworded)", "priceRule": True},
            {"urn": "urn:t4", "name": "azure-gpu-t4batch-pool", "reason": "nodes: no westeurope price",
             "gap": "why", "priceRule": True},
            {"urn": "urn:ring", "name": "ring", "reason": "no price rule for x", "priceRule": False},
        ],
    }  # fmt: skip
    result = diff_cost(before, after)
    assert [(r.name, r.floor, r.ceiling) for r in result.resources] == [("pool", 0, 200)]
    assert result.total("ceiling") == 200 and result.total("expected") is None
    assert [u["name"] for u in result.newly_unpriced] == ["azure-gpu-t4batch-pool"]
    assert result.no_longer_unpriced == []
    document = result.to_json()
    assert document["monthly"]["ceiling"] == {"before": 300.0, "after": 500.0, "delta": 200.0}
    assert document["resources"][0] == {
        "urn": "urn:pool",
        "name": "pool",
        "before": {"floor": 0.0, "ceiling": 200.0},
        "after": {"floor": 0.0, "ceiling": 400.0},
        "floor": 0.0,
        "ceiling": 200.0,
    }


def test_a_diff_of_a_plan_with_itself_is_empty() -> None:
    same = plan(resource("a", nodeCount=1), violations=[finding("ml-a", "urn:1")])
    changes = diff_plans(same, same)
    assert changes.empty and changes.resources.headline() == "Resources: +0 ~0 -0 (1 unchanged)"

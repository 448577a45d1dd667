"""SARIF 2.1.0 rendering of a plan's policy results, for code scanning (GitHub, Azure DevOps, GitLab).

One rule per policy of the pack (help text, anchors as tags, ``security-severity``); one result per finding, at
the program line that created the resource (``programSource``) with the URN as its logical location; waived
findings carry an external suppression with the waiver's reason, so scanners show them as suppressed; what a policy
did not judge is a result of kind ``notApplicable`` (with the policy's reason) or ``open`` (a value known only after
deployment), at level ``none``.
"""

from __future__ import annotations

import json
from typing import Any

from aiscale.core import __version__
from aiscale.core.plan import Plan
from aiscale.core.policy_pack import installed_pack

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: GitHub's bands: critical ≥ 9.0, high 7.0-8.9, medium 4.0-6.9, low < 4.0.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def render_sarif(plan: Plan) -> str:
    known = installed_pack().rules()
    ids = sorted(known)
    index = {rule_id: position for position, rule_id in enumerate(ids)}
    results = [
        _result(plan, v.policy, index, v.urn, v.message, "error" if v.enforcement == "mandatory" else "warning")
        for v in plan.violations
    ]
    for waived in plan.waived:
        result = _result(plan, waived.policy, index, waived.urn, waived.reason, "note")
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": waived.reason}]
        results.append(result)
    for skipped in plan.not_evaluated:
        # SARIF's own kinds: notApplicable (the policy said why), open (needs a value known after deployment).
        result = _result(plan, skipped.policy, index, skipped.urn or None, skipped.message, "none")
        result["kind"] = "notApplicable" if skipped.kind == "not-applicable" else "open"
        results.append(result)
    for disabled in plan.disabled:
        result = _result(plan, disabled.policy, index, disabled.urn, disabled.message, "none")
        reason = "the policy is disabled in the stack's policy config"
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": reason}]
        results.append(result)
    invocation: dict[str, Any] = {"executionSuccessful": True}
    notifications = (
        [{"level": "warning", "message": {"text": plan.environment_warning}}] if plan.environment_warning else []
    )
    notifications += [{"level": "note", "message": {"text": note}} for note in plan.run.notes]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aiscale",
                        "version": __version__,
                        "rules": [_rule(known[rule_id], plan.policy_levels.get(rule_id)) for rule_id in ids],
                    }
                },
                "automationDetails": {"id": f"aiscale/{plan.run.stack}/"},
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _rule(rule: Any, level: str | None) -> dict[str, Any]:
    severity = rule.severity.value
    help_text = f"{rule.description}\n\nAbsent values: {rule.absent}\n\nRemediation: {rule.remediation}"
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {
            "text": help_text,
            "markdown": f"**{rule.title}**\n\n{rule.description}\n\n*Absent values:* {rule.absent}\n\n"
            f"*Remediation:* {rule.remediation}\n\n*Anchors:* {', '.join(rule.anchors)}",
        },
        "defaultConfiguration": {"level": "error" if level == "mandatory" else "warning"},
        "properties": {
            "tags": ["security", *rule.tags()],
            "security-severity": SECURITY_SEVERITY[severity],
            "problem.severity": "error" if severity in ("critical", "high") else "warning",
        },
    }


def _result(  # noqa: PLR0917 - private; one call per finding kind
    plan: Plan, policy: str, index: dict[str, int], urn: str | None, message: str, level: str
) -> dict[str, Any]:
    registration = next((r for r in plan.run.registrations if r.urn == urn), None)
    source = (registration.program_source or registration.source) if registration else None
    project = plan.run.project
    if source is not None:
        file, line = source.file, source.line
    else:
        # A stack-level finding, or a resource created outside the project: point at the stack file.
        file, line = project.display_path(project.stack_file(plan.run.stack)), 1
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": file}, "region": {"startLine": line}},
    }
    if urn:
        location["logicalLocations"] = [{"fullyQualifiedName": urn, "kind": "resource"}]
    result: dict[str, Any] = {
        "ruleId": policy,
        "level": level,
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {"aiscaleFinding/v1": f"{policy}:{urn or 'stack'}"},
    }
    if policy in index:
        result["ruleIndex"] = index[policy]
    return result

"""JUnit XML rendering of a plan's policy results (Jenkins, GitLab, Azure Pipelines test reports).

One test suite per stack; a test case per policy that found nothing, and per finding otherwise. Mandatory
violations are failures; advisory findings and waived ones are skipped test cases with the reason, so every
finding is visible in the report and only mandatory ones fail it. What a policy did not judge (not applicable, or
a value known only after deployment) is a skipped test case with the reason.
"""

from __future__ import annotations

from collections import Counter
from xml.etree import ElementTree

from aiscale.core.plan import Plan
from aiscale.core.policy_pack import installed_pack


def render_junit(plan: Plan) -> str:
    known = installed_pack().rules()
    suite = ElementTree.Element("testsuite", name=f"aiscale policies · {plan.run.stack}")

    def case(policy: str, target: str | None) -> ElementTree.Element:
        rule = known.get(policy)
        title = rule.title if rule else policy
        severity = rule.severity.value.upper() if rule else "UNKNOWN"
        area = rule.area.lower().replace(" ", "-") if rule else "policy"
        name = f"[{severity}][{policy}] {title}" + (f" · {target}" if target else "")
        return ElementTree.SubElement(suite, "testcase", name=name, classname=f"aiscale.{area}.{policy}")

    found = Counter(f.policy for f in [*plan.violations, *plan.waived, *plan.disabled, *plan.not_evaluated])
    for policy in sorted(known):
        if not found[policy]:
            case(policy, None)
    for violation in plan.violations:
        element = case(violation.policy, _name(violation.urn))
        if violation.enforcement == "mandatory":
            failure = ElementTree.SubElement(element, "failure", type="mandatory", message=violation.message)
            failure.text = f"{violation.urn or 'stack'}\n{violation.message}"
        else:
            ElementTree.SubElement(element, "skipped", message=f"advisory: {violation.message}")
    for waived in plan.waived:
        ElementTree.SubElement(case(waived.policy, _name(waived.urn)), "skipped", message=waived.reason)
    for skipped in plan.not_evaluated:
        what = "not applicable" if skipped.kind == "not-applicable" else "not evaluated before deployment"
        ElementTree.SubElement(
            case(skipped.policy, _name(skipped.urn)), "skipped", message=f"{what}: {skipped.message}"
        )
    for disabled in plan.disabled:
        ElementTree.SubElement(
            case(disabled.policy, _name(disabled.urn)), "skipped", message=f"disabled: {disabled.message}"
        )
    if plan.environment_warning or plan.run.notes:
        properties = ElementTree.Element("properties")
        if plan.environment_warning:
            ElementTree.SubElement(properties, "property", name="aiscale.warning", value=plan.environment_warning)
        for note in plan.run.notes:
            ElementTree.SubElement(properties, "property", name="aiscale.note", value=note)
        suite.insert(0, properties)
    if plan.run.notes:  # system-out comes before system-err in the JUnit schema
        ElementTree.SubElement(suite, "system-out").text = "\n".join(f"note: {note}" for note in plan.run.notes)
    if plan.environment_warning:
        ElementTree.SubElement(suite, "system-err").text = f"warning: {plan.environment_warning}"

    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    suite.set("errors", "0")
    root = ElementTree.Element("testsuites", name="aiscale plan")
    root.append(suite)
    for attribute in ("tests", "failures", "skipped", "errors"):
        root.set(attribute, suite.get(attribute, "0"))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _name(urn: str | None) -> str | None:
    return urn.rsplit("::", 1)[-1] if urn else None

"""Entry point of the policy pack. The Pulumi CLI runs this; importing aiscale.policies never starts a server."""

from pulumi_policy import EnforcementLevel, Policy, PolicyPack

from aiscale.policies import all_policies

PolicyPack(name="aiscale", enforcement_level=EnforcementLevel.ADVISORY, policies=list[Policy](all_policies()))

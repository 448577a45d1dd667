"""Cloud KMS key ring and keys, with the CMEK wiring to the Google services that encrypt with them.

Each key names the services that use it; their service agents get ``roles/cloudkms.cryptoKeyEncrypterDecrypter``
on that key (never on the ring or project). Agents that only exist once created on demand (Vertex AI) are
created with a ``ServiceIdentity``; the others have fixed addresses derived from the project number.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NotRequired, TypedDict

import pulumi
from pulumi_gcp import kms, projects

from aiscale.components.common.customer_managed_key import GcpCustomerManagedKeyArgs
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.gcp_diagnostics import GcpDiagnosticsArgs, audit_logs, check_diagnostics
from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Labels, gcp_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core import rules
from aiscale.core.config.gcp import GcpKeyConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("KmsKeyRing")
PREVIOUS_TYPE = "aiscale:gcp:KmsKeyRing"
KMS_SERVICE = "cloudkms.googleapis.com"
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
PROTECTION_LEVELS = ("SOFTWARE", "HSM")


@dataclass(frozen=True)
class ServiceAgent:
    service: str
    """API that owns the agent."""
    email_format: str
    """Agent address; ``{number}`` is the project number."""
    created_on_demand: bool
    """True when the agent exists only after it is created (a ServiceIdentity creates it)."""


#: Service agents that encrypt with customer-managed keys, by the name used in config.
SERVICE_AGENTS: dict[str, ServiceAgent] = {
    "aiplatform": ServiceAgent(
        "aiplatform.googleapis.com", "service-{number}@gcp-sa-aiplatform.iam.gserviceaccount.com", True
    ),
    "container": ServiceAgent(
        "container.googleapis.com", "service-{number}@container-engine-robot.iam.gserviceaccount.com", False
    ),
    "compute": ServiceAgent("compute.googleapis.com", "service-{number}@compute-system.iam.gserviceaccount.com", False),
    "storage": ServiceAgent(
        "storage.googleapis.com", "service-{number}@gs-project-accounts.iam.gserviceaccount.com", False
    ),
    # The Cloud Logging CMEK service account of a project (``gcloud logging settings describe`` shows it; projects
    # whose Logging settings predate it show ``cmek-p<number>@...``: grant that one through ``members``).
    "logging": ServiceAgent("logging.googleapis.com", "service-{number}@gcp-sa-logging.iam.gserviceaccount.com", False),
    "pubsub": ServiceAgent("pubsub.googleapis.com", "service-{number}@gcp-sa-pubsub.iam.gserviceaccount.com", False),
    # BigQuery's encryption service account (it exists once the project has used BigQuery).
    "bigquery": ServiceAgent(
        "bigquery.googleapis.com", "bq-{number}@bigquery-encryption.iam.gserviceaccount.com", False
    ),
}


class CryptoKeySpecArgs(TypedDict):
    """A symmetric encryption key."""

    rotation_days: NotRequired[int]
    """Automatic rotation period, 1-90 days."""
    protection_level: NotRequired[str]
    """``SOFTWARE`` or ``HSM``."""
    destroy_scheduled_days: NotRequired[int]
    """Days a destroyed version stays recoverable (default 30)."""
    service_agents: NotRequired[Sequence[str]]
    """Services whose agents encrypt with this key: ``aiplatform``, ``container``, ``compute``, ``storage``,
    ``logging``, ``pubsub``, ``bigquery``."""
    members: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Further IAM members with the encrypter/decrypter role, by a stable name (``serviceAccount:...``)."""


KEY_DEFAULTS = declare(
    CryptoKeySpecArgs,
    protection_level="SOFTWARE",
    rotation_days=stack_default(GcpKeyConfig, "rotation_days"),
)
"""Defaults of the optional args of ``CryptoKeySpecArgs``."""


class KmsKeyRingArgs(TypedDict):
    """Arguments of :class:`KmsKeyRing`."""

    project: pulumi.Input[str]
    """Google Cloud project id."""
    project_number: str
    """Project number; service agent addresses are derived from it."""
    location: pulumi.Input[str]
    """Region of the ring; keys must be in the region of the resources they encrypt."""
    key_ring_name: str
    """Name of the key ring (key rings can never be deleted: pick it once)."""
    keys: NotRequired[Mapping[str, CryptoKeySpecArgs]]
    """Keys by name."""
    labels: NotRequired[Labels]
    """Labels of the keys (key rings take none)."""
    protect: NotRequired[bool]
    """Pulumi refuses to delete the ring and its keys (prod); a destroyed key version is lost for good once its
    destruction is due. Key rings can never be deleted in Google Cloud anyway."""
    diagnostics: NotRequired[GcpDiagnosticsArgs]
    """Log every use of the project's keys (Cloud KMS Data Access audit logs): who encrypted or decrypted what."""


def _validate(args: KmsKeyRingArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    if not args["project_number"].isdigit():
        fail("project_number", f"{args['project_number']!r} is not a project number (digits only)")
    for key_name, spec in args.get("keys", {}).items():
        problem = rules.key_rotation_problem(spec.get("rotation_days", KEY_DEFAULTS["rotation_days"]))
        if problem:
            fail(f"keys.{key_name}.rotation_days", problem)
        level = spec.get("protection_level", KEY_DEFAULTS["protection_level"])
        if level not in PROTECTION_LEVELS:
            fail(f"keys.{key_name}.protection_level", f"{level!r} is not one of {', '.join(PROTECTION_LEVELS)}")
        for agent in spec.get("service_agents", []):
            if agent not in SERVICE_AGENTS:
                fail(f"keys.{key_name}.service_agents", f"{agent!r} is not one of {', '.join(SERVICE_AGENTS)}")
        for member_name, member in spec.get("members", {}).items():
            problem = rules.public_member_problem(member) if isinstance(member, str) else None
            if problem:
                fail(f"keys.{key_name}.members.{member_name}", problem)
    check_diagnostics(COMPONENT, args.get("diagnostics"))
    gcp_labels(COMPONENT, args.get("labels"))


class KmsKeyRing(pulumi.ComponentResource):
    """A Cloud KMS key ring with rotating keys, each granted to the service agents that encrypt with it.

    Children: ``<name>-key-ring``, ``<name>-<key>`` per key, its grants, service identities, audit logs.
    """

    key_ring: kms.KeyRing
    keys: dict[str, kms.CryptoKey]
    key_ring_id: pulumi.Output[str]
    key_ids: pulumi.Output[dict[str, str]]
    """Key resource names (``projects/.../cryptoKeys/<key>``), what CMEK consumers take."""
    service_agent_members: dict[str, str]
    """IAM member of each service agent granted on a key, by agent name."""
    service_identities: dict[str, projects.ServiceIdentity]
    """Service identities created for agents that exist only on demand."""

    def __init__(self, name: str, args: KmsKeyRingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        protect = args.get("protect", False)
        keys = args.get("keys", {})

        self.key_ring = kms.KeyRing(
            f"{name}-key-ring",
            name=args["key_ring_name"],
            project=args["project"],
            location=args["location"],
            opts=child_options(self, protect=protect),
        )
        self.keys = {
            key_name: kms.CryptoKey(
                f"{name}-{key_name}",
                name=key_name,
                key_ring=self.key_ring.id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=rules.gcp_rotation_period(spec.get("rotation_days", KEY_DEFAULTS["rotation_days"])),
                destroy_scheduled_duration=f"{spec.get('destroy_scheduled_days', 30) * rules.SECONDS_PER_DAY}s",
                version_template=kms.CryptoKeyVersionTemplateArgs(
                    algorithm="GOOGLE_SYMMETRIC_ENCRYPTION",
                    protection_level=spec.get("protection_level", KEY_DEFAULTS["protection_level"]),
                ),
                labels=args.get("labels"),
                opts=child_options(self, protect=protect),
            )
            for key_name, spec in keys.items()
        }

        used_agents = sorted({agent for spec in keys.values() for agent in spec.get("service_agents", [])})
        self.service_agent_members = {
            agent: "serviceAccount:" + SERVICE_AGENTS[agent].email_format.format(number=args["project_number"])
            for agent in used_agents
        }
        self.service_identities = {
            agent: projects.ServiceIdentity(
                f"{name}-{agent}-agent",
                project=args["project"],
                service=SERVICE_AGENTS[agent].service,
                opts=child_options(self),
            )
            for agent in used_agents
            if SERVICE_AGENTS[agent].created_on_demand
        }
        self._grants(name, args)
        if "diagnostics" in args:
            audit_logs(name, project=args["project"], service=KMS_SERVICE, args=args["diagnostics"], parent=self)

        self.key_ring_id = self.key_ring.id
        self.key_ids = pulumi.Output.all(**{k: v.id for k, v in self.keys.items()})
        self.register_outputs({"keyRingId": self.key_ring_id, "keyIds": self.key_ids})

    def customer_managed_key(self, key_name: str) -> GcpCustomerManagedKeyArgs:
        """The customer-managed key interface for key ``key_name``, as consuming components take it."""
        return {"key_id": self.keys[key_name].id}

    def _grants(self, name: str, args: KmsKeyRingArgs) -> None:
        """``<name>-<key>-<agent>`` and ``<name>-<key>-<member>``: the encrypter/decrypter role on one key each."""
        for key_name, spec in args.get("keys", {}).items():
            for agent in spec.get("service_agents", []):
                identity = self.service_identities.get(agent)
                kms.CryptoKeyIAMMember(
                    f"{name}-{key_name}-{agent}",
                    crypto_key_id=self.keys[key_name].id,
                    role=ENCRYPTER_DECRYPTER,
                    # The address is fixed; the dependency makes the grant wait until the agent exists.
                    member=self.service_agent_members[agent],
                    opts=child_options(self, depends_on=[identity] if identity else None),
                )
            for member_name, member in spec.get("members", {}).items():
                kms.CryptoKeyIAMMember(
                    f"{name}-{key_name}-{member_name}",
                    crypto_key_id=self.keys[key_name].id,
                    role=ENCRYPTER_DECRYPTER,
                    member=member,
                    opts=child_options(self),
                )

"""aiscale:index:KmsKeyRing: exact children and inputs, CMEK wiring to service agents, validation."""

from typing import Any

import pytest

from aiscale.components.gcp import KmsKeyRing, KmsKeyRingArgs
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find

ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


def args(**changes: Any) -> KmsKeyRingArgs:
    base: KmsKeyRingArgs = {
        "project": "aiscale-unit",
        "project_number": "123456789012",
        "location": "europe-west4",
        "key_ring_name": "unit-ring",
        "keys": {
            "vertex": {"service_agents": ["aiplatform", "storage"], "protection_level": "HSM"},
            "gke": {
                "service_agents": ["container", "compute"],
                "rotation_days": 30,
                "members": {"ci": "serviceAccount:ci@aiscale-unit.iam.gserviceaccount.com"},
            },
        },
        "labels": {"owner": "ml-platform"},
        "protect": True,
    }
    return changed(base, changes)


def record(component_args: KmsKeyRingArgs) -> Any:
    return record_program(lambda: KmsKeyRing("kms", component_args))


def test_children() -> None:
    run = record(args())
    assert children(run, find(run, "aiscale:index:KmsKeyRing", "kms")) == [
        ("gcp:kms/keyRing:KeyRing", "kms-key-ring"),
        ("gcp:kms/cryptoKey:CryptoKey", "kms-vertex"),
        ("gcp:kms/cryptoKey:CryptoKey", "kms-gke"),
        ("gcp:projects/serviceIdentity:ServiceIdentity", "kms-aiplatform-agent"),
        ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "kms-vertex-aiplatform"),
        ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "kms-vertex-storage"),
        ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "kms-gke-container"),
        ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "kms-gke-compute"),
        ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "kms-gke-ci"),
    ]


def test_ring_and_keys() -> None:
    run = record(args())
    ring = find(run, "gcp:kms/keyRing:KeyRing", "kms-key-ring")
    vertex = find(run, "gcp:kms/cryptoKey:CryptoKey", "kms-vertex")
    gke = find(run, "gcp:kms/cryptoKey:CryptoKey", "kms-gke")
    assert ring.protect and vertex.protect and gke.protect
    assert ring.inputs == {"location": "europe-west4", "name": "unit-ring", "project": "aiscale-unit"}
    assert vertex.inputs == {
        "destroyScheduledDuration": "2592000s",
        "keyRing": "[unknown]",
        "labels": {"owner": "ml-platform"},
        "name": "vertex",
        "purpose": "ENCRYPT_DECRYPT",
        "rotationPeriod": "7776000s",
        "versionTemplate": {"algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION", "protectionLevel": "HSM"},
    }
    assert vertex.property_dependencies["keyRing"] == [ring.urn]
    assert gke.inputs["rotationPeriod"] == "2592000s"
    assert gke.inputs["versionTemplate"]["protectionLevel"] == "SOFTWARE"


def test_service_agents_get_the_key_role_on_their_key_only() -> None:
    run = record(args())
    identity = find(run, "gcp:projects/serviceIdentity:ServiceIdentity", "kms-aiplatform-agent")
    assert identity.inputs == {"project": "aiscale-unit", "service": "aiplatform.googleapis.com"}
    expected = {
        "kms-vertex-aiplatform": (
            "kms-vertex",
            "serviceAccount:service-123456789012@gcp-sa-aiplatform.iam.gserviceaccount.com",
        ),
        "kms-vertex-storage": (
            "kms-vertex",
            "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com",
        ),
        "kms-gke-container": (
            "kms-gke",
            "serviceAccount:service-123456789012@container-engine-robot.iam.gserviceaccount.com",
        ),
        "kms-gke-compute": ("kms-gke", "serviceAccount:service-123456789012@compute-system.iam.gserviceaccount.com"),
        "kms-gke-ci": ("kms-gke", "serviceAccount:ci@aiscale-unit.iam.gserviceaccount.com"),
    }
    for name, (key_name, member) in expected.items():
        grant = find(run, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", name)
        key = find(run, "gcp:kms/cryptoKey:CryptoKey", key_name)
        assert grant.inputs == {"cryptoKeyId": "[unknown]", "member": member, "role": ROLE}
        assert grant.property_dependencies["cryptoKeyId"] == [key.urn]
        assert not grant.protect
    # The Vertex AI agent exists only once created; its grant waits for the identity.
    assert (
        identity.urn in find(run, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "kms-vertex-aiplatform").dependencies
    )
    assert (
        identity.urn not in find(run, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "kms-gke-compute").dependencies
    )


def test_no_agents_no_identities() -> None:
    run = record(args(keys={"plain": {}}, protect=False))
    assert [r.type for r in run.registrations] == [
        "aiscale:index:KmsKeyRing",
        "gcp:kms/keyRing:KeyRing",
        "gcp:kms/cryptoKey:CryptoKey",
    ]
    assert not any(r.protect for r in run.registrations)


def test_logging_and_pubsub_agents_and_the_kms_audit_logs() -> None:
    run = record(args(keys={"platform": {"service_agents": ["logging", "pubsub"]}}, diagnostics={}))
    assert children(run, find(run, "aiscale:index:KmsKeyRing", "kms")) == [
        ("gcp:kms/keyRing:KeyRing", "kms-key-ring"),
        ("gcp:kms/cryptoKey:CryptoKey", "kms-platform"),
        ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "kms-platform-logging"),
        ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "kms-platform-pubsub"),
        ("gcp:projects/iAMAuditConfig:IAMAuditConfig", "kms-audit-logs"),
    ]
    # The log bucket (Cloud Logging) and the budget topic (Pub/Sub) encrypt through their service agents.
    for service, agent in (("logging", "gcp-sa-logging"), ("pubsub", "gcp-sa-pubsub")):
        assert find(run, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", f"kms-platform-{service}").inputs == {
            "cryptoKeyId": "[unknown]",
            "member": f"serviceAccount:service-123456789012@{agent}.iam.gserviceaccount.com",
            "role": ROLE,
        }
    assert find(run, "gcp:projects/iAMAuditConfig:IAMAuditConfig", "kms-audit-logs").inputs == {
        "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
        "project": "aiscale-unit",
        "service": "cloudkms.googleapis.com",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"keys": {"k": {"rotation_days": 91}}},
            "aiscale:index:KmsKeyRing: keys.k.rotation_days: rotation every 91 days exceeds the maximum of 90 days",
        ),
        (
            {"keys": {"k": {"rotation_days": 0}}},
            "keys.k.rotation_days: rotation every 0 days is below the 1-day minimum",
        ),
        (
            {"keys": {"k": {"protection_level": "EXTERNAL"}}},
            "keys.k.protection_level: 'EXTERNAL' is not one of SOFTWARE, HSM",
        ),
        (
            {"keys": {"k": {"service_agents": ["bogus"]}}},
            "keys.k.service_agents: 'bogus' is not one of aiplatform, container, compute, storage, logging, pubsub, bigquery",
        ),
        (
            {"keys": {"k": {"members": {"world": "allUsers"}}}},
            "keys.k.members.world: 'allUsers' would make the resource public",
        ),
        ({"project_number": "aiscale"}, "project_number: 'aiscale' is not a project number"),
    ],
)
def test_invalid_arguments_name_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record(args(**changes))
    assert message in str(caught.value)

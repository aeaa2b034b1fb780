"""The hub bucket's protection, read from the hub module's HCL: who may write under backups/ and
audit/ (the functions' role, the operator roles and the bucket admins, by explicit Deny of every
other principal), that the functions never write policy/ (neither their role's policy nor the
bucket policy lets them), who may read backup versions, and the optional Object Lock in
governance mode."""

from __future__ import annotations

import re

import pytest
import tf_hcl
from tf_harness import EXAMPLES_ROOT, MODULES_ROOT

HUB = MODULES_ROOT / "hub"
ORGANIZATION_EXAMPLE = EXAMPLES_ROOT / "organization"
BUCKET = "${aws_s3_bucket.hub.arn}"
FUNCTIONS_ROLE = "${aws_iam_role.functions.arn}"
BACKUPS = f"{BUCKET}/backups/*"
AUDIT = f"{BUCKET}/audit/*"
POLICY = f"{BUCKET}/policy/*"
# The writes a Deny must cover for the backups to stay what was written.
ESSENTIAL_WRITES = frozenset(
    {
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObjectRetention",
        "s3:PutObjectLegalHold",
    }
)
EVERYONE = {"type": "*", "identifiers": ["*"]}
_LOCAL = re.compile(r"\$\{local\.([A-Za-z_][\w-]*)\}")


@pytest.fixture(scope="module")
def hub() -> tf_hcl.Configuration:
    return tf_hcl.load(HUB)


def expanded(config: tf_hcl.Configuration, text: str) -> str:
    """`text` with every `${local.NAME}` of a plain string local replaced by its value."""
    values = config.locals()

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        return expanded(config, found) if isinstance(found, str) else match.group(0)

    return _LOCAL.sub(value, text)


def statement(config: tf_hcl.Configuration, document: str, sid: str) -> tf_hcl.Statement:
    (found,) = [s for s in tf_hcl.statements(config, document) if s.sid == sid]
    return found


def resources(config: tf_hcl.Configuration, found: tf_hcl.Statement) -> list[str]:
    return [expanded(config, r) for r in found.resources]


def conditions(found: tf_hcl.Statement) -> list[tuple[str, str, object]]:
    return [(c["test"], c["variable"], c["values"]) for c in found.conditions]


def block(config: tf_hcl.Configuration, kind: str, *labels: str) -> tf_hcl.Block:
    (found,) = [b for b in config.of(kind) if b.labels == labels]
    return found


def test_backups_and_audit_are_written_only_by_functions_operators_and_admins(
    hub: tf_hcl.Configuration,
) -> None:
    # GIVEN the bucket policy's write restriction
    deny = statement(hub, "bucket_writes", "BackupsAndAuditWrittenOnlyByFunctionsOperatorsAdmins")
    # THEN it denies every write under backups/ and audit/ to every principal
    assert deny.effect == "Deny"
    assert [dict(p) for p in deny.principals] == [EVERYONE]
    assert resources(hub, deny) == [BACKUPS, AUDIT]
    assert set(deny.actions) >= ESSENTIAL_WRITES
    # AND its only exception is the functions' role, the operator roles and the admins
    [(test, key, writers)] = conditions(deny)
    assert (test, key) == ("ArnNotLike", "aws:PrincipalArn")
    assert writers == (
        "${concat([aws_iam_role.functions.arn], var.operator_role_arns, "
        "var.bucket_admin_principal_arns)}"
    )


def test_the_functions_are_denied_every_write_under_policy(hub: tf_hcl.Configuration) -> None:
    deny = statement(hub, "bucket_writes", "FunctionsNeverWritePolicy")
    assert deny.effect == "Deny"
    assert [dict(p) for p in deny.principals] == [EVERYONE]
    assert resources(hub, deny) == [POLICY]
    assert set(deny.actions) >= ESSENTIAL_WRITES
    assert conditions(deny) == [("ArnLike", "aws:PrincipalArn", [FUNCTIONS_ROLE])]


def test_both_denies_cover_the_same_writes(hub: tf_hcl.Configuration) -> None:
    writes = [
        s.actions for s in tf_hcl.statements(hub, "bucket_writes") if "s3:PutObject" in s.actions
    ]
    assert len(writes) == 2
    assert writes[0] == writes[1]
    # Deletes and overwrites of single versions and their protection, never reads.
    assert all(a.startswith(("s3:Put", "s3:Delete", "s3:Replicate")) for a in writes[0])


def test_only_the_admins_may_bypass_the_governance_retention(hub: tf_hcl.Configuration) -> None:
    deny = statement(hub, "bucket_writes", "OnlyAdminsBypassRetention")
    assert (deny.effect, deny.actions) == ("Deny", ("s3:BypassGovernanceRetention",))
    assert resources(hub, deny) == [f"{BUCKET}/*"]
    # The exception exists only with admins (an empty ArnNotLike list is no valid condition).
    document = block(hub, "data", "aws_iam_policy_document", "bucket_writes")
    (body,) = [b for b in document.body["statement"] if b["sid"] == "OnlyAdminsBypassRetention"]
    [dynamic] = [d["condition"] for d in body["dynamic"]]
    assert dynamic["for_each"] == (
        "${length(var.bucket_admin_principal_arns) == 0 ? [] : [var.bucket_admin_principal_arns]}"
    )
    assert conditions(deny) == [("ArnNotLike", "aws:PrincipalArn", "${condition.value}")]


def test_the_function_role_writes_backups_and_audit_only(hub: tf_hcl.Configuration) -> None:
    # GIVEN every statement of the functions' policy that grants an S3 write
    writes = [
        s
        for s in tf_hcl.statements(hub, "functions")
        if any(a.startswith(("s3:Put", "s3:Delete")) for a in s.actions)
    ]
    # THEN there is one, PutObject under backups/ and audit/: nothing under policy/ or elsewhere
    assert [(s.actions, resources(hub, s)) for s in writes] == [
        (("s3:PutObject",), [BACKUPS, AUDIT])
    ]


def test_the_function_role_reads_the_policy_backups_and_audit(hub: tf_hcl.Configuration) -> None:
    read = statement(hub, "functions", "ReadPolicyBackupsAudit")
    assert (read.actions, resources(hub, read)) == (("s3:GetObject",), [POLICY, BACKUPS, AUDIT])
    assert expanded(hub, "${local.policy_key}").startswith("policy/")


def test_the_function_role_reads_backup_versions(hub: tf_hcl.Configuration) -> None:
    # GIVEN the functions' version statements THEN GetObjectVersion is on backups/ only, and
    # ListBucketVersions on the bucket for prefixes under backups/ only
    versions = statement(hub, "functions", "ReadBackupVersions")
    assert (versions.actions, resources(hub, versions)) == (("s3:GetObjectVersion",), [BACKUPS])
    listing = statement(hub, "functions", "ListBackupVersions")
    assert (listing.actions, listing.resources) == (("s3:ListBucketVersions",), (BUCKET,))
    assert [(t, k, [expanded(hub, v) for v in vs]) for t, k, vs in conditions(listing)] == [
        ("StringLike", "s3:prefix", ["backups/*"])
    ]


def test_the_operator_roles_read_versions_and_write_backups_and_audit(
    hub: tf_hcl.Configuration,
) -> None:
    # GIVEN the bucket policy's statements for the operator roles
    granted = {
        s.sid: (s.actions, resources(hub, s), conditions(s))
        for s in tf_hcl.statements(hub, "bucket_operators")
    }
    # THEN they read, read backup versions, list versions under backups/ and write backups and
    # audit records; nothing under policy/ but reading
    prefix = [("StringLike", "s3:prefix", ["${local.backup_prefix}*"])]
    assert granted == {
        "OperatorsReadHubObjects": (("s3:GetObject",), [POLICY, BACKUPS, AUDIT], []),
        "OperatorsReadBackupVersions": (("s3:GetObjectVersion",), [BACKUPS], []),
        "OperatorsWriteBackupsAndAudit": (("s3:PutObject",), [BACKUPS, AUDIT], []),
        "OperatorsHubBucket": (("s3:GetBucketVersioning", "s3:ListBucket"), [BUCKET], []),
        "OperatorsListBackupVersions": (("s3:ListBucketVersions",), [BUCKET], prefix),
    }
    # AND to the operator roles alone, only when there are any
    assert all(
        [dict(p) for p in s.principals]
        == [{"type": "AWS", "identifiers": "${var.operator_role_arns}"}]
        for s in tf_hcl.statements(hub, "bucket_operators")
    )
    operators = block(hub, "data", "aws_iam_policy_document", "bucket_operators")
    assert operators.body["count"] == "${length(var.operator_role_arns) > 0 ? 1 : 0}"


def test_the_bucket_policy_merges_the_switched_on_documents(hub: tf_hcl.Configuration) -> None:
    # GIVEN the attached bucket policy and the document it is made of
    attached = block(hub, "resource", "aws_s3_bucket_policy", "hub").body
    merged = block(hub, "data", "aws_iam_policy_document", "bucket_policy").body
    # THEN it holds the TLS-only and the write restriction statements unless switched off, and
    # the operators' grants when there are operators
    assert attached["policy"] == "${data.aws_iam_policy_document.bucket_policy.json}"
    assert merged["source_policy_documents"] == (
        "${concat(var.bucket_require_tls ? [data.aws_iam_policy_document.bucket.json] : [], "
        "var.bucket_restrict_writes ? [data.aws_iam_policy_document.bucket_writes.json] : [], "
        "data.aws_iam_policy_document.bucket_operators[*].json)}"
    )
    assert attached["count"] == (
        "${var.bucket_require_tls || var.bucket_restrict_writes || "
        "length(var.operator_role_arns) > 0 ? 1 : 0}"
    )
    # AND the TLS-only statement is still there
    tls = statement(hub, "bucket", "TlsOnly")
    assert (tls.effect, conditions(tls)) == ("Deny", [("Bool", "aws:SecureTransport", ["false"])])


def test_write_restrictions_are_on_by_default(hub: tf_hcl.Configuration) -> None:
    defaults = {b.labels[0]: b.body.get("default") for b in hub.of("variable")}
    assert defaults["bucket_restrict_writes"] is True
    assert defaults["bucket_require_tls"] is True
    assert defaults["operator_role_arns"] == []
    assert defaults["bucket_admin_principal_arns"] == []


def test_object_lock_is_off_by_default_and_governance_when_on(hub: tf_hcl.Configuration) -> None:
    # GIVEN the bucket and its lock configuration
    bucket = block(hub, "resource", "aws_s3_bucket", "hub").body
    lock = block(hub, "resource", "aws_s3_bucket_object_lock_configuration", "hub").body
    defaults = {b.labels[0]: b.body.get("default") for b in hub.of("variable")}
    # THEN both follow backup_object_lock_days, 0 (off) by default
    assert defaults["backup_object_lock_days"] == 0
    assert bucket["object_lock_enabled"] == "${var.backup_object_lock_days > 0 ? true : null}"
    assert lock["count"] == "${var.backup_object_lock_days > 0 ? 1 : 0}"
    # AND the default retention is GOVERNANCE for that many days, on the versioned bucket
    assert lock["bucket"] == "${aws_s3_bucket.hub.id}"
    assert lock["object_lock_enabled"] == "Enabled"
    assert lock["rule"] == [
        {"default_retention": [{"mode": "GOVERNANCE", "days": "${var.backup_object_lock_days}"}]}
    ]
    assert lock["depends_on"] == ["${aws_s3_bucket_versioning.hub}"]
    # AND switching it on later never replaces the bucket (the lock configuration enables it)
    assert bucket["lifecycle"] == [{"ignore_changes": ["object_lock_enabled"]}]


@pytest.mark.parametrize(
    "variable", ["operator_role_arns", "bucket_admin_principal_arns", "backup_object_lock_days"]
)
def test_the_example_passes_the_bucket_settings_to_the_hub(variable: str) -> None:
    hub_call = block(tf_hcl.load(ORGANIZATION_EXAMPLE), "module", "hub").body
    assert hub_call.get(variable) == f"${{var.{variable}}}"

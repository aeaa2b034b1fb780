"""The S3 and SSM adapters against an endpoint that answers HTTP 200 with a web page instead of
AWS (a proxy, a captive portal): the policy object, the backups and their receipts, the audit
records and the configuration parameters refuse such an answer as not an AWS response, as the
EC2 and Organizations reads do, instead of taking it for an empty result, a stored backup or a
document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sgcompliance.adapters.aws.parameters import SsmParameterSource
from sgcompliance.adapters.aws.policy_object import S3PolicyObject
from sgcompliance.adapters.aws.s3_audit import S3AuditSink
from sgcompliance.adapters.aws.s3_backups import S3BackupStore
from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule
from sgcompliance.errors import AwsUnavailableError, BackupError
from sgcompliance.records.audit import AuditAction, AuditRecord, Trigger, audit_record
from sgcompliance.remediation.backup import BackupRecord, backup_id_for
from sgcompliance.remediation.plan import Action, Mode, RemediationPlan
from support.foreign_endpoint import HTML_200, ForeignEndpoint, Pick, foreign_endpoint

pytestmark = pytest.mark.integration

REGION = "us-east-1"
BUCKET = "sgc-foreign"
KEY = "policy.json"
PREFIX = "/sgcompliance"
NOT_AWS = "the endpoint's answer is not an AWS response (HTTP 200, an HTML page, no request id)"


@pytest.fixture
def aws(factory: ClientFactory) -> None:
    """A versioned bucket holding a policy document, and one configuration parameter."""
    s3 = factory.client("s3", REGION)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b'{"id": "p"}')
    factory.client("ssm", REGION).put_parameter(
        Name=f"{PREFIX}/mode", Value="flag_only", Type="String"
    )


@pytest.fixture
def proxy(endpoint: str, aws: None) -> Iterator[ForeignEndpoint]:
    """In front of the local AWS; answers nothing itself until the test says so."""
    del aws
    with foreign_endpoint(endpoint, {}) as found:
        yield found


def clients(proxy: ForeignEndpoint) -> ClientFactory:
    settings = AwsSettings.from_options(endpoint_url=proxy.endpoint, max_attempts=1)
    return ClientFactory(settings)


def web_page_from_now_on(proxy: ForeignEndpoint, service: str) -> None:
    proxy.answers[Pick(service, REGION)] = HTML_200


def a_record() -> AuditRecord:
    trigger = Trigger("ev-1", "AuthorizeSecurityGroupIngress", "111111111111", REGION,
                      datetime(2026, 11, 27, tzinfo=UTC))  # fmt: skip
    return audit_record(
        trigger, decided_at=datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC),
        action=AuditAction.FLAG, group_id="sg-0abc", mode="flag_only",
    )  # fmt: skip


def backup_record(second: int) -> BackupRecord:
    world_ssh = Rule(
        "sgr-1", "sg-0abc", Direction.INGRESS, "tcp", 22, 22, Peer(PeerKind.IPV4, "0.0.0.0/0")
    )
    plan = RemediationPlan(
        "plan-0123456789abcdef", Mode.REMOVE, Action.REVOKE, "111111111111", REGION,
        "sg-0abc", "web", (world_ssh,), (), revoke_ingress=("sgr-1",),
    )  # fmt: skip
    created = datetime(2026, 11, 27, 12, 0, second, tzinfo=UTC)
    return BackupRecord(backup_id_for(plan, created), created.isoformat(), plan, "p", "d")


def test_the_policy_object_is_not_read_from_a_web_page(proxy: ForeignEndpoint) -> None:
    source = S3PolicyObject(clients(proxy).client("s3", REGION), BUCKET, KEY)
    assert source.fetch(None)[0] == '{"id": "p"}'  # through the proxy, S3 answers
    web_page_from_now_on(proxy, "s3")
    with pytest.raises(AwsUnavailableError) as caught:
        source.fetch(None)
    assert str(caught.value) == f"GetObject in s3://{BUCKET}/{KEY}: {NOT_AWS}"
    assert proxy.calls == 1


def test_the_configuration_parameters_are_not_read_from_a_web_page(
    proxy: ForeignEndpoint,
) -> None:
    source = SsmParameterSource(clients(proxy).client("ssm", REGION))
    assert source.get_by_path(PREFIX) == {f"{PREFIX}/mode": "flag_only"}
    web_page_from_now_on(proxy, "ssm")
    with pytest.raises(AwsUnavailableError) as caught:
        source.get_by_path(PREFIX)
    assert str(caught.value) == f"GetParametersByPath in {PREFIX}: {NOT_AWS}"


def test_the_backup_bucket_is_not_checked_against_a_web_page(proxy: ForeignEndpoint) -> None:
    store = S3BackupStore(clients(proxy).client("s3", REGION), BUCKET)
    web_page_from_now_on(proxy, "s3")
    with pytest.raises(BackupError) as caught:
        store.check()
    assert str(caught.value) == (
        f"backup bucket {BUCKET}: GetBucketVersioning in {BUCKET}: {NOT_AWS}"
    )


def test_backups_and_receipts_are_neither_stored_nor_listed_nor_read_from_a_web_page(
    proxy: ForeignEndpoint,
) -> None:
    store = S3BackupStore(clients(proxy).client("s3", REGION), BUCKET)
    stored = backup_record(0)
    store.put(stored)  # through the proxy, S3 answers: the bucket is versioned, the backup kept
    assert store.list() == [stored.backup_id]
    web_page_from_now_on(proxy, "s3")
    # a backup the page "accepted" is not taken as stored
    with pytest.raises(BackupError) as refused:
        store.put(backup_record(1))
    assert str(refused.value).startswith(f"cannot store backup {backup_record(1).backup_id}: ")
    assert str(refused.value).endswith(NOT_AWS)
    # a page is not an empty list of backups or of a receipt's versions
    with pytest.raises(AwsUnavailableError, match=f"^ListObjectsV2 in .*: {re.escape(NOT_AWS)}$"):
        store.list()
    with pytest.raises(
        AwsUnavailableError, match=f"^ListObjectVersions in .*: {re.escape(NOT_AWS)}$"
    ):
        store.receipt(stored.backup_id)
    # nor is it the backup
    with pytest.raises(BackupError) as unread:
        store.load(stored.backup_id)
    assert str(unread.value).startswith(f"cannot read s3://{BUCKET}/backups/sg-0abc/")
    assert str(unread.value).endswith(NOT_AWS)


def test_an_audit_record_is_not_stored_in_a_web_page(proxy: ForeignEndpoint) -> None:
    sink = S3AuditSink(clients(proxy).client("s3", REGION), BUCKET)
    web_page_from_now_on(proxy, "s3")
    with pytest.raises(AwsUnavailableError) as caught:
        sink.write(a_record())
    assert str(caught.value).startswith(f"PutObject in s3://{BUCKET}/audit/2026/11/27/")
    assert str(caught.value).endswith(NOT_AWS)


def test_the_audit_bucket_check_does_not_pass_on_a_web_page(proxy: ForeignEndpoint) -> None:
    sink = S3AuditSink(clients(proxy).client("s3", REGION), BUCKET)
    sink.check()  # S3 answers through the proxy
    web_page_from_now_on(proxy, "s3")
    # The page answers HEAD with a body, as no HTTP server should: the client drops that
    # connection, which the proxy's server would print as a traceback of its own.
    proxy.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    with pytest.raises(AwsUnavailableError) as caught:
        sink.check()
    assert str(caught.value).startswith(
        f"HeadBucket in s3://{BUCKET}: the endpoint's answer is not "
    )

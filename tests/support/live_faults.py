"""Faults injected around the real adapters: a process that dies mid-run, and AccessDenied.

`CrashingGateway` and `CrashingBackupStore` wrap the real `Ec2GroupGateway` / backup store and
"die" right after the Nth call of one method has taken effect, so the state left in the moto
server is exactly what a killed process would leave. `AccessDenial` answers chosen calls with
AWS's own 403 error document at the HTTP boundary (botocore's `before-send` event), so the real
response parser, error translation and retry policy all run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from sgcompliance.adapters.aws import session as session_module
from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.engine.model import Direction, Rule, SecurityGroup
from sgcompliance.remediation.backup import BackupRecord, LoadedBackup, StoredBackup
from sgcompliance.remediation.drift import RevokeResult
from sgcompliance.remediation.ports import BackupStore, GroupGateway
from sgcompliance.remediation.receipt import BackupReceipt


class Crash(BaseException):
    """Not an `Exception`: nothing in the product catches it, not even the per-record and
    top-level catch-alls, as nothing survives a kill."""


@dataclass(slots=True)
class Tripwire:
    """Trips right after the `after`-th call of `method` (counted over every wrapper)."""

    method: str
    after: int
    calls: int = 0

    def passed(self, method: str) -> None:
        if method != self.method:
            return
        self.calls += 1
        if self.calls == self.after:
            raise Crash(f"the process died right after {method} #{self.after}")


class CrashingGateway:
    def __init__(self, inner: GroupGateway, tripwire: Tripwire) -> None:
        self.inner = inner
        self.tripwire = tripwire

    def describe_group(self, group_id: str) -> SecurityGroup:
        group = self.inner.describe_group(group_id)
        self.tripwire.passed("describe_group")
        return group

    def rules(self, group_id: str) -> tuple[Rule, ...]:
        found = self.inner.rules(group_id)
        self.tripwire.passed("rules")
        return found

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        result = self.inner.revoke(group_id, direction, rules)
        self.tripwire.passed("revoke")
        return result

    def revoke_ids(self, group_id: str, direction: Direction, rule_ids: Sequence[str]) -> None:
        self.inner.revoke_ids(group_id, direction, rule_ids)
        self.tripwire.passed("revoke")

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        self.inner.authorize(group_id, direction, rules)
        self.tripwire.passed("authorize")

    def set_tags(self, group_id: str, tags: Mapping[str, str]) -> None:
        self.inner.set_tags(group_id, tags)
        self.tripwire.passed("set_tags")

    def remove_tags(self, group_id: str, keys: Sequence[str]) -> None:
        self.inner.remove_tags(group_id, keys)
        self.tripwire.passed("remove_tags")


class CrashingBackupStore:
    def __init__(self, inner: BackupStore, tripwire: Tripwire) -> None:
        self.inner = inner
        self.tripwire = tripwire

    def put(self, record: BackupRecord) -> StoredBackup:
        stored = self.inner.put(record)
        self.tripwire.passed("put")
        return stored

    def get(self, backup_id: str) -> BackupRecord:
        return self.inner.get(backup_id)

    def load(self, backup_id: str, version_id: str | None = None) -> LoadedBackup:
        return self.inner.load(backup_id, version_id)

    def list(self, group_id: str | None = None) -> list[str]:
        return self.inner.list(group_id)

    def put_receipt(self, receipt: BackupReceipt) -> None:
        self.inner.put_receipt(receipt)
        self.tripwire.passed("put_receipt")

    def receipt(self, backup_id: str) -> BackupReceipt | None:
        return self.inner.receipt(backup_id)

    def receipts(self, group_id: str) -> Sequence[BackupReceipt]:
        return self.inner.receipts(group_id)


# The error documents AWS sends, per protocol (EC2 query, STS query, S3 REST-XML).
_EC2_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
    "<Message>{message}</Message></Error></Errors><RequestID>{request}</RequestID></Response>"
)
_STS_ERROR = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
    "<Code>{code}</Code><Message>{message}</Message></Error>"
    "<RequestId>{request}</RequestId></ErrorResponse>"
)
_S3_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
    "<Message>{message}</Message><RequestId>{request}</RequestId></Error>"
)


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def _forbidden(url: str, template: str, code: str, message: str) -> AWSResponse:
    body = template.format(code=code, message=message, request=uuid.uuid4()).encode()
    return AWSResponse(url, 403, HTTPHeaders.from_dict({"Content-Type": "text/xml"}), _Body(body))


@dataclass(slots=True)
class AccessDenial:
    """Which calls AWS refuses: AssumeRole into some accounts, EC2 operations in others, S3
    operations anywhere. Install it on a session's event system (see `observe_sessions`)."""

    unassumable: set[str] = field(default_factory=set)
    # account -> EC2 operations refused there (an empty set refuses every EC2 operation)
    ec2: dict[str, frozenset[str]] = field(default_factory=dict)
    s3: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)
    _key_owner: dict[str, str] = field(default_factory=dict)

    def install(self, events: Any) -> None:
        events.register("before-send.sts.AssumeRole", self._assume)
        events.register("after-call.sts.AssumeRole", self._learn_key)
        events.register("before-send.ec2", self._ec2_call)
        events.register("before-send.s3", self._s3_call)

    def _assume(self, request: Any, **_: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        arn = parse_qs(body).get("RoleArn", [""])[0]
        account = arn.split(":")[4] if arn.count(":") >= 5 else ""
        if account not in self.unassumable:
            return None
        self.refused.append(f"{account} sts:AssumeRole")
        message = f"User is not authorized to perform: sts:AssumeRole on resource: {arn}"
        return _forbidden(request.url, _STS_ERROR, "AccessDenied", message)

    def _learn_key(self, parsed: Mapping[str, Any], **_: Any) -> None:
        # The only link from a later request back to its account is the access key it is
        # signed with, which the AssumeRole answer for that account handed out.
        if "Credentials" in parsed:
            account = str(parsed["AssumedRoleUser"]["Arn"]).split(":")[4]
            self._key_owner[str(parsed["Credentials"]["AccessKeyId"])] = account

    def _ec2_call(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        account = self._key_owner.get(_access_key(request), "")
        if account not in self.ec2 or (self.ec2[account] and operation not in self.ec2[account]):
            return None
        self.refused.append(f"{account} ec2:{operation}")
        message = "You are not authorized to perform this operation."
        return _forbidden(request.url, _EC2_ERROR, "UnauthorizedOperation", message)

    def _s3_call(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation not in self.s3:
            return None
        self.refused.append(f"s3:{operation}")
        return _forbidden(request.url, _S3_ERROR, "AccessDenied", "Access Denied")


def _access_key(request: Any) -> str:
    auth = request.headers.get("Authorization", b"")
    text = auth.decode() if isinstance(auth, bytes) else str(auth)
    _, _, credential = text.partition("Credential=")
    return credential.split("/", 1)[0]


@dataclass(slots=True)
class SessionObserver:
    """Sees every AWS session the product builds while installed: counts all their calls and
    applies `denial` to them. The product builds its own sessions deep inside a command, so
    this is how a test reaches the HTTP boundary of `sgc` run in-process."""

    denial: AccessDenial = field(default_factory=AccessDenial)
    counter: ApiCallCounter = field(default_factory=ApiCallCounter)
    sessions: int = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> SessionObserver:
        build = session_module._new_session

        def observed(settings: Any, environ: Mapping[str, str]) -> Any:
            session = build(settings, environ)
            events = session.get_component("event_emitter")
            self.counter.attach(events)
            self.denial.install(events)
            self.sessions += 1
            return session

        monkeypatch.setattr(session_module, "_new_session", observed)
        return self

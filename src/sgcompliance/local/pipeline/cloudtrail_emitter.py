"""The local stand-in for CloudTrail: security-group API calls, recorded and put on an event bus.

moto has no CloudTrail. `CloudTrailEmitter.watch(ec2_client, caller)` hooks the SDK's event
system of one EC2 client (before-parameter-build, before-call and after-call): every
security-group call made through it, whether by the demo, a test or the product's own code, is
turned into the CloudTrail record AWS would write (local/cloudtrail_record.py), failed calls
included (with `errorCode`, as CloudTrail records them), and delivered.

`DefaultBus` delivers a record as AWS does: on the default event bus of the account and region
of the call, with source `aws.ec2` and detail-type "AWS API Call via CloudTrail". AWS reserves
`aws.*` sources for its own services and refuses them in PutEvents; moto 5.2 accepts them, and
this is the one place that relies on it: it stands for the delivery CloudTrail makes itself.
From the default bus on, routing is EventBridge's own (moto's): the member's forwarding rule,
the hub bus, the hub's rule and its SQS target.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.clock import Clock, utc_now
from sgcompliance.errors import AwsApiError
from sgcompliance.events.cloudtrail import DETAIL_TYPE, REVOKE_PREFIX, SG_CHANGE_EVENTS, SOURCE
from sgcompliance.events.tag_changes import TAG_EVENTS
from sgcompliance.local.pipeline.cloudtrail_record import ApiCall, Caller, cloudtrail_record

_PARAMS = "sgcompliance.cloudtrail.params"
_STARTED = "sgcompliance.cloudtrail.started"
_USER_AGENT = "sgcompliance.cloudtrail.user_agent"


def recorded(operation: str, params: Mapping[str, Any]) -> bool:
    """The calls CloudTrail records that matter here: every security-group rule change, and
    every tag call on a security group or rule (EventBridge's rules then pick what they route)."""
    if operation in TAG_EVENTS:
        return any(str(r).startswith(("sg-", "sgr-")) for r in params.get("Resources", []))
    return operation in SG_CHANGE_EVENTS or (
        operation.startswith(REVOKE_PREFIX) and operation.endswith(("Ingress", "Egress"))
    )


@dataclass(frozen=True, slots=True)
class EmittedEvent:
    """One recorded call: when it started, when it was answered and recorded, and when the
    record was handed to the bus (None when it was only kept). This machine's clock, to the
    microsecond; the record's own `eventTime` has CloudTrail's whole seconds."""

    record: Mapping[str, Any] = field(repr=False)
    changed_at: datetime
    recorded_at: datetime
    put_at: datetime | None = None

    @property
    def event_id(self) -> str:
        return str(self.record["eventID"])

    @property
    def event_name(self) -> str:
        return str(self.record["eventName"])

    @property
    def account_id(self) -> str:
        return str(self.record["recipientAccountId"])

    @property
    def region(self) -> str:
        return str(self.record["awsRegion"])


class Delivery(Protocol):
    def deliver(self, record: Mapping[str, Any]) -> None:
        """Hand the record on (e.g. put it on an event bus); raise SgcError on failure."""
        ...


class DefaultBus:
    """PutEvents on the default bus of the record's account and region."""

    def __init__(self, events_client: Callable[[str, str], Any]) -> None:
        # (account id, region) -> an EventBridge client in that account and region
        self._events_client = events_client

    def deliver(self, record: Mapping[str, Any]) -> None:
        account_id, region = str(record["recipientAccountId"]), str(record["awsRegion"])
        entry = {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": _json(record),
            "Time": datetime.strptime(str(record["eventTime"]), "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            ),
            "Resources": [],
        }
        with translating("PutEvents", scope=f"{account_id}/{region}"):
            answer = self._events_client(account_id, region).put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            failed = answer.get("Entries", [{}])[0]
            raise AwsApiError(
                f"PutEvents in {account_id}/{region} refused the event: "
                f"{failed.get('ErrorCode')} {failed.get('ErrorMessage')}",
                operation="PutEvents",
            )


def _json(record: Mapping[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"), default=str)


class CloudTrailEmitter:
    """Watches EC2 clients; keeps every record it made in `emitted` (thread-safe)."""

    def __init__(self, delivery: Delivery | None = None, *, clock: Clock = utc_now) -> None:
        self._delivery = delivery
        self._clock = clock
        self._lock = threading.Lock()
        self._emitted: list[EmittedEvent] = []
        self._unique = f"sgcompliance-cloudtrail-{id(self)}"

    @property
    def emitted(self) -> list[EmittedEvent]:
        with self._lock:
            return list(self._emitted)

    def watch(self, client: Any, caller: Caller) -> Any:
        """Record the security-group calls made through `client` (an EC2 client); returns it."""
        events = client.meta.events
        events.register("before-parameter-build.ec2", self._remember_params, f"{self._unique}-p")
        events.register("before-call.ec2", self._remember_agent, f"{self._unique}-a")

        def after_call(**kwargs: Any) -> None:
            self._after_call(caller, **kwargs)

        events.register("after-call.ec2", after_call, f"{self._unique}-{id(client)}")
        return client

    def _remember_params(
        self, params: Mapping[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        context[_PARAMS] = copy.deepcopy(dict(params))
        context[_STARTED] = self._clock()

    def _remember_agent(self, params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        headers = params.get("headers") or {}
        agent = headers.get("User-Agent", "")
        context[_USER_AGENT] = agent.decode() if isinstance(agent, bytes) else str(agent)

    def _after_call(
        self, caller: Caller, *, parsed: Mapping[str, Any], model: Any, context: dict[str, Any],
        **_: Any,
    ) -> None:  # fmt: skip
        operation = str(model.name)
        if _PARAMS not in context or not recorded(operation, context[_PARAMS]):
            return
        call = ApiCall(
            operation, str(context.get("client_region", "")), context[_PARAMS], parsed,
            context[_STARTED], context.get(_USER_AGENT, ""),
        )  # fmt: skip
        record = cloudtrail_record(call, caller, str(uuid.uuid4()))
        recorded_at = self._clock()
        put_at = None
        if self._delivery is not None:
            put_at = self._clock()
            self._delivery.deliver(record)
        with self._lock:
            self._emitted.append(EmittedEvent(record, call.started, recorded_at, put_at))


def identify(sts: Any, access_key_id: str, session_created: datetime | None = None) -> Caller:
    """The `Caller` behind an STS client's credentials (one GetCallerIdentity)."""
    with translating("GetCallerIdentity"):
        found = sts.get_caller_identity()
    return Caller(
        arn=found["Arn"], user_id=found["UserId"], account_id=found["Account"],
        access_key_id=access_key_id, session_created=session_created,
    )  # fmt: skip

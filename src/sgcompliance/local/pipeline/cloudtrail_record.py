"""CloudTrail records of EC2 security-group API calls, built as CloudTrail writes them (pure).

The field layout follows CloudTrail's record for each operation (tests/fixtures/events holds
real-layout examples): request parameters in camelCase with lists as `{"items": [...]}`, except
ModifySecurityGroupRules, which CloudTrail records in the API's own PascalCase under
`ModifySecurityGroupRulesRequest`. `eventbridge_event` wraps a record in the envelope that
EventBridge delivers to a rule's target.

A local record differs from AWS's in what the local AWS cannot know: `sourceIPAddress` is the
loopback address and there is no `tlsDetails` (the local AWS speaks plain HTTP).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sgcompliance.events.cloudtrail import DETAIL_TYPE, SOURCE
from sgcompliance.events.tag_changes import TAG_EVENTS

EVENT_VERSION = "1.10"
EVENT_SOURCE = "ec2.amazonaws.com"
LOCAL_SOURCE_IP = "127.0.0.1"
MODIFY_RULES = "ModifySecurityGroupRules"
CREATE_GROUP = "CreateSecurityGroup"
# API parameter -> CloudTrail field, where the field is not the parameter in camelCase.
_RENAMED = {
    "UserIdGroupPairs": "groups",
    "SecurityGroupRules": "securityGroupRuleSet",
}
_DROPPED = frozenset({"DryRun", "TagSpecifications", "Tags", "ResponseMetadata", "Return"})


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a call, as STS GetCallerIdentity reports it, plus the access key used."""

    arn: str
    user_id: str
    account_id: str
    access_key_id: str
    session_created: datetime | None = None

    def user_identity(self) -> dict[str, Any]:
        """CloudTrail's `userIdentity` for an assumed-role session, an IAM user or root."""
        base = {"principalId": self.user_id, "arn": self.arn, "accountId": self.account_id}
        base["accessKeyId"] = self.access_key_id
        resource = self.arn.split(":", 5)[-1]
        if resource.startswith("assumed-role/"):
            return {"type": "AssumedRole", **base, "sessionContext": self._session_context()}
        if resource == "root":
            return {"type": "Root", **base}
        return {"type": "IAMUser", **base, "userName": resource.rsplit("/", 1)[-1]}

    def _session_context(self) -> dict[str, Any]:
        partition = self.arn.split(":")[1]
        role_name = self.arn.split(":", 5)[-1].split("/")[1]
        created = self.session_created or datetime.now(UTC)
        issuer = {
            "type": "Role",
            "principalId": self.user_id.split(":", 1)[0],
            "arn": f"arn:{partition}:iam::{self.account_id}:role/{role_name}",
            "accountId": self.account_id,
            "userName": role_name,
        }
        attributes = {"creationDate": cloudtrail_time(created), "mfaAuthenticated": "false"}
        return {"sessionIssuer": issuer, "webIdFederationData": {}, "attributes": attributes}


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One EC2 API call as the SDK saw it: what was asked, and what came back."""

    operation: str
    region: str
    params: Mapping[str, Any]
    response: Mapping[str, Any]
    started: datetime
    user_agent: str = ""

    @property
    def error(self) -> Mapping[str, Any] | None:
        error = self.response.get("Error")
        return error if isinstance(error, Mapping) and error.get("Code") else None

    @property
    def request_id(self) -> str:
        metadata = self.response.get("ResponseMetadata") or {}
        return str(metadata.get("RequestId") or uuid.uuid4())


def cloudtrail_time(when: datetime) -> str:
    """CloudTrail's eventTime: UTC, whole seconds, `Z`."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cloudtrail_record(call: ApiCall, caller: Caller, event_id: str | None = None) -> dict[str, Any]:
    """The CloudTrail record (an EventBridge event's `detail`) of one call."""
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": caller.user_identity(),
        "eventTime": cloudtrail_time(call.started),
        "eventSource": EVENT_SOURCE,
        "eventName": call.operation,
        "awsRegion": call.region,
        "sourceIPAddress": LOCAL_SOURCE_IP,
        "userAgent": call.user_agent,
        "requestParameters": request_parameters(call.operation, call.params),
        "responseElements": None,
    }
    error = call.error
    if error is None:
        record["responseElements"] = response_elements(call)
    else:
        record["errorCode"] = f"Client.{error['Code']}"
        record["errorMessage"] = str(error.get("Message", ""))
    return {
        **record,
        "requestID": call.request_id,
        "eventID": event_id or str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": caller.account_id,
        "eventCategory": "Management",
    }


def eventbridge_event(record: Mapping[str, Any], delivery_id: str | None = None) -> dict[str, Any]:
    """The envelope EventBridge delivers to a rule target for a CloudTrail record."""
    return {
        "version": "0",
        "id": delivery_id or str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": record["recipientAccountId"],
        "time": record["eventTime"],
        "region": record["awsRegion"],
        "resources": [],
        "detail": dict(record),
    }


def request_parameters(operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
    if operation == MODIFY_RULES:
        return {"ModifySecurityGroupRulesRequest": _modify_request(params)}
    if operation == CREATE_GROUP:
        fields = {"groupName": "GroupName", "groupDescription": "Description", "vpcId": "VpcId"}
        return {name: params[key] for name, key in fields.items() if key in params}
    if operation in TAG_EVENTS:
        return _tags_request(params)
    camel: dict[str, Any] = _camel(params)
    return camel


def response_elements(call: ApiCall) -> dict[str, Any]:
    if call.operation == MODIFY_RULES:
        response = {"xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "return": True}
        return {"ModifySecurityGroupRulesResponse": {"requestId": call.request_id, **response}}
    elements: dict[str, Any] = {"requestId": call.request_id, "_return": True}
    if call.operation in TAG_EVENTS:
        return elements
    return {**elements, **_camel(call.response)}


def _tags_request(params: Mapping[str, Any]) -> dict[str, Any]:
    """CreateTags/DeleteTags as CloudTrail records them: `resourcesSet` and `tagSet` (a tag
    without a value, as DeleteTags may send, has only its key); no `tagSet` without tags."""
    request: dict[str, Any] = {
        "resourcesSet": {"items": [{"resourceId": r} for r in params.get("Resources", [])]}
    }
    tags = [
        {"key": tag["Key"], **({"value": tag["Value"]} if "Value" in tag else {})}
        for tag in params.get("Tags", [])
    ]
    if tags:
        request["tagSet"] = {"items": tags}
    return request


def _modify_request(params: Mapping[str, Any]) -> dict[str, Any]:
    rules = [
        {**{k: v for k, v in rule.items() if k not in _DROPPED}, "tag": index}
        for index, rule in enumerate(params.get("SecurityGroupRules", []), start=1)
    ]
    return {
        "GroupId": params.get("GroupId"),
        "SecurityGroupRule": rules[0] if len(rules) == 1 else rules,
    }


def _camel(value: Any) -> Any:
    """API shapes as CloudTrail records them: camelCase names, lists as `{"items": [...]}`."""
    if isinstance(value, Mapping):
        return {_field(k): _camel_list(k, v) for k, v in value.items() if k not in _DROPPED}
    return value


def _camel_list(key: str, value: Any) -> Any:
    if not isinstance(value, list):
        return _camel(value)
    if not value:
        return {}
    if all(isinstance(v, str) for v in value):
        singular = _field(key).removesuffix("s")  # SecurityGroupRuleIds -> securityGroupRuleId
        return {"items": [{singular: v} for v in value]}
    return {"items": [_camel(v) for v in value]}


def _field(key: str) -> str:
    return _RENAMED.get(key) or key[:1].lower() + key[1:]

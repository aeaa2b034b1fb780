"""Security-group API calls recorded by CloudTrail and delivered by EventBridge.

`parse_sg_change` turns one "AWS API Call via CloudTrail" envelope into an `SgChangeEvent`;
`ignore_reason` says why an event must not be acted on (loop prevention and failed calls).

Where each event names its group (CloudTrail field layouts):
- Authorize*/Revoke*/UpdateSecurityGroupRuleDescriptions*: `requestParameters.groupId`, or only
  `requestParameters.groupName` for a default-VPC call by name; Authorize* responses also list
  the new rules, each with its `groupId`, under `responseElements.securityGroupRuleSet.items`.
- ModifySecurityGroupRules: `requestParameters.ModifySecurityGroupRulesRequest.GroupId`.
- CreateSecurityGroup: `responseElements.groupId` (the request only has the name).
- CreateTags/DeleteTags: `requestParameters.resourcesSet.items[].resourceId`, groups and rules
  alike (events/tag_changes.py); the tags are kept as `tag_edits`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sgcompliance.events.tag_changes import TAG_EVENTS, TagEdit, tag_edits
from sgcompliance.events.untrusted import (
    ACCOUNT_ID,
    GROUP_ID,
    MAX_ITEMS,
    REGION,
    RULE_ID,
    RejectCode,
    Rejected,
    at,
    aware_time,
    dicts_in,
    matching,
    quoted,
    text_at,
)
from sgcompliance.records.audit import IgnoreReason

DETAIL_TYPE = "AWS API Call via CloudTrail"
SOURCE = "aws.ec2"
SG_CHANGE_EVENTS = frozenset(
    {
        "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress",
        "ModifySecurityGroupRules",
        "CreateSecurityGroup",
        "UpdateSecurityGroupRuleDescriptionsIngress",
        "UpdateSecurityGroupRuleDescriptionsEgress",
    }
)
# Every call the handler is delivered: rule changes, and tag changes on groups and rules.
HANDLED_EVENTS = SG_CHANGE_EVENTS | TAG_EVENTS
REVOKE_PREFIX = "Revoke"
OWN_SESSION_PREFIX = "sgcompliance-"
_MODIFY = "ModifySecurityGroupRulesRequest"
_USER_AGENT_LIMIT = 512


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made the call (CloudTrail `userIdentity`)."""

    type: str = ""
    arn: str = ""
    principal_id: str = ""
    account_id: str = ""
    # Assumed roles only: the session name, and the IAM role the session was issued for.
    session_name: str | None = None
    issuer_arn: str | None = None
    invoked_by: str | None = None


@dataclass(frozen=True, slots=True)
class SgChangeEvent:
    event_id: str
    event_name: str
    event_time: datetime
    account_id: str
    region: str
    actor: Actor
    group_ids: tuple[str, ...]
    # Only when the call named its group by name alone (default VPC) and no id was recorded.
    group_names: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()
    # CreateTags/DeleteTags only: the tags set or removed on groups and rules.
    tag_edits: tuple[TagEdit, ...] = ()
    source_ip: str | None = None
    user_agent: str | None = None
    error_code: str | None = None
    # The EventBridge envelope id (one per delivery); `event_id` is CloudTrail's own id.
    delivery_id: str | None = None
    # The whole CloudTrail record, for the audit store only: it may hold request data that
    # does not belong in logs, so it is left out of repr() and comparisons.
    detail: Mapping[object, object] = field(default_factory=dict, repr=False, compare=False)


def parse_sg_change(envelope: dict[object, object]) -> SgChangeEvent | Rejected:
    """An EventBridge CloudTrail envelope from aws.ec2 as an event, or why it is refused."""
    detail = envelope.get("detail")
    if not isinstance(detail, dict):
        return Rejected(RejectCode.MALFORMED_EVENT, "detail is missing or not an object")
    name = text_at(detail, "eventName", limit=128)
    if name is None:
        return Rejected(RejectCode.MALFORMED_EVENT, "detail.eventName is missing")
    if name not in HANDLED_EVENTS and not name.startswith(REVOKE_PREFIX):
        return Rejected(
            RejectCode.UNSUPPORTED_EVENT_NAME, f"event name {quoted(name)} is not handled"
        )
    event_id = text_at(detail, "eventID", limit=128)
    if event_id is None:
        return Rejected(RejectCode.MALFORMED_EVENT, "detail.eventID is missing")
    when = aware_time(detail.get("eventTime"))
    if when is None:
        return Rejected(
            RejectCode.MALFORMED_EVENT, "detail.eventTime is not an ISO 8601 time with a zone"
        )
    account = _account(envelope, detail)
    if isinstance(account, Rejected):
        return account
    region = _region(envelope, detail)
    if isinstance(region, Rejected):
        return region
    edits = tag_edits(detail) if name in TAG_EVENTS else ()
    return SgChangeEvent(
        event_id=event_id,
        event_name=name,
        event_time=when,
        account_id=account,
        region=region,
        actor=actor_of(detail.get("userIdentity")),
        group_ids=_unique(_group_ids(detail, edits)),
        group_names=() if edits else _group_names(detail),
        rule_ids=_unique(_rule_ids(detail, edits)),
        tag_edits=edits,
        source_ip=text_at(detail, "sourceIPAddress", limit=256),
        user_agent=_user_agent(detail),
        error_code=text_at(detail, "errorCode", limit=256),
        delivery_id=text_at(envelope, "id", limit=128),
        detail=detail,
    )


def _account(envelope: dict[object, object], detail: dict[object, object]) -> str | Rejected:
    """The account the call was made in (`detail.recipientAccountId`), which must agree with the
    envelope's `account`: the sender EventBridge authenticated. A member that puts a crafted
    event on the hub bus can write any detail, but not another account's envelope.

    EventBridge may drop the envelope's `account` (moto does); a field that is present but
    malformed is refused rather than passed over."""
    sender = envelope.get("account")
    if sender is not None and matching(ACCOUNT_ID, sender) is None:
        return Rejected(RejectCode.MALFORMED_EVENT, "account is not a 12-digit account id")
    recipient = detail.get("recipientAccountId")
    if recipient is None:
        return matching(ACCOUNT_ID, sender) or Rejected(
            RejectCode.MISSING_ACCOUNT, "neither detail.recipientAccountId nor account is present"
        )
    account = matching(ACCOUNT_ID, recipient)
    if account is None:
        return Rejected(
            RejectCode.MALFORMED_EVENT, "detail.recipientAccountId is not a 12-digit account id"
        )
    if sender is not None and sender != account:
        return Rejected(
            RejectCode.ACCOUNT_MISMATCH,
            f"detail.recipientAccountId {account} is not the account that sent the event "
            f"({sender})",
        )
    return account


def _region(envelope: dict[object, object], detail: dict[object, object]) -> str | Rejected:
    found = detail.get("awsRegion")
    if found is None:
        found = envelope.get("region")
    return matching(REGION, found) or Rejected(
        RejectCode.MALFORMED_EVENT, "detail.awsRegion is not an AWS region name"
    )


def actor_of(identity: object) -> Actor:
    """The caller from a CloudTrail `userIdentity` (an empty actor when it is absent)."""
    if not isinstance(identity, dict):
        return Actor()
    kind = text_at(identity, "type", limit=64) or ""
    arn = text_at(identity, "arn") or ""
    session_name = issuer = None
    if kind == "AssumedRole":
        session_name, issuer = _session(arn, identity)
    return Actor(
        type=kind,
        arn=arn,
        principal_id=text_at(identity, "principalId") or "",
        account_id=matching(ACCOUNT_ID, identity.get("accountId")) or "",
        session_name=session_name,
        issuer_arn=issuer,
        invoked_by=text_at(identity, "invokedBy", limit=256),
    )


def _session(arn: str, identity: dict[object, object]) -> tuple[str | None, str | None]:
    # arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION
    parts = arn.split(":", 5)
    resource = parts[5].split("/") if len(parts) == 6 else []
    if len(resource) != 3 or resource[0] != "assumed-role":
        return None, text_at(identity, "sessionContext", "sessionIssuer", "arn")
    issuer = text_at(identity, "sessionContext", "sessionIssuer", "arn")
    if issuer is None:
        # The role ARN without its path: the session ARN does not record the path.
        issuer = f"arn:{parts[1]}:iam::{parts[4]}:role/{resource[1]}"
    return resource[2] or None, issuer


def _group_ids(detail: dict[object, object], edits: tuple[TagEdit, ...] = ()) -> Iterator[str]:
    yield from (e.resource_id for e in edits if e.resource_id.startswith("sg-"))
    request, response = detail.get("requestParameters"), detail.get("responseElements")
    candidates = [
        at(request, "groupId"),
        at(request, _MODIFY, "GroupId"),
        at(response, "groupId"),
        *(item.get("groupId") for item in dicts_in(at(response, "securityGroupRuleSet", "items"))),
    ]
    for candidate in candidates:
        found = matching(GROUP_ID, candidate)
        if found is not None:
            yield found


def _group_names(detail: dict[object, object]) -> tuple[str, ...]:
    # A successful CreateSecurityGroup always records its id; its name is no lookup key.
    if detail.get("eventName") == "CreateSecurityGroup" or any(True for _ in _group_ids(detail)):
        return ()
    name = text_at(detail, "requestParameters", "groupName", limit=255)
    return (name,) if name is not None else ()


def _rule_ids(detail: dict[object, object], edits: tuple[TagEdit, ...] = ()) -> Iterator[str]:
    yield from (e.resource_id for e in edits if e.resource_id.startswith("sgr-"))
    created = dicts_in(at(detail, "responseElements", "securityGroupRuleSet", "items"))
    modified = dicts_in(at(detail, "requestParameters", _MODIFY, "SecurityGroupRule"))
    items = [
        *(rule.get("securityGroupRuleId") for rule in created),
        *(rule.get("SecurityGroupRuleId") for rule in modified),
    ]
    for item in items:
        found = matching(RULE_ID, item)
        if found is not None:
            yield found


def _unique(values: Iterator[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for _, v in zip(range(MAX_ITEMS), values, strict=False)))


def _user_agent(detail: dict[object, object]) -> str | None:
    agent = at(detail, "userAgent")
    if not isinstance(agent, str) or not agent:
        return None
    return agent[:_USER_AGENT_LIMIT]


def ignore_reason(
    event: SgChangeEvent,
    own_role_arns: frozenset[str],
    own_session_prefix: str = OWN_SESSION_PREFIX,
) -> IgnoreReason | None:
    """Why `event` must not be acted on, or None when it must be checked.

    Checked in this order: a failed call changed nothing; a revoke only ever narrows access
    (and is what the remediator itself does); the remediator's own changes (a rollback's
    re-authorize) must not trigger it again; without a group there is nothing to check.
    """
    if event.error_code is not None:
        return IgnoreReason.FAILED_CALL
    if event.event_name.startswith(REVOKE_PREFIX):
        return IgnoreReason.REVOKE_EVENT
    own = is_own_change(event.actor, own_role_arns, own_session_prefix)
    if own and acted_in(event.actor, event.account_id):
        return IgnoreReason.OWN_SESSION
    if not event.group_ids and not event.group_names and not event.rule_ids:
        return IgnoreReason.MALFORMED
    return None


def is_own_change(actor: Actor, own_role_arns: frozenset[str], own_session_prefix: str) -> bool:
    """True when the call was made by the remediator's own role session.

    The session name is chosen by whoever assumes a role, so anyone allowed to assume any role
    can name a session "sgcompliance-x": the name alone must never exempt a change from being
    checked. When `own_role_arns` is given, the role the session was issued for (recorded by
    AWS, not by the caller) must be one of them as well; an entry may use `*` for the partition
    or account field, e.g. `arn:aws:iam::*:role/sgcompliance-member`. Without role ARNs (local
    use only) an assumed-role session with the prefix is enough.
    """
    if actor.type != "AssumedRole" or actor.session_name is None:
        return False
    if own_session_prefix and not actor.session_name.startswith(own_session_prefix):
        return False
    if not own_role_arns:
        return bool(own_session_prefix)
    issuer = actor.issuer_arn
    return issuer is not None and any(arn_matches(pattern, issuer) for pattern in own_role_arns)


def acted_in(actor: Actor, account_id: str) -> bool:
    """True when every account the identity names is `account_id`, the account changed.

    An EC2 call acts in the caller's own account, so a genuine record of the remediator's
    session names one account throughout; a record that names another (an own-role pattern
    with `*` for the account would match it) is not trusted to exempt anything.
    """
    arns = (actor.arn, actor.issuer_arn or "")
    return actor.account_id == account_id and all(
        arn.split(":")[4:5] == [account_id] for arn in arns
    )


def arn_matches(pattern: str, arn: str) -> bool:
    """Exact ARN equality, except that `*` stands for any partition or any account id."""
    want, got = pattern.split(":", 5), arn.split(":", 5)
    if len(want) != 6 or len(got) != 6:
        return False
    for index, (expected, actual) in enumerate(zip(want, got, strict=True)):
        wildcard = index in (1, 4) and expected == "*"
        if not wildcard and expected != actual:
            return False
    return True

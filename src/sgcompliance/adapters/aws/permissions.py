"""The IAM actions the code needs, by the principal that needs them: the one list the Terraform
policies are built from, and which tests hold both the policies and the code to.

- `MEMBER_ACTIONS`: the member role (`sgcompliance-member`) the hub assumes in each account.
- `HUB_ACTIONS`: the hub functions' execution role. The code reads and remediates the account it
  runs in with its own credentials (it never assumes a role into its own account), so the hub
  role holds the member actions too, for the hub account's own groups.
- `FORWARDER_ACTIONS`: the member account's EventBridge role that forwards events to the hub bus.
- `TRACING_ACTIONS`: added to the hub role only when X-Ray tracing is switched on.
- `EXPORT_ACTIONS`: added to the member role only when the member module's
  `allow_securityhub_export` is on, for `sgc export securityhub` run by an operator through it.

Most actions are calls the code makes (`required_action` maps a botocore operation to its
action). `SERVICE_ACTIONS` are the exceptions: actions AWS checks on the role's behalf when the
code or the Lambda service uses another resource (a KMS-encrypted object, a queue the event
source mapping polls, the function's log group), each with the reason it is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from sgcompliance.remediation.plan import MANAGED_TAG_KEYS

MEMBER_TAG_ACTIONS: Final = frozenset({"ec2:CreateTags", "ec2:DeleteTags"})

MEMBER_ACTIONS: Final = frozenset(
    {
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSecurityGroupRules",
        "ec2:DescribeNetworkInterfaces",
        "ec2:GetManagedPrefixListEntries",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        # Rollback puts revoked rules back.
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        *MEMBER_TAG_ACTIONS,
    }
)

# Why each action the code never calls itself is still needed.
SERVICE_ACTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "kms:Decrypt": "reading the SecureString ExternalId, KMS-encrypted S3 objects and "
        "messages of the KMS-encrypted queues",
        "kms:GenerateDataKey": "writing SSE-KMS backups and audit records, publishing to the "
        "KMS-encrypted topic and sending to the KMS-encrypted queues",
        "sqs:ReceiveMessage": "the Lambda event source mappings poll the queues as the role",
        "sqs:DeleteMessage": "the event source mappings delete the messages a batch handled",
        "sqs:GetQueueAttributes": "the event source mappings read the queue's attributes",
        "logs:CreateLogStream": "the Lambda runtime writes the function's log (and the EMF "
        "metrics in it) as the role",
        "logs:PutLogEvents": "the Lambda runtime writes the function's log as the role",
        "s3:ListBucket": "a missing backup then answers 404 (no such backup) instead of 403, "
        "and `sgc rollback --latest` lists a group's receipts",
        "s3:GetObjectVersion": "a rollback reads its backup (and receipt) at the version the "
        "receipt pins: GetObject with a VersionId is authorised as this action",
    }
)

HUB_OWN_ACTIONS: Final = frozenset(
    {
        "sts:AssumeRole",
        # The regions enabled in the hub account stand for "all" regions: never a member's.
        "ec2:DescribeRegions",
        "ssm:GetParametersByPath",
        "s3:GetObject",
        "s3:PutObject",
        "s3:GetBucketVersioning",
        # A receipt with more than one version was rewritten: a rollback refuses it.
        "s3:ListBucketVersions",
        "sns:Publish",
        # SendMessageBatch (the sweep's work items) is authorised as sqs:SendMessage; so is the
        # asynchronous invocations' on-failure destination.
        "sqs:SendMessage",
        "organizations:ListAccounts",
        # Only with OU or tag mode overrides (docs/configuration.md).
        "organizations:ListParents",
        "organizations:ListTagsForResource",
        *SERVICE_ACTIONS,
    }
)

HUB_ACTIONS: Final = HUB_OWN_ACTIONS | MEMBER_ACTIONS

FORWARDER_ACTIONS: Final = frozenset({"events:PutEvents"})

TRACING_ACTIONS: Final = frozenset({"xray:PutTraceSegments", "xray:PutTelemetryRecords"})

# Findings of an account's `default` product must be imported by that account itself, so the
# export needs these in every member account: the import, and finding and resolving the findings
# an earlier export sent that are gone. Only the CLI calls them (the hub's functions never do),
# which is why they are a separate switch and not part of MEMBER_ACTIONS.
EXPORT_ACTIONS: Final = frozenset(
    {
        "securityhub:BatchImportFindings",
        "securityhub:GetFindings",
        "securityhub:BatchUpdateFindings",
    }
)

# The tag keys the tag actions are limited to (the keys remediation writes and removes).
TAG_KEYS: Final = tuple(sorted(MANAGED_TAG_KEYS))

# Calls IAM never refuses: they need no action in any policy.
PERMISSIONLESS_OPERATIONS: Final = frozenset({"sts:GetCallerIdentity"})

# Operations authorised by an action of another name ("service:Operation" -> action).
_OPERATION_ACTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "s3:ListObjectsV2": "s3:ListBucket",
        "s3:ListObjectVersions": "s3:ListBucketVersions",
        "s3:HeadObject": "s3:GetObject",
        "s3:HeadBucket": "s3:ListBucket",
        "sqs:SendMessageBatch": "sqs:SendMessage",
        "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    }
)


def required_action(operation: str) -> str | None:
    """The IAM action a call needs, from its `ApiCallCounter` key ("service:Operation");
    None for a call that needs none.

    >>> required_action("sqs:SendMessageBatch")
    'sqs:SendMessage'
    """
    if operation in PERMISSIONLESS_OPERATIONS:
        return None
    return _OPERATION_ACTIONS.get(operation, operation)


def tag_key_conditions() -> dict[str, dict[str, list[str]]]:
    """The IAM condition block of the tag actions: every tag key in the request is one of the
    project's, and the request names its keys (DeleteTags without keys deletes every tag, and
    `ForAllValues` alone would let that through)."""
    return {
        "ForAllValues:StringEquals": {"aws:TagKeys": list(TAG_KEYS)},
        "Null": {"aws:TagKeys": ["false"]},
    }

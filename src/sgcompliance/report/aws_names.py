"""AWS names of what a finding is about: partitions and ARNs, built from account and region."""

from __future__ import annotations

# Region prefix -> partition; every other region is in the commercial partition.
_PARTITIONS: tuple[tuple[str, str], ...] = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-iso-", "aws-iso"),
    ("us-isob-", "aws-iso-b"),
)


def partition_for(region: str) -> str:
    for prefix, partition in _PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


def security_group_arn(account_id: str, region: str, group_id: str) -> str:
    return f"arn:{partition_for(region)}:ec2:{region}:{account_id}:security-group/{group_id}"


def securityhub_product_arn(account_id: str, region: str) -> str:
    """The `default` product of an account: how a custom integration imports its findings."""
    partition = partition_for(region)
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"

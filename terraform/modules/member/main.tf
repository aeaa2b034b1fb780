# The role the hub's functions assume to read and remediate this account's security groups.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # The keys remediation writes and removes (sgcompliance.core.plan.MANAGED_TAG_KEYS).
  managed_tag_keys = ["sgc:backup", "sgc:remediated-at", "sgc:status", "sgc:violations"]

  security_group_arn      = "arn:${local.partition}:ec2:*:${local.account_id}:security-group/*"
  security_group_rule_arn = "arn:${local.partition}:ec2:*:${local.account_id}:security-group-rule/*"
  # AWS-managed prefix lists belong to AWS, not to this account: any owner.
  prefix_list_arn = "arn:${local.partition}:ec2:*:*:prefix-list/*"

  member_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${var.role_name}"
}

data "aws_iam_policy_document" "member_trust" {
  statement {
    sid     = "HubFunctionsOnly"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [var.hub_role_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }

    dynamic "condition" {
      for_each = var.organization_id == null ? [] : [var.organization_id]
      content {
        test     = "StringEquals"
        variable = "aws:PrincipalOrgID"
        values   = [condition.value]
      }
    }
  }
}

data "aws_iam_policy_document" "member" {
  statement {
    sid    = "ReadSecurityGroups"
    effect = "Allow"
    actions = [
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeSecurityGroups",
    ]
    # EC2 Describe* calls support no resource-level permissions: AWS requires "*".
    resources = ["*"]
  }

  statement {
    sid       = "ReadPrefixLists"
    effect    = "Allow"
    actions   = ["ec2:GetManagedPrefixListEntries"]
    resources = [local.prefix_list_arn]
  }

  statement {
    sid    = "ChangeSecurityGroupRules"
    effect = "Allow"
    actions = [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
    ]
    resources = [local.security_group_arn, local.security_group_rule_arn]
  }

  # No condition on the group's existing tags: remediation tags groups that carry none of the
  # project's tags yet, and rollback removes whichever of them are left.
  statement {
    sid       = "ProjectTagsOnly"
    effect    = "Allow"
    actions   = ["ec2:CreateTags", "ec2:DeleteTags"]
    resources = [local.security_group_arn]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = local.managed_tag_keys
    }

    # DeleteTags without keys deletes every tag, and ForAllValues alone lets an empty key set by.
    condition {
      test     = "Null"
      variable = "aws:TagKeys"
      values   = ["false"]
    }
  }
}

resource "aws_iam_role" "member" {
  count = var.create_roles ? 1 : 0

  lifecycle {
    precondition {
      condition     = split(":", var.hub_role_arn)[4] == var.hub_account_id
      error_message = "hub_role_arn must be a role of the hub account (hub_account_id)."
    }
  }

  name                 = var.role_name
  description          = "sgcompliance: the hub reads and remediates this account's security groups"
  assume_role_policy   = data.aws_iam_policy_document.member_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "member" {
  count = var.create_roles ? 1 : 0

  name   = "security-group-compliance"
  role   = aws_iam_role.member[0].id
  policy = data.aws_iam_policy_document.member.json
}

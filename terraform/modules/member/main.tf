# The role the hub's functions (and the roles of operator_role_arns) assume to read and
# remediate this account's security groups.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # The keys remediation writes and removes (sgcompliance.remediation.plan.MANAGED_TAG_KEYS).
  managed_tag_keys = ["sgc:backup", "sgc:remediate-after", "sgc:remediated-at", "sgc:status", "sgc:violations"]

  security_group_arn      = "arn:${local.partition}:ec2:*:${local.account_id}:security-group/*"
  security_group_rule_arn = "arn:${local.partition}:ec2:*:${local.account_id}:security-group-rule/*"
  # AWS-managed prefix lists belong to AWS, not to this account: any owner.
  prefix_list_arn = "arn:${local.partition}:ec2:*:*:prefix-list/*"

  member_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${var.role_name}"

  # Findings of this account's `default` product, in any region: the only product ARN the export
  # imports into (sgcompliance.report.aws_names.securityhub_product_arn).
  default_product_arn = "arn:${local.partition}:securityhub:*:${local.account_id}:product/${local.account_id}/default"
}

# The hub's functions, and the operators' roles when there are any, under the same conditions:
# the ExternalId, and the organization when one is given.
data "aws_iam_policy_document" "member_trust" {
  statement {
    sid     = "HubFunctions"
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

  # A statement of its own: a principal list can never be empty.
  dynamic "statement" {
    for_each = length(var.operator_role_arns) == 0 ? [] : [var.operator_role_arns]
    content {
      sid     = "Operators"
      effect  = "Allow"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "AWS"
        identifiers = statement.value
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

# `sgc export securityhub` through the member role: imports into this account's Security Hub.
data "aws_iam_policy_document" "securityhub_export" {
  statement {
    sid     = "ImportOwnFindings"
    effect  = "Allow"
    actions = ["securityhub:BatchImportFindings"]
    # BatchImportFindings authorises against the product the findings belong to; the export
    # only imports as this account's `default` product.
    resources = [local.default_product_arn]
  }

  # Finding the export's own findings that are gone, and setting their workflow to RESOLVED:
  # both authorise against the account's Security Hub (its hub resource).
  statement {
    sid       = "ResolveOwnFindings"
    effect    = "Allow"
    actions   = ["securityhub:GetFindings", "securityhub:BatchUpdateFindings"]
    resources = ["arn:${local.partition}:securityhub:*:${local.account_id}:hub/default"]
  }
}

resource "aws_iam_role" "member" {
  count = var.create_roles && var.create_member_role ? 1 : 0

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
  count = var.create_roles && var.create_member_role ? 1 : 0

  name   = "security-group-compliance"
  role   = aws_iam_role.member[0].id
  policy = data.aws_iam_policy_document.member.json
}

resource "aws_iam_role_policy" "securityhub_export" {
  count = var.create_roles && var.create_member_role && var.allow_securityhub_export ? 1 : 0

  name   = "securityhub-export"
  role   = aws_iam_role.member[0].id
  policy = data.aws_iam_policy_document.securityhub_export.json
}

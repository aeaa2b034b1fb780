# The functions' execution role: the role every member role trusts. Its actions are exactly
# sgcompliance.adapters.aws.permissions.HUB_ACTIONS (tests/terraform/test_tf_hub_iam.py checks it), each
# on the narrowest resource AWS accepts for it.

locals {
  member_role_arns = var.organization_id != null ? [
    "arn:${local.partition}:iam::*:role/${var.member_role_name}"
    ] : [
    for id in var.member_account_ids : "arn:${local.partition}:iam::${id}:role/${var.member_role_name}"
  ]
  org_path           = var.organization_id == null ? "o-*" : var.organization_id
  own_security_group = "arn:${local.partition}:ec2:*:${local.account_id}:security-group/*"
  own_rule           = "arn:${local.partition}:ec2:*:${local.account_id}:security-group-rule/*"
  # AWS-managed prefix lists belong to AWS, not to this account: any owner.
  prefix_lists = "arn:${local.partition}:ec2:*:*:prefix-list/*"
}

resource "aws_iam_role" "functions" {
  name               = "${var.name}-remediator"
  description        = "sgcompliance hub functions; trusted by the member roles"
  assume_role_policy = data.aws_iam_policy_document.functions_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "functions_trust" {
  statement {
    sid     = "Lambda"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "functions" {
  name   = "${var.name}-remediator"
  role   = aws_iam_role.functions.id
  policy = data.aws_iam_policy_document.functions.json
}

resource "aws_iam_role_policy" "tracing" {
  count = var.tracing_enabled ? 1 : 0

  name   = "${var.name}-tracing"
  role   = aws_iam_role.functions.id
  policy = data.aws_iam_policy_document.tracing.json
}

data "aws_iam_policy_document" "tracing" {
  statement {
    sid       = "WriteTraces"
    effect    = "Allow"
    actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "functions" {
  statement {
    sid       = "AssumeMemberRoles"
    effect    = "Allow"
    actions   = ["sts:AssumeRole"]
    resources = local.member_role_arns

    dynamic "condition" {
      for_each = var.organization_id == null ? [] : [var.organization_id]
      content {
        test     = "StringEquals"
        variable = "aws:ResourceOrgID"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid     = "ReadConfiguration"
    effect  = "Allow"
    actions = ["ssm:GetParametersByPath"]
    resources = [
      "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${local.parameter_path}",
      "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${local.parameter_path}/*",
    ]
  }

  # Through the hub's own services only: the SecureString, the bucket's objects, the topic and
  # the queues.
  statement {
    sid       = "UseHubKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.hub.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values = [
        for service in ["s3", "sns", "sqs", "ssm"] : "${service}.${local.region}.amazonaws.com"
      ]
    }
  }

  statement {
    sid     = "ReadPolicyBackupsAudit"
    effect  = "Allow"
    actions = ["s3:GetObject"]
    resources = [
      "${aws_s3_bucket.hub.arn}/${local.policy_prefix}*",
      "${aws_s3_bucket.hub.arn}/${local.backup_prefix}*",
      "${aws_s3_bucket.hub.arn}/${local.audit_prefix}*",
    ]
  }

  # Never under policy/: the functions read the policy object and do not change it (the bucket
  # policy denies it to this role as well).
  statement {
    sid     = "WriteBackupsAndAudit"
    effect  = "Allow"
    actions = ["s3:PutObject"]
    resources = [
      "${aws_s3_bucket.hub.arn}/${local.backup_prefix}*",
      "${aws_s3_bucket.hub.arn}/${local.audit_prefix}*",
    ]
  }

  # A receipt's backup is read at the version it was stored as.
  statement {
    sid       = "ReadBackupVersions"
    effect    = "Allow"
    actions   = ["s3:GetObjectVersion"]
    resources = ["${aws_s3_bucket.hub.arn}/${local.backup_prefix}*"]
  }

  statement {
    sid       = "HubBucket"
    effect    = "Allow"
    actions   = ["s3:GetBucketVersioning", "s3:ListBucket"]
    resources = [aws_s3_bucket.hub.arn]
  }

  # The versions under backups/ show that a receipt was never rewritten; only there.
  statement {
    sid       = "ListBackupVersions"
    effect    = "Allow"
    actions   = ["s3:ListBucketVersions"]
    resources = [aws_s3_bucket.hub.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.backup_prefix}*"]
    }
  }

  statement {
    sid       = "PublishAlerts"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
  }

  statement {
    sid       = "SendWorkAndFailedInvocations"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.feed["work"].arn, aws_sqs_queue.failed_invocations.arn]
  }

  statement {
    sid       = "ConsumeQueues"
    effect    = "Allow"
    actions   = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
    resources = [aws_sqs_queue.feed["events"].arn, aws_sqs_queue.feed["work"].arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for arn in local.log_group_arns : "${arn}:*"]
  }

  # organizations:ListAccounts has no resource-level permissions: AWS requires "*".
  statement {
    sid       = "ListOrganizationAccounts"
    effect    = "Allow"
    actions   = ["organizations:ListAccounts"]
    resources = ["*"]
  }

  # Only read with OU or tag mode overrides: the accounts' and OUs' places in the organization.
  statement {
    sid     = "ReadAccountPlacement"
    effect  = "Allow"
    actions = ["organizations:ListParents", "organizations:ListTagsForResource"]
    resources = [
      "arn:${local.partition}:organizations::*:account/${local.org_path}/*",
      "arn:${local.partition}:organizations::*:ou/${local.org_path}/ou-*",
    ]
  }

  # EC2 Describe* calls have no resource-level permissions: AWS requires "*". DescribeRegions
  # lists the regions "all" stands for; the others read the hub account's own groups.
  statement {
    sid    = "DescribeRegionsAndOwnGroups"
    effect = "Allow"
    actions = [
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeRegions",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeSecurityGroups",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ReadPrefixLists"
    effect    = "Allow"
    actions   = ["ec2:GetManagedPrefixListEntries"]
    resources = [local.prefix_lists]
  }

  # The hub account's own groups are remediated with this role (no role is assumed there).
  statement {
    sid    = "ChangeOwnSecurityGroupRules"
    effect = "Allow"
    actions = [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
    ]
    resources = [local.own_security_group, local.own_rule]
  }

  statement {
    sid       = "OwnGroupsProjectTagsOnly"
    effect    = "Allow"
    actions   = ["ec2:CreateTags", "ec2:DeleteTags"]
    resources = [local.own_security_group]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["sgc:backup", "sgc:remediate-after", "sgc:remediated-at", "sgc:status", "sgc:violations"]
    }

    # DeleteTags without keys deletes every tag, and ForAllValues alone lets an empty key set by.
    condition {
      test     = "Null"
      variable = "aws:TagKeys"
      values   = ["false"]
    }
  }
}

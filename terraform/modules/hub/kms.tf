# One customer-managed key for everything the hub stores or queues: the ExternalId parameter,
# the bucket (policy, backups, audit records), the topic, the queues and the log groups.

resource "aws_kms_key" "hub" {
  description             = "${var.name} hub: ExternalId, backups, audit records, alerts, queues and logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "hub" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.hub.key_id
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource is the key itself; the account statement only delegates to IAM policies.
  #checkov:skip=CKV_AWS_111:A key policy's "*" resource is the key itself; the account statement only delegates to IAM policies.
  #checkov:skip=CKV_AWS_356:A key policy's "*" resource is the key itself, never another resource.
  statement {
    sid       = "AccountAdministersThroughIam"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid    = "FunctionLogGroups"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey*",
      "kms:ReEncrypt*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = local.log_group_arns
    }
  }

  # EventBridge sends to the encrypted events queue and its dead-letter queue. AWS's SQS guide
  # documents this statement without conditions, and its SNS guide says aws:SourceAccount and
  # aws:SourceArn are not supported here: with them EventBridge drops the events. The queues'
  # own policies admit the hub rule only (aws:SourceArn), which is what narrows it.
  statement {
    sid       = "EventBridgeToEncryptedQueues"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }

  # CloudWatch alarms publish to the encrypted topic (the key policy AWS documents for alarms to
  # an encrypted topic), as alarms of this account only.
  statement {
    sid       = "AlarmsToEncryptedTopic"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # The operators may sit in another account, where only the key policy can grant them the key:
  # through S3 (the backups and audit records the bucket policy lets them read and write).
  dynamic "statement" {
    for_each = length(var.operator_role_arns) == 0 ? [] : [var.operator_role_arns]
    content {
      sid       = "OperatorsThroughS3"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = statement.value
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}

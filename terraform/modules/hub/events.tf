# The hub bus the member accounts forward their security-group API calls to, the rule that
# queues them for the handler, and the schedule of the full sweep.

resource "aws_cloudwatch_event_bus" "hub" {
  name = "${var.name}-hub"
  tags = var.tags
}

resource "aws_cloudwatch_event_bus_policy" "hub" {
  event_bus_name = aws_cloudwatch_event_bus.hub.name
  policy         = data.aws_iam_policy_document.bus.json
}

data "aws_iam_policy_document" "bus" {
  dynamic "statement" {
    for_each = var.organization_id == null ? [] : [var.organization_id]
    content {
      sid       = "OrganizationAccountsPutEvents"
      effect    = "Allow"
      actions   = ["events:PutEvents"]
      resources = [aws_cloudwatch_event_bus.hub.arn]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      # Only principals of the organization: the wildcard principal is narrowed here.
      condition {
        test     = "StringEquals"
        variable = "aws:PrincipalOrgID"
        values   = [statement.value]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.member_account_ids) == 0 ? [] : [var.member_account_ids]
    content {
      sid       = "MemberAccountsPutEvents"
      effect    = "Allow"
      actions   = ["events:PutEvents"]
      resources = [aws_cloudwatch_event_bus.hub.arn]

      principals {
        type        = "AWS"
        identifiers = [for id in statement.value : "arn:${local.partition}:iam::${id}:root"]
      }
    }
  }
}

resource "aws_cloudwatch_event_rule" "sg_changes" {
  name           = "${var.name}-sg-changes"
  description    = "Security-group API calls forwarded by the member accounts"
  event_bus_name = aws_cloudwatch_event_bus.hub.name
  event_pattern  = jsonencode(local.sg_change_pattern)
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "sg_changes" {
  rule           = aws_cloudwatch_event_rule.sg_changes.name
  event_bus_name = aws_cloudwatch_event_bus.hub.name
  target_id      = "events-queue"
  arn            = aws_sqs_queue.feed["events"].arn

  # What EventBridge could not deliver in an hour (a key or queue policy that refuses it, say)
  # goes to a queue of its own instead of being dropped; FailedInvocations raises an alarm.
  retry_policy {
    maximum_retry_attempts       = 10
    maximum_event_age_in_seconds = 3600
  }

  dead_letter_config {
    arn = aws_sqs_queue.events_target_dlq.arn
  }
}

resource "aws_cloudwatch_event_rule" "sweep" {
  name                = "${var.name}-sweep"
  description         = "The full sweep over every account x region"
  schedule_expression = var.sweep_schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "sweep" {
  rule      = aws_cloudwatch_event_rule.sweep.name
  target_id = "dispatcher"
  arn       = aws_lambda_function.function["handler"].arn
}

resource "aws_lambda_permission" "sweep" {
  statement_id   = "AllowSweepSchedule"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.function["handler"].function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.sweep.arn
  source_account = local.account_id
}

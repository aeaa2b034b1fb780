# The queues: change events from the bus (for the handler), the sweep's work items (for the
# worker), each with a dead-letter queue, and the dead-letter queue of asynchronous invocations
# (the schedule's ticks, operator actions) that failed every attempt.

locals {
  # A message handled this many times without success goes to the dead-letter queue.
  max_receives = 5
  # The queue feeding each function, by name, with that function's timeout.
  feed_timeouts = { for role in values(local.function_roles) : role.queue => role.timeout }
}

resource "aws_sqs_queue" "feed_dlq" {
  for_each = local.feed_timeouts

  name                      = "${var.name}-${each.key}-dlq"
  kms_master_key_id         = aws_kms_key.hub.arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

resource "aws_sqs_queue" "feed" {
  for_each = local.feed_timeouts

  name              = "${var.name}-${each.key}"
  kms_master_key_id = aws_kms_key.hub.arn
  # Lambda's guidance: a visibility timeout of six times the function's timeout.
  visibility_timeout_seconds = 6 * each.value
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.feed_dlq[each.key].arn
    maxReceiveCount     = local.max_receives
  })
  tags = var.tags
}

resource "aws_sqs_queue_policy" "events" {
  queue_url = aws_sqs_queue.feed["events"].id
  policy    = data.aws_iam_policy_document.events_queue.json
}

data "aws_iam_policy_document" "events_queue" {
  statement {
    sid       = "HubRuleOnly"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.feed["events"].arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.sg_changes.arn]
    }
  }
}

resource "aws_sqs_queue" "failed_invocations" {
  name                      = "${var.name}-failed-invocations"
  kms_master_key_id         = aws_kms_key.hub.arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

# The hub rule's target dead-letter queue: events EventBridge could not put on the events queue.
resource "aws_sqs_queue" "events_target_dlq" {
  name                      = "${var.name}-events-target-dlq"
  kms_master_key_id         = aws_kms_key.hub.arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

resource "aws_sqs_queue_policy" "events_target_dlq" {
  queue_url = aws_sqs_queue.events_target_dlq.id
  policy    = data.aws_iam_policy_document.events_target_dlq.json
}

data "aws_iam_policy_document" "events_target_dlq" {
  statement {
    sid       = "HubRuleDeadLetters"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events_target_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.sg_changes.arn]
    }
  }
}

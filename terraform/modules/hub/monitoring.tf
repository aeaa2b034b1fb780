# Alarms to the alerts topic, and a small dashboard.

locals {
  dead_letter_queues = merge(
    { for name, queue in aws_sqs_queue.feed_dlq : name => queue.name },
    { failed-invocations = aws_sqs_queue.failed_invocations.name },
    { events-target = aws_sqs_queue.events_target_dlq.name },
  )
}

# The hub rule gave up on an event (EventBridge counts it once its retries are spent): the event
# is in the target's dead-letter queue, or lost when that queue refused it too.
resource "aws_cloudwatch_metric_alarm" "failed_invocations" {
  alarm_name          = "${var.name}-sg-changes-failed-invocations"
  alarm_description   = "EventBridge could not deliver security-group events to the events queue; see ${aws_sqs_queue.events_target_dlq.name}."
  namespace           = "AWS/Events"
  metric_name         = "FailedInvocations"
  dimensions          = { EventBusName = aws_cloudwatch_event_bus.hub.name, RuleName = aws_cloudwatch_event_rule.sg_changes.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = var.tags
}

# The one way an event is lost for good: EventBridge gave up on it and its dead-letter queue
# refused it too (a key or queue policy, the queue deleted).
resource "aws_cloudwatch_metric_alarm" "events_lost" {
  alarm_name          = "${var.name}-sg-changes-events-lost"
  alarm_description   = "EventBridge could not put undelivered security-group events on ${aws_sqs_queue.events_target_dlq.name}: they are lost; the daily sweep still judges the groups."
  namespace           = "AWS/Events"
  metric_name         = "InvocationsFailedToBeSentToDlq"
  dimensions          = { EventBusName = aws_cloudwatch_event_bus.hub.name, RuleName = aws_cloudwatch_event_rule.sg_changes.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = local.functions

  alarm_name          = "${each.value}-errors"
  alarm_description   = "The ${each.key} function failed (an unhandled error or a timeout)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  for_each = local.dead_letter_queues

  alarm_name          = "${var.name}-${each.key}-dead-letters"
  alarm_description   = "Messages in ${each.value}: work the functions gave up on; inspect and redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = var.tags
}

# Violations are written with the dimensions service and Mode (and Severity, rolled up): this
# alarm watches the module's mode; accounts under another mode by mode_overrides have their own
# series.
resource "aws_cloudwatch_metric_alarm" "violations" {
  alarm_name          = "${var.name}-violations"
  alarm_description   = "Security-group rules broke the policy (mode ${var.mode})."
  namespace           = local.metric_namespace
  metric_name         = "Violations"
  dimensions          = { service = var.name, Mode = var.mode }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_dashboard" "hub" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "Violations and revoked rules"
          region = local.region
          stat   = "Sum"
          period = 300
          metrics = [
            [local.metric_namespace, "Violations", "service", var.name, "Mode", var.mode],
            [local.metric_namespace, "RulesRevoked", "service", var.name, "Mode", var.mode],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title   = "Function errors and throttles"
          region  = local.region
          stat    = "Sum"
          period  = 300
          metrics = flatten([for f in values(local.functions) : [["AWS/Lambda", "Errors", "FunctionName", f], ["AWS/Lambda", "Throttles", "FunctionName", f]]])
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title   = "Queues: messages waiting"
          region  = local.region
          stat    = "Maximum"
          period  = 300
          metrics = [for q in concat([for queue in values(aws_sqs_queue.feed) : queue.name], values(local.dead_letter_queues)) : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q]]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title  = "Time to remediate (ms)"
          region = local.region
          stat   = "p95"
          period = 300
          metrics = [
            [local.metric_namespace, "TimeToRemediate", "service", var.name, "Mode", var.mode],
          ]
        }
      },
    ]
  })
}

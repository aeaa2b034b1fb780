# Alerts: one topic, encrypted with the hub key, for the functions' alerts and the alarms.

resource "aws_sns_topic" "alerts" {
  name              = "${var.name}-alerts"
  kms_master_key_id = aws_kms_key.hub.arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alert_email_addresses)

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_sns_topic_subscription" "https" {
  for_each = toset(var.alert_https_endpoints)

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "https"
  endpoint  = each.value
}

# Per-team subscriptions: SNS delivers to each only the alerts whose routing attribute (a
# String.Array of the owners of the alert's groups) holds its team (docs/observability.md).
resource "aws_sns_topic_subscription" "team" {
  for_each = {
    for s in var.team_alert_subscriptions : "${s.attribute}=${s.team} ${s.protocol}:${s.endpoint}" => s
  }

  topic_arn           = aws_sns_topic.alerts.arn
  protocol            = each.value.protocol
  endpoint            = each.value.endpoint
  filter_policy_scope = "MessageAttributes"
  filter_policy       = jsonencode({ (each.value.attribute) = [each.value.team] })
}

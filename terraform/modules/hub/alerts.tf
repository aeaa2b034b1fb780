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

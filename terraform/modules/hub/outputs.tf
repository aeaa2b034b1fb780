output "remediator_role_arn" {
  description = "ARN of the functions' execution role: the principal every member role trusts."
  value       = aws_iam_role.functions.arn
}

output "event_bus_arn" {
  description = "ARN of the hub bus the member accounts forward security-group API calls to."
  value       = aws_cloudwatch_event_bus.hub.arn
}

output "event_bus_name" {
  description = "Name of the hub bus."
  value       = aws_cloudwatch_event_bus.hub.name
}

output "sns_topic_arn" {
  description = "ARN of the alerts topic (the functions' alerts and the alarms)."
  value       = aws_sns_topic.alerts.arn
}

output "bucket_name" {
  description = "Name of the hub bucket: the policy object, backups/ and audit/."
  value       = aws_s3_bucket.hub.id
}

output "kms_key_arn" {
  description = "ARN of the hub key."
  value       = aws_kms_key.hub.arn
}

output "work_queue_url" {
  description = "URL of the sweep's work queue."
  value       = aws_sqs_queue.feed["work"].url
}

output "function_names" {
  description = "The functions by role: handler (events, schedule, operator actions) and worker (sweep work items)."
  value       = { for role, fn in aws_lambda_function.function : role => fn.function_name }
}

output "parameter_path" {
  description = "The SSM path of the runtime configuration."
  value       = local.parameter_path
}

output "unreserved_concurrency" {
  description = "Lambda executions of lambda_concurrency_quota the functions' reservations leave to the account's other functions (at least the 100 Lambda requires)."
  value       = var.lambda_concurrency_quota - var.handler_reserved_concurrency - var.worker_reserved_concurrency
}

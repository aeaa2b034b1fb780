output "role_arn" {
  description = "ARN of the member role the hub assumes (with the ExternalId)."
  value       = var.create_roles && var.create_member_role ? aws_iam_role.member[0].arn : local.member_role_arn
}

output "forwarding_rule_arn" {
  description = "ARN of the default-bus rule that forwards security-group API events to the hub bus."
  value       = aws_cloudwatch_event_rule.forward.arn
}

output "forwarder_role_arn" {
  description = "ARN of the role EventBridge assumes to put the forwarded events on the hub bus."
  value       = var.create_roles ? aws_iam_role.forwarder[0].arn : local.forwarder_role_arn
}

output "region" {
  description = "Region whose default bus this instance forwards from."
  value       = data.aws_region.current.name
}

output "remediator_role_arn" {
  description = "The hub functions' role, trusted by every member role."
  value       = module.hub.remediator_role_arn
}

output "event_bus_arn" {
  description = "The hub bus the members forward security-group API events to."
  value       = module.hub.event_bus_arn
}

output "sns_topic_arn" {
  description = "The hub's alerts topic."
  value       = module.hub.sns_topic_arn
}

output "member_role_arns" {
  description = "Member role ARN by account id, for the members Terraform deployed (the StackSet's are in its stack instances)."
  value = merge(
    { for m in module.member_1 : local.terraform_members[0] => m.role_arn },
    { for m in module.member_2 : local.terraform_members[1] => m.role_arn },
    { for m in module.member_3 : local.terraform_members[2] => m.role_arn },
  )
}

output "stack_set_name" {
  description = "Name of the member StackSet, or null when Terraform deploys the members."
  value       = one(aws_cloudformation_stack_set.members[*].name)
}

# One block per member slot (see providers.tf); a slot without an account creates nothing.

module "member_1" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 1 ? 1 : 0

  providers = {
    aws = aws.member_1
  }

  hub_account_id    = data.aws_caller_identity.hub.account_id
  hub_role_arn      = module.hub.remediator_role_arn
  hub_event_bus_arn = module.hub.event_bus_arn
  external_id       = var.external_id
  organization_id   = var.organization_id
  role_name         = var.member_role_name
  tags              = var.tags

  operator_role_arns       = var.operator_role_arns
  allow_securityhub_export = var.allow_securityhub_export
}

module "member_2" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 2 ? 1 : 0

  providers = {
    aws = aws.member_2
  }

  hub_account_id    = data.aws_caller_identity.hub.account_id
  hub_role_arn      = module.hub.remediator_role_arn
  hub_event_bus_arn = module.hub.event_bus_arn
  external_id       = var.external_id
  organization_id   = var.organization_id
  role_name         = var.member_role_name
  tags              = var.tags

  operator_role_arns       = var.operator_role_arns
  allow_securityhub_export = var.allow_securityhub_export
}

module "member_3" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 3 ? 1 : 0

  providers = {
    aws = aws.member_3
  }

  hub_account_id    = data.aws_caller_identity.hub.account_id
  hub_role_arn      = module.hub.remediator_role_arn
  hub_event_bus_arn = module.hub.event_bus_arn
  external_id       = var.external_id
  organization_id   = var.organization_id
  role_name         = var.member_role_name
  tags              = var.tags

  operator_role_arns       = var.operator_role_arns
  allow_securityhub_export = var.allow_securityhub_export
}

# One block per member slot and governed region (see providers.tf); a slot without an account,
# or a region slot beyond var.regions, creates nothing. The home-region block of an account
# creates its (global) roles; the other regions' blocks add only their forwarding rule, after it.
# The hub account forwards its own security-group calls too (hub_forwarding*), without a member
# role: the functions read and remediate that account with their own role.

module "hub_forwarding" {
  source = "../../modules/member"
  count  = var.forward_hub_account_events ? 1 : 0

  providers = {
    aws = aws
  }

  hub_account_id    = data.aws_caller_identity.hub.account_id
  hub_role_arn      = module.hub.remediator_role_arn
  hub_event_bus_arn = module.hub.event_bus_arn
  external_id       = var.external_id
  organization_id   = var.organization_id
  role_name         = var.member_role_name
  tags              = var.tags

  create_roles       = true
  create_member_role = false
}

module "hub_forwarding_region_2" {
  source = "../../modules/member"
  count  = var.forward_hub_account_events && length(local.forwarded_regions) >= 2 ? 1 : 0

  providers = {
    aws = aws.hub_region_2
  }

  hub_account_id    = data.aws_caller_identity.hub.account_id
  hub_role_arn      = module.hub.remediator_role_arn
  hub_event_bus_arn = module.hub.event_bus_arn
  external_id       = var.external_id
  organization_id   = var.organization_id
  role_name         = var.member_role_name
  tags              = var.tags

  create_roles       = false
  create_member_role = false

  depends_on = [module.hub_forwarding]
}

module "hub_forwarding_region_3" {
  source = "../../modules/member"
  count  = var.forward_hub_account_events && length(local.forwarded_regions) >= 3 ? 1 : 0

  providers = {
    aws = aws.hub_region_3
  }

  hub_account_id    = data.aws_caller_identity.hub.account_id
  hub_role_arn      = module.hub.remediator_role_arn
  hub_event_bus_arn = module.hub.event_bus_arn
  external_id       = var.external_id
  organization_id   = var.organization_id
  role_name         = var.member_role_name
  tags              = var.tags

  create_roles       = false
  create_member_role = false

  depends_on = [module.hub_forwarding]
}

module "hub_forwarding_region_4" {
  source = "../../modules/member"
  count  = var.forward_hub_account_events && length(local.forwarded_regions) >= 4 ? 1 : 0

  providers = {
    aws = aws.hub_region_4
  }

  hub_account_id    = data.aws_caller_identity.hub.account_id
  hub_role_arn      = module.hub.remediator_role_arn
  hub_event_bus_arn = module.hub.event_bus_arn
  external_id       = var.external_id
  organization_id   = var.organization_id
  role_name         = var.member_role_name
  tags              = var.tags

  create_roles       = false
  create_member_role = false

  depends_on = [module.hub_forwarding]
}

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

module "member_1_region_2" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 1 && length(local.forwarded_regions) >= 2 ? 1 : 0

  providers = {
    aws = aws.member_1_region_2
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
  create_roles             = false

  depends_on = [module.member_1]
}

module "member_1_region_3" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 1 && length(local.forwarded_regions) >= 3 ? 1 : 0

  providers = {
    aws = aws.member_1_region_3
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
  create_roles             = false

  depends_on = [module.member_1]
}

module "member_1_region_4" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 1 && length(local.forwarded_regions) >= 4 ? 1 : 0

  providers = {
    aws = aws.member_1_region_4
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
  create_roles             = false

  depends_on = [module.member_1]
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

module "member_2_region_2" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 2 && length(local.forwarded_regions) >= 2 ? 1 : 0

  providers = {
    aws = aws.member_2_region_2
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
  create_roles             = false

  depends_on = [module.member_2]
}

module "member_2_region_3" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 2 && length(local.forwarded_regions) >= 3 ? 1 : 0

  providers = {
    aws = aws.member_2_region_3
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
  create_roles             = false

  depends_on = [module.member_2]
}

module "member_2_region_4" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 2 && length(local.forwarded_regions) >= 4 ? 1 : 0

  providers = {
    aws = aws.member_2_region_4
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
  create_roles             = false

  depends_on = [module.member_2]
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

module "member_3_region_2" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 3 && length(local.forwarded_regions) >= 2 ? 1 : 0

  providers = {
    aws = aws.member_3_region_2
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
  create_roles             = false

  depends_on = [module.member_3]
}

module "member_3_region_3" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 3 && length(local.forwarded_regions) >= 3 ? 1 : 0

  providers = {
    aws = aws.member_3_region_3
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
  create_roles             = false

  depends_on = [module.member_3]
}

module "member_3_region_4" {
  source = "../../modules/member"
  count  = length(local.terraform_members) >= 3 && length(local.forwarded_regions) >= 4 ? 1 : 0

  providers = {
    aws = aws.member_3_region_4
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
  create_roles             = false

  depends_on = [module.member_3]
}

# A hub in the security account and the member side in each member account.

data "aws_caller_identity" "hub" {
  lifecycle {
    precondition {
      condition     = var.deploy_members_with_stackset || length(var.member_account_ids) <= length(local.member_deploy_role_arns)
      error_message = "Terraform deploys at most 3 member accounts (providers.tf slots); add slots or use deploy_members_with_stackset."
    }

    precondition {
      condition     = !var.deploy_members_with_stackset || (var.organization_id != null && length(var.stackset_organizational_unit_ids) > 0)
      error_message = "deploy_members_with_stackset needs organization_id and stackset_organizational_unit_ids."
    }
  }
}

locals {
  terraform_members = var.deploy_members_with_stackset ? [] : var.member_account_ids
  # null for an unused slot: its provider assumes no role (see providers.tf).
  member_deploy_role_arns = [
    for slot in range(3) :
    slot < length(local.terraform_members) ? "arn:${var.partition}:iam::${local.terraform_members[slot]}:role/${var.member_deploy_role_name}" : null
  ]
}

module "hub" {
  source = "../../modules/hub"

  name                  = var.name
  lambda_zip_path       = var.lambda_zip_path
  organization_id       = var.organization_id
  member_account_ids    = var.member_account_ids
  external_id           = var.external_id
  member_role_name      = var.member_role_name
  mode                  = var.mode
  dry_run               = var.dry_run
  regions               = var.regions
  policy_file           = var.policy_file
  alert_email_addresses = var.alert_email_addresses
  tags                  = var.tags

  operator_role_arns          = var.operator_role_arns
  bucket_admin_principal_arns = var.bucket_admin_principal_arns
  backup_object_lock_days     = var.backup_object_lock_days
}

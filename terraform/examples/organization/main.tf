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

    # The member roles are created in the home region's instance (slot or stack); without it
    # no member role would exist anywhere.
    precondition {
      condition     = contains(var.regions, var.region)
      error_message = "regions must include region (the hub's home region, where the member roles are created)."
    }

    precondition {
      condition     = length(local.forwarded_regions) <= length(local.forwarded_region_slots) || (var.deploy_members_with_stackset && !var.forward_hub_account_events)
      error_message = "Terraform forwards from at most 4 regions per account (providers.tf region slots); add region slots, or use deploy_members_with_stackset with forward_hub_account_events = false."
    }
  }
}

locals {
  terraform_members = var.deploy_members_with_stackset ? [] : var.member_account_ids
  # Every governed region forwards its events, the home region first (its instance creates the
  # roles). An unused region slot's provider points at the home region and creates nothing.
  forwarded_regions      = concat([var.region], [for r in var.regions : r if r != var.region])
  forwarded_region_slots = [for slot in range(4) : slot < length(local.forwarded_regions) ? local.forwarded_regions[slot] : var.region]
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

  lambda_concurrency_quota = var.lambda_concurrency_quota

  operator_role_arns          = var.operator_role_arns
  bucket_admin_principal_arns = var.bucket_admin_principal_arns
  backup_object_lock_days     = var.backup_object_lock_days
}

# The runtime configuration ConfigManager reads (docs/configuration.md): every parameter under
# /NAME, read with GetParametersByPath. Only the ExternalId is secret.

locals {
  scope_accounts = var.organization_id != null ? "organization" : join(",", var.member_account_ids)

  # Every parameter but the ExternalId (a SecureString, below) and the optional overrides.
  plain_parameters = {
    mode              = var.mode
    dry_run           = var.dry_run ? "true" : "false"
    accounts          = local.scope_accounts
    regions           = length(var.regions) == 0 ? "all" : join(",", var.regions)
    role_name         = var.member_role_name
    policy            = var.policy_file == null ? "builtin:strict" : "s3://${aws_s3_bucket.hub.id}/${local.policy_key}"
    sns_topic_arn     = aws_sns_topic.alerts.arn
    max_revokes       = var.max_revokes == null ? "none" : tostring(var.max_revokes)
    lockdown_severity = var.lockdown_severity
    audit_bucket      = aws_s3_bucket.hub.id
    audit_prefix      = local.audit_prefix
    backup_bucket     = aws_s3_bucket.hub.id
    backup_prefix     = local.backup_prefix
    backup_kms_key_id = aws_kms_key.hub.arn
    # The functions change the hub account's own groups with this role (the code never
    # assumes a role into its own account): their events are then recognised as their own.
    own_role_arns    = aws_iam_role.functions.arn
    alert_owner_tags = var.alert_owner_tags
  }
  parameters = merge(
    local.plain_parameters,
    var.mode_overrides == null ? {} : { mode_overrides = var.mode_overrides },
  )
}

resource "aws_ssm_parameter" "setting" {
  #checkov:skip=CKV2_AWS_34:These are not secrets (mode, bucket names, ARNs); the ExternalId is a SecureString below.
  for_each = local.parameters

  name        = "${local.parameter_path}/${each.key}"
  description = "sgcompliance runtime parameter ${each.key} (docs/configuration.md)"
  type        = "String"
  value       = each.value
  tags        = var.tags

  lifecycle {
    precondition {
      condition     = var.organization_id != null || length(var.member_account_ids) > 0
      error_message = "Set organization_id or member_account_ids: the hub needs accounts to watch."
    }
  }
}

resource "aws_ssm_parameter" "external_id" {
  name        = "${local.parameter_path}/external_id"
  description = "sgcompliance: the ExternalId presented when assuming the member roles"
  type        = "SecureString"
  key_id      = aws_kms_key.hub.arn
  value       = var.external_id
  tags        = var.tags
}

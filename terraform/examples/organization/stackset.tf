# The member side for every account of the given OUs, present and future, through a
# service-managed StackSet. member-stackset.yaml creates what modules/member creates; the IAM
# roles only in var.region (IAM is global), the forwarding rule in every region of var.regions.

resource "aws_cloudformation_stack_set" "members" {
  count = var.deploy_members_with_stackset ? 1 : 0

  name             = "${var.name}-members"
  description      = "sgcompliance member role and security-group event forwarding"
  permission_model = "SERVICE_MANAGED"
  call_as          = var.stackset_call_as
  capabilities     = ["CAPABILITY_NAMED_IAM"]
  template_body    = file("${path.module}/member-stackset.yaml")

  parameters = {
    HubRoleArn     = module.hub.remediator_role_arn
    HubEventBusArn = module.hub.event_bus_arn
    ExternalId     = var.external_id
    OrganizationId = coalesce(var.organization_id, "")
    RoleName       = var.member_role_name
    PrimaryRegion  = var.region
    # A CommaDelimitedList parameter: "" is the empty list.
    OperatorRoleArns       = join(",", var.operator_role_arns)
    AllowSecurityHubExport = var.allow_securityhub_export ? "true" : "false"
  }

  auto_deployment {
    enabled                          = true
    retain_stacks_on_account_removal = false
  }

  managed_execution {
    active = true
  }

  tags = var.tags

  lifecycle {
    # AWS fills it in for service-managed StackSets; without this every plan shows a change.
    ignore_changes = [administration_role_arn]
  }
}

# The primary region's stacks first: they create the member and forwarding roles that the other
# regions' forwarding rules use (CloudFormation would otherwise create all regions at once).
resource "aws_cloudformation_stack_set_instance" "members_primary" {
  # Without OUs the precondition in main.tf explains the problem; an empty target list would
  # only fail the provider's schema check.
  count = var.deploy_members_with_stackset && length(var.stackset_organizational_unit_ids) > 0 ? 1 : 0

  stack_set_name = aws_cloudformation_stack_set.members[0].name
  call_as        = var.stackset_call_as
  region         = var.region

  deployment_targets {
    organizational_unit_ids = var.stackset_organizational_unit_ids
  }

  operation_preferences {
    failure_tolerance_percentage = 10
    max_concurrent_percentage    = 25
  }
}

resource "aws_cloudformation_stack_set_instance" "members" {
  for_each = var.deploy_members_with_stackset && length(var.stackset_organizational_unit_ids) > 0 ? toset([for r in var.regions : r if r != var.region]) : toset([])

  stack_set_name = aws_cloudformation_stack_set.members[0].name
  call_as        = var.stackset_call_as
  region         = each.value

  deployment_targets {
    organizational_unit_ids = var.stackset_organizational_unit_ids
  }

  operation_preferences {
    failure_tolerance_percentage = 10
    max_concurrent_percentage    = 25
    region_concurrency_type      = "PARALLEL"
  }

  depends_on = [aws_cloudformation_stack_set_instance.members_primary]
}

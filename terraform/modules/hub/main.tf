# The hub (security account) of sgcompliance: configuration, storage, alerting, the event bus the
# member accounts forward security-group API calls to, and the functions that judge them.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  parameter_path = "/${var.name}"
  bucket_name    = "${var.name}-hub-${local.account_id}-${local.region}"
  policy_prefix  = "policy/"
  policy_key     = "${local.policy_prefix}policy.json"
  audit_prefix   = "audit/"
  backup_prefix  = "backups/"

  functions = {
    handler = "${var.name}-handler"
    worker  = "${var.name}-worker"
  }
  log_group_arns = [
    for f in values(local.functions) :
    "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${f}"
  ]

  # The CloudTrail events of the security-group calls the handler acts on
  # (sgcompliance.events.cloudtrail.HANDLED_EVENTS: tag calls only on groups and rules). Revoke* calls are left out, so that the
  # functions' own revokes never come back to them.
  sg_change_pattern = {
    source        = ["aws.ec2"]
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail = {
      eventSource = ["ec2.amazonaws.com"]
      "$or" = [
        {
          eventName = [
            "AuthorizeSecurityGroupEgress",
            "AuthorizeSecurityGroupIngress",
            "CreateSecurityGroup",
            "ModifySecurityGroupRules",
            "UpdateSecurityGroupRuleDescriptionsEgress",
            "UpdateSecurityGroupRuleDescriptionsIngress",
          ]
        },
        # Tag calls on groups and rules: the handler judges those touching a tag it reads.
        {
          eventName = ["CreateTags", "DeleteTags"]
          requestParameters = {
            resourcesSet = { items = { resourceId = [{ prefix = "sg-" }, { prefix = "sgr-" }] } }
          }
        },
      ]
    }
  }

  # The metrics the functions write as EMF (sgcompliance.records.metrics).
  metric_namespace = "sgcompliance"
}

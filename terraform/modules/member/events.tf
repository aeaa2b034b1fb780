# Security-group API calls on this region's default bus are forwarded to the hub bus.

locals {
  forwarder_role_name = "${var.role_name}-forwarder"
  forward_rule_name   = "${var.role_name}-sg-changes"
  forwarder_role_arn  = "arn:${local.partition}:iam::${local.account_id}:role/${local.forwarder_role_name}"

  # The same pattern as the hub's rule (sgcompliance.local.pipeline.hub.sg_change_pattern): Revoke* calls
  # are left out, so the remediator's own revokes never travel to the hub.
  sg_change_events = [
    "AuthorizeSecurityGroupEgress",
    "AuthorizeSecurityGroupIngress",
    "CreateSecurityGroup",
    "ModifySecurityGroupRules",
    "UpdateSecurityGroupRuleDescriptionsEgress",
    "UpdateSecurityGroupRuleDescriptionsIngress",
  ]
  sg_change_pattern = {
    source        = ["aws.ec2"]
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail = {
      eventSource = ["ec2.amazonaws.com"]
      "$or" = [
        { eventName = local.sg_change_events },
        {
          eventName = ["CreateTags", "DeleteTags"]
          requestParameters = {
            resourcesSet = { items = { resourceId = [{ prefix = "sg-" }, { prefix = "sgr-" }] } }
          }
        },
      ]
    }
  }
}

data "aws_iam_policy_document" "forwarder_trust" {
  statement {
    sid     = "EventBridgeRulesOfThisAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    # Any region: the module's other-region instances reuse this role for their rules.
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:events:*:${local.account_id}:rule/${local.forward_rule_name}"]
    }
  }
}

data "aws_iam_policy_document" "forwarder" {
  statement {
    sid       = "PutEventsOnHubBus"
    effect    = "Allow"
    actions   = ["events:PutEvents"]
    resources = [var.hub_event_bus_arn]
  }
}

resource "aws_iam_role" "forwarder" {
  count = var.create_roles ? 1 : 0

  name               = local.forwarder_role_name
  description        = "sgcompliance: forwards security-group API events to the hub bus"
  assume_role_policy = data.aws_iam_policy_document.forwarder_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "forwarder" {
  count = var.create_roles ? 1 : 0

  name   = "put-events-on-hub-bus"
  role   = aws_iam_role.forwarder[0].id
  policy = data.aws_iam_policy_document.forwarder.json
}

resource "aws_cloudwatch_event_rule" "forward" {
  name           = local.forward_rule_name
  description    = "sgcompliance: security-group API calls to the hub bus"
  event_bus_name = "default"
  event_pattern  = jsonencode(local.sg_change_pattern)
  state          = "ENABLED"
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "hub_bus" {
  rule           = aws_cloudwatch_event_rule.forward.name
  event_bus_name = aws_cloudwatch_event_rule.forward.event_bus_name
  target_id      = "sgcompliance-hub"
  arn            = var.hub_event_bus_arn
  role_arn       = var.create_roles ? aws_iam_role.forwarder[0].arn : local.forwarder_role_arn

  lifecycle {
    precondition {
      condition     = split(":", var.hub_event_bus_arn)[4] == var.hub_account_id
      error_message = "hub_event_bus_arn must be a bus of the hub account (hub_account_id)."
    }
  }
}

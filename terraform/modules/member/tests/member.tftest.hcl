# Plans the member module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "222222222222"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  # The rendered JSON is the provider's work; a valid empty policy satisfies the IAM resources'
  # schema checks, and the runs assert on the documents' statements instead.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }
}

variables {
  hub_account_id    = "111111111111"
  hub_role_arn      = "arn:aws:iam::111111111111:role/sgcompliance-remediator"
  hub_event_bus_arn = "arn:aws:events:us-east-1:111111111111:event-bus/sgcompliance-hub"
  external_id       = "sgc-test-external-id"
}

run "trust_admits_only_the_hub_role_with_the_external_id" {
  command = plan

  assert {
    condition = [
      for s in data.aws_iam_policy_document.member_trust.statement :
      flatten([for p in s.principals : p.identifiers])
    ] == [["arn:aws:iam::111111111111:role/sgcompliance-remediator"]]
    error_message = "The member role must trust the hub role and nothing else."
  }

  assert {
    condition = [
      for c in data.aws_iam_policy_document.member_trust.statement[0].condition :
      "${c.test} ${c.variable} ${join(",", c.values)}"
    ] == ["StringEquals sts:ExternalId sgc-test-external-id"]
    error_message = "Without an organization the trust has exactly the ExternalId condition."
  }

  assert {
    condition     = aws_iam_role.member[0].name == "sgcompliance-member"
    error_message = "The member role keeps the name the hub assumes by default."
  }

  assert {
    condition     = length(aws_iam_role_policy.securityhub_export) == 0
    error_message = "Without allow_securityhub_export the role may not import findings."
  }
}

run "operator_roles_are_trusted_under_the_hub_roles_conditions" {
  command = plan

  variables {
    organization_id    = "o-abcdef1234"
    operator_role_arns = ["arn:aws:iam::111111111111:role/secops", "arn:aws:iam::444444444444:role/team/admin"]
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.member_trust.statement :
      toset(flatten([for p in s.principals : p.identifiers]))
      ] == [
      toset(["arn:aws:iam::111111111111:role/sgcompliance-remediator"]),
      toset(["arn:aws:iam::111111111111:role/secops", "arn:aws:iam::444444444444:role/team/admin"]),
    ]
    error_message = "The trust admits the hub role and the operator roles, and nothing else."
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.member_trust.statement : toset([
        for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"
      ])
      ] == [for _ in range(2) : toset([
        "StringEquals sts:ExternalId sgc-test-external-id",
        "StringEquals aws:PrincipalOrgID o-abcdef1234",
    ])]
    error_message = "Operators assume the role under the same ExternalId and organization conditions as the hub."
  }
}

run "securityhub_export_allows_importing_into_the_own_default_product_only" {
  command = plan

  variables {
    allow_securityhub_export = true
  }

  assert {
    condition     = length(aws_iam_role_policy.securityhub_export) == 1
    error_message = "allow_securityhub_export adds the export policy to the member role."
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.securityhub_export.statement : [s.actions, s.resources]
      ] == [
      [toset(["securityhub:BatchImportFindings"]), toset(["arn:aws:securityhub:*:222222222222:product/222222222222/default"])],
      [toset(["securityhub:GetFindings", "securityhub:BatchUpdateFindings"]), toset(["arn:aws:securityhub:*:222222222222:hub/default"])],
    ]
    error_message = "The export may only import findings as this account's default product, and find and resolve them in its own Security Hub."
  }
}

run "organization_id_adds_the_principal_org_condition" {
  command = plan

  variables {
    organization_id = "o-abcdef1234"
  }

  assert {
    condition = contains([
      for c in data.aws_iam_policy_document.member_trust.statement[0].condition :
      "${c.test} ${c.variable} ${join(",", c.values)}"
    ], "StringEquals aws:PrincipalOrgID o-abcdef1234")
    error_message = "organization_id must add an aws:PrincipalOrgID condition."
  }
}

run "tag_actions_are_limited_to_the_project_keys" {
  command = plan

  assert {
    condition = [
      for c in data.aws_iam_policy_document.member.statement[3].condition :
      "${c.test} ${c.variable} ${join(",", c.values)}"
      ] == [
      "ForAllValues:StringEquals aws:TagKeys sgc:backup,sgc:remediate-after,sgc:remediated-at,sgc:status,sgc:violations",
      "Null aws:TagKeys false",
    ]
    error_message = "Tag actions must name their keys, all of them the project's."
  }

  assert {
    condition     = data.aws_iam_policy_document.member.statement[2].resources == toset(["arn:aws:ec2:*:222222222222:security-group/*", "arn:aws:ec2:*:222222222222:security-group-rule/*"])
    error_message = "Rule changes are limited to this account's security groups."
  }
}

run "forwarding_rule_matches_security_group_changes_and_targets_the_hub_bus" {
  command = plan

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.forward.event_pattern) == {
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
          {
            eventName = ["CreateTags", "DeleteTags"]
            requestParameters = {
              resourcesSet = { items = { resourceId = [{ prefix = "sg-" }, { prefix = "sgr-" }] } }
            }
          },
        ]
      }
    }
    error_message = "The forwarding rule must use the hub's security-group change pattern."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.forward.event_bus_name == "default"
    error_message = "CloudTrail management events arrive on the default bus."
  }

  assert {
    condition     = aws_cloudwatch_event_target.hub_bus.arn == var.hub_event_bus_arn
    error_message = "The target must be the hub bus."
  }
}

run "forwarder_may_only_put_events_on_the_hub_bus" {
  command = plan

  assert {
    condition = [
      for s in data.aws_iam_policy_document.forwarder.statement : [s.actions, s.resources]
    ] == [[toset(["events:PutEvents"]), toset([var.hub_event_bus_arn])]]
    error_message = "The forwarding role may only call events:PutEvents on the hub bus."
  }
}

run "other_region_instance_adds_only_the_rule" {
  command = plan

  variables {
    create_roles             = false
    allow_securityhub_export = true
  }

  assert {
    condition     = length(aws_iam_role.member) == 0 && length(aws_iam_role.forwarder) == 0
    error_message = "With create_roles = false no IAM role is created."
  }

  assert {
    condition     = length(aws_iam_role_policy.securityhub_export) == 0
    error_message = "The export policy belongs to the instance that creates the role."
  }

  assert {
    condition     = aws_cloudwatch_event_target.hub_bus.role_arn == "arn:aws:iam::222222222222:role/sgcompliance-member-forwarder"
    error_message = "The rule reuses the forwarding role by its ARN."
  }

  assert {
    condition     = output.role_arn == "arn:aws:iam::222222222222:role/sgcompliance-member"
    error_message = "role_arn still names the member role."
  }
}

run "rejects_an_external_id_with_forbidden_characters" {
  command = plan

  variables {
    external_id = "has spaces"
  }

  expect_failures = [var.external_id]
}

run "rejects_a_hub_role_that_is_not_a_role_arn" {
  command = plan

  variables {
    hub_role_arn = "arn:aws:iam::111111111111:user/alice"
  }

  expect_failures = [var.hub_role_arn]
}

run "rejects_an_operator_that_is_not_a_role_arn" {
  command = plan

  variables {
    operator_role_arns = ["arn:aws:iam::111111111111:role/secops", "arn:aws:iam::111111111111:user/alice"]
  }

  expect_failures = [var.operator_role_arns]
}

run "rejects_a_wildcard_operator_role" {
  command = plan

  variables {
    operator_role_arns = ["arn:aws:iam::111111111111:role/*"]
  }

  expect_failures = [var.operator_role_arns]
}

run "rejects_a_hub_bus_of_another_account" {
  command = plan

  variables {
    hub_event_bus_arn = "arn:aws:events:us-east-1:333333333333:event-bus/sgcompliance-hub"
  }

  expect_failures = [aws_cloudwatch_event_target.hub_bus]
}

# Plans the organization example against mocked AWS providers (the hub's and one per member
# slot): which member side gets deployed, by Terraform or by the StackSet. The hub module's own
# behaviour is tested in modules/hub.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }

  # The rendered JSON is the provider's work; a valid empty policy satisfies the IAM resources'
  # schema checks.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_1"

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

  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_2"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "333333333333"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_3"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "444444444444"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

# The other region slots of the hub and of each member slot (providers.tf).
mock_provider "aws" {
  alias = "hub_region_2"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "hub_region_3"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "hub_region_4"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_1_region_2"

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

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_1_region_3"

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

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_1_region_4"

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

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_2_region_2"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "333333333333"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_2_region_3"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "333333333333"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_2_region_4"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "333333333333"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_3_region_2"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "444444444444"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_3_region_3"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "444444444444"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "aws" {
  alias = "member_3_region_4"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "444444444444"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  # Nothing is uploaded under a mocked provider: an empty archive stands in for `make package`.
  lambda_zip_path = "tests/fixtures/function.zip"
  external_id     = "sgc-test-external-id"
}

run "each_member_account_gets_its_terraform_slot" {
  command = plan

  variables {
    member_account_ids = ["222222222222", "333333333333", "444444444444"]
  }

  assert {
    condition     = [length(module.member_1), length(module.member_2), length(module.member_3)] == [1, 1, 1]
    error_message = "Three member accounts fill the three slots."
  }

  assert {
    condition     = length(aws_cloudformation_stack_set.members) == 0 && length(aws_cloudformation_stack_set_instance.members) == 0
    error_message = "Without deploy_members_with_stackset there is no StackSet."
  }

  assert {
    condition     = local.member_deploy_role_arns[1] == "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"
    error_message = "Each slot's provider assumes the deployment role of its account."
  }
}

run "unused_slots_create_nothing" {
  command = plan

  variables {
    member_account_ids = ["222222222222"]
  }

  assert {
    condition     = [length(module.member_1), length(module.member_2), length(module.member_3)] == [1, 0, 0]
    error_message = "One member account fills the first slot only."
  }

  assert {
    condition     = local.member_deploy_role_arns[1] == null && local.member_deploy_role_arns[2] == null
    error_message = "Unused slots assume no role: their providers are configured all the same."
  }
}

run "more_accounts_than_slots_are_refused" {
  command = plan

  variables {
    member_account_ids = ["222222222222", "333333333333", "444444444444", "555555555555"]
  }

  expect_failures = [data.aws_caller_identity.hub]
}

run "stackset_replaces_the_terraform_slots" {
  command = plan

  variables {
    deploy_members_with_stackset     = true
    organization_id                  = "o-abcdef1234"
    stackset_organizational_unit_ids = ["ou-ab12-cdef3456"]
    member_account_ids               = ["222222222222", "333333333333"]
    regions                          = ["us-east-1", "eu-west-1"]
  }

  assert {
    condition     = [length(module.member_1), length(module.member_2), length(module.member_3)] == [0, 0, 0]
    error_message = "The StackSet deploys the members; the Terraform slots stay empty."
  }

  assert {
    condition     = aws_cloudformation_stack_set.members[0].permission_model == "SERVICE_MANAGED" && aws_cloudformation_stack_set.members[0].auto_deployment[0].enabled
    error_message = "The StackSet is service-managed and deploys to new accounts of the OUs."
  }

  assert {
    condition     = toset(concat(keys(aws_cloudformation_stack_set_instance.members), aws_cloudformation_stack_set_instance.members_primary[*].region)) == toset(["us-east-1", "eu-west-1"])
    error_message = "One stack instance per judged region."
  }

  assert {
    condition     = aws_cloudformation_stack_set.members[0].parameters["PrimaryRegion"] == "us-east-1" && aws_cloudformation_stack_set.members[0].parameters["OrganizationId"] == "o-abcdef1234"
    error_message = "The IAM roles are created in the home region, and the organization is passed on."
  }

  assert {
    condition     = aws_cloudformation_stack_set.members[0].parameters["OperatorRoleArns"] == "" && aws_cloudformation_stack_set.members[0].parameters["AllowSecurityHubExport"] == "false"
    error_message = "By default the member roles trust no operator and may not import findings."
  }
}

run "stackset_passes_the_operator_roles_and_the_export_switch" {
  command = plan

  variables {
    deploy_members_with_stackset     = true
    organization_id                  = "o-abcdef1234"
    stackset_organizational_unit_ids = ["ou-ab12-cdef3456"]
    operator_role_arns               = ["arn:aws:iam::111111111111:role/secops", "arn:aws:iam::111111111111:role/audit"]
    allow_securityhub_export         = true
  }

  assert {
    condition     = aws_cloudformation_stack_set.members[0].parameters["OperatorRoleArns"] == "arn:aws:iam::111111111111:role/secops,arn:aws:iam::111111111111:role/audit"
    error_message = "The operator roles reach the template as its comma-delimited list."
  }

  assert {
    condition     = aws_cloudformation_stack_set.members[0].parameters["AllowSecurityHubExport"] == "true"
    error_message = "The export switch reaches the template."
  }
}

run "stackset_requires_the_ous_to_deploy_to" {
  command = plan

  variables {
    deploy_members_with_stackset = true
    organization_id              = "o-abcdef1234"
  }

  expect_failures = [data.aws_caller_identity.hub]
}

run "every_member_slot_and_the_hub_forward_from_every_governed_region" {
  command = plan

  variables {
    member_account_ids = ["222222222222", "333333333333"]
    region             = "us-east-1"
    regions            = ["eu-west-1", "us-east-1", "eu-central-1"]
  }

  assert {
    condition     = local.forwarded_regions == ["us-east-1", "eu-west-1", "eu-central-1"]
    error_message = "The home region forwards first (its instance creates the roles), then every other governed region."
  }

  assert {
    condition     = [length(module.member_1), length(module.member_1_region_2), length(module.member_1_region_3), length(module.member_1_region_4)] == [1, 1, 1, 0]
    error_message = "A member slot gets one instance per governed region."
  }

  assert {
    condition     = [length(module.member_2_region_3), length(module.member_3), length(module.member_3_region_2)] == [1, 0, 0]
    error_message = "An unused account slot creates nothing in any region."
  }

  assert {
    condition     = [length(module.hub_forwarding), length(module.hub_forwarding_region_2), length(module.hub_forwarding_region_3), length(module.hub_forwarding_region_4)] == [1, 1, 1, 0]
    error_message = "The hub account forwards its own changes from every governed region."
  }

  assert {
    condition     = length(module.hub_forwarding[0].role_arn) > 0 && local.forwarded_region_slots[3] == "us-east-1"
    error_message = "An unused region slot points at the home region."
  }
}

run "the_home_region_must_be_governed" {
  command = plan

  variables {
    member_account_ids = ["222222222222"]
    region             = "us-east-1"
    regions            = ["eu-west-1"]
  }

  expect_failures = [data.aws_caller_identity.hub]
}

run "more_regions_than_slots_are_refused_without_the_stackset" {
  command = plan

  variables {
    member_account_ids = ["222222222222"]
    region             = "us-east-1"
    regions            = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-west-2"]
  }

  expect_failures = [data.aws_caller_identity.hub]
}

run "the_stackset_deploys_the_primary_region_first" {
  command = plan

  variables {
    deploy_members_with_stackset     = true
    organization_id                  = "o-abcdef1234"
    stackset_organizational_unit_ids = ["ou-ab12-cdef3456"]
    region                           = "us-east-1"
    regions                          = ["eu-west-1", "us-east-1"]
  }

  assert {
    condition     = aws_cloudformation_stack_set_instance.members_primary[0].region == "us-east-1" && toset(keys(aws_cloudformation_stack_set_instance.members)) == toset(["eu-west-1"])
    error_message = "The primary region has its own stack instance; the others are separate and wait for it."
  }
}

# Plans (and mock-applies) the hub module against a mocked AWS provider: no credentials, no
# network. Paths are relative to the module directory, where `terraform test` runs.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "999999999999"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }

  # The rendered JSON is the provider's work; the runs assert on the documents' statements.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  # Mocked applies hand ARNs to arguments the provider checks for ARN syntax.
  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:999999999999:key/00000000-0000-4000-8000-000000000000"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:eu-west-1:999999999999:sgcompliance-alerts"
    }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:999999999999:sgcompliance-queue"
      url = "https://sqs.eu-west-1.amazonaws.com/999999999999/sgcompliance-queue"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::999999999999:role/sgcompliance-remediator"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn = "arn:aws:lambda:eu-west-1:999999999999:function:sgcompliance-handler"
    }
  }

  mock_resource "aws_cloudwatch_event_bus" {
    defaults = {
      arn = "arn:aws:events:eu-west-1:999999999999:event-bus/sgcompliance-hub"
    }
  }

  mock_resource "aws_cloudwatch_event_rule" {
    defaults = {
      arn = "arn:aws:events:eu-west-1:999999999999:rule/sgcompliance-hub/sgcompliance-sg-changes"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::sgcompliance-hub-999999999999-eu-west-1"
    }
  }
}

variables {
  lambda_zip_path = "tests/fixtures/function.zip"
  organization_id = "o-abcdefghij"
  external_id     = "sgc-test-external-id"
}

run "bus_admits_only_the_organization" {
  command = plan

  assert {
    condition     = length(data.aws_iam_policy_document.bus.statement) == 1
    error_message = "With an organization and no listed accounts, the bus policy must have one statement."
  }

  assert {
    condition = [
      for c in data.aws_iam_policy_document.bus.statement[0].condition : [c.test, c.variable, tolist(c.values)]
    ] == [["StringEquals", "aws:PrincipalOrgID", tolist(["o-abcdefghij"])]]
    error_message = "With an organization, the bus must admit its principals only (aws:PrincipalOrgID)."
  }

  assert {
    condition     = aws_ssm_parameter.setting["accounts"].value == "organization"
    error_message = "With an organization, the scope must be the organization."
  }
}

run "bus_admits_the_listed_accounts_without_an_organization" {
  command = plan

  variables {
    organization_id    = null
    member_account_ids = ["111111111111", "222222222222"]
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.bus.statement :
      flatten([for p in s.principals : p.identifiers])
    ] == [["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"]]
    error_message = "Without an organization, the bus must admit exactly the listed accounts."
  }

  assert {
    condition     = aws_ssm_parameter.setting["accounts"].value == "111111111111,222222222222"
    error_message = "Without an organization, the scope must be the listed accounts."
  }

  assert {
    condition = flatten([
      for s in data.aws_iam_policy_document.functions.statement : s.resources if s.sid == "AssumeMemberRoles"
      ]) == [
      "arn:aws:iam::111111111111:role/sgcompliance-member",
      "arn:aws:iam::222222222222:role/sgcompliance-member",
    ]
    error_message = "The functions may assume the member role of the listed accounts only."
  }
}

run "a_hub_without_accounts_is_refused" {
  command = plan

  variables {
    organization_id = null
  }

  expect_failures = [aws_ssm_parameter.setting]
}

run "worker_concurrency_is_reserved" {
  command = plan

  variables {
    worker_reserved_concurrency = 7
  }

  assert {
    condition     = aws_lambda_function.function["worker"].reserved_concurrent_executions == 7
    error_message = "The worker's reserved concurrency must be the variable's."
  }

  assert {
    condition     = one(aws_lambda_event_source_mapping.work.scaling_config).maximum_concurrency == 7
    error_message = "The work queue's poller must not outrun the worker's reserved concurrency."
  }
}

run "reservations_beyond_the_concurrency_quota_are_refused" {
  command = plan

  # A new account's quota of 10 leaves nothing to reserve: Lambda keeps 100 unreserved.
  variables {
    lambda_concurrency_quota = 10
  }

  expect_failures = [var.lambda_concurrency_quota]
}

run "reservations_within_the_quota_leave_a_hundred_unreserved" {
  command = plan

  variables {
    lambda_concurrency_quota     = 110
    handler_reserved_concurrency = 5
    worker_reserved_concurrency  = 5
  }

  assert {
    condition     = aws_lambda_function.function["handler"].reserved_concurrent_executions + aws_lambda_function.function["worker"].reserved_concurrent_executions == 10
    error_message = "Reservations that leave exactly 100 of the quota are accepted."
  }
}

run "functions_run_python_3_12_on_arm64_from_the_zip" {
  command = plan

  assert {
    condition = alltrue([
      for f in aws_lambda_function.function :
      f.runtime == "python3.12" && f.architectures == tolist(["arm64"]) && f.handler == "sgcompliance.entrypoints.handler.handler"
    ])
    error_message = "Both functions must run the handler on python3.12, arm64."
  }

  assert {
    condition     = aws_lambda_function.function["handler"].source_code_hash == filebase64sha256("tests/fixtures/function.zip")
    error_message = "A new zip must change the functions' code hash."
  }
}

# Before the first apply run: the bucket is still to be created here.
run "a_new_bucket_is_created_locked_in_governance_mode_when_days_are_set" {
  command = plan

  variables {
    backup_object_lock_days = 30
  }

  assert {
    condition     = aws_s3_bucket.hub.object_lock_enabled == true
    error_message = "A bucket created with a lock period must be created with Object Lock enabled."
  }

  assert {
    condition = [
      for r in aws_s3_bucket_object_lock_configuration.hub[0].rule : [
        for d in r.default_retention : [d.mode, d.days]
      ]
    ] == [[["GOVERNANCE", 30]]]
    error_message = "The default retention must be GOVERNANCE mode for backup_object_lock_days days."
  }
}

run "external_id_is_a_secure_string_under_the_hub_key" {
  command = apply

  assert {
    condition     = aws_ssm_parameter.external_id.type == "SecureString"
    error_message = "The ExternalId must be a SecureString."
  }

  assert {
    condition     = aws_ssm_parameter.external_id.key_id == aws_kms_key.hub.arn
    error_message = "The ExternalId must be encrypted with the hub key."
  }

  assert {
    condition     = aws_ssm_parameter.external_id.name == "/sgcompliance/external_id"
    error_message = "The ExternalId must be the external_id parameter under /sgcompliance."
  }
}

run "the_environment_carries_nothing_secret" {
  command = apply

  assert {
    condition     = keys(one(aws_lambda_function.function["handler"].environment).variables) == tolist(["POWERTOOLS_SERVICE_NAME", "SGC_PARAMETER_PATH", "SGC_WORK_QUEUE_URL"])
    error_message = "The environment must hold the parameter path, the work queue and the service name only."
  }

  assert {
    condition     = one(aws_lambda_function.function["worker"].environment).variables["SGC_WORK_QUEUE_URL"] == aws_sqs_queue.feed["work"].url
    error_message = "The functions must know the work queue's URL."
  }
}

run "parameters_default_to_the_builtin_policy_and_every_region" {
  command = plan

  assert {
    condition     = aws_ssm_parameter.setting["policy"].value == "builtin:strict" && length(aws_s3_object.policy) == 0
    error_message = "Without a policy file, the functions must use builtin:strict and nothing is uploaded."
  }

  assert {
    condition     = aws_ssm_parameter.setting["regions"].value == "all"
    error_message = "No regions must mean every enabled region."
  }

  assert {
    condition     = alltrue([for p in aws_ssm_parameter.setting : p.type == "String"])
    error_message = "Every parameter but the ExternalId must be a String."
  }

  assert {
    condition     = !contains(keys(aws_ssm_parameter.setting), "external_id") && !contains(keys(aws_ssm_parameter.setting), "mode_overrides")
    error_message = "The ExternalId must only be the SecureString, and no overrides must be written when none are given."
  }
}

run "a_policy_file_is_uploaded_and_named" {
  command = apply

  variables {
    policy_file = "tests/fixtures/policy.json"
    regions     = ["eu-west-1", "us-east-1"]
  }

  assert {
    condition     = aws_ssm_parameter.setting["policy"].value == "s3://${aws_s3_bucket.hub.id}/policy/policy.json"
    error_message = "The policy parameter must name the uploaded object."
  }

  assert {
    condition     = aws_s3_object.policy[0].key == "policy/policy.json" && aws_s3_object.policy[0].kms_key_id == aws_kms_key.hub.arn
    error_message = "The policy object must be stored under policy/ with the hub key."
  }

  assert {
    condition     = aws_ssm_parameter.setting["regions"].value == "eu-west-1,us-east-1"
    error_message = "The listed regions must be the regions parameter."
  }
}

run "sg_change_rule_matches_the_calls_the_handler_acts_on" {
  command = plan

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.sg_changes.event_pattern).detail["$or"][0].eventName == [
      "AuthorizeSecurityGroupEgress",
      "AuthorizeSecurityGroupIngress",
      "CreateSecurityGroup",
      "ModifySecurityGroupRules",
      "UpdateSecurityGroupRuleDescriptionsEgress",
      "UpdateSecurityGroupRuleDescriptionsIngress",
    ]
    error_message = "The rule must match exactly the security-group calls the handler handles (no Revoke*)."
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.sg_changes.event_pattern).detail["$or"][1] == {
      eventName = ["CreateTags", "DeleteTags"]
      requestParameters = {
        resourcesSet = { items = { resourceId = [{ prefix = "sg-" }, { prefix = "sgr-" }] } }
      }
    }
    error_message = "Tag calls must match only when they tag a security group or a rule."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.sg_changes.event_pattern)["detail-type"] == ["AWS API Call via CloudTrail"]
    error_message = "The rule must match CloudTrail API call events."
  }
}

run "key_rotates_and_storage_is_encrypted_with_it" {
  command = apply

  assert {
    condition     = aws_kms_key.hub.enable_key_rotation
    error_message = "The hub key must rotate."
  }

  assert {
    condition = alltrue([
      for q in concat(values(aws_sqs_queue.feed), values(aws_sqs_queue.feed_dlq), [aws_sqs_queue.failed_invocations]) :
      q.kms_master_key_id == aws_kms_key.hub.arn
    ]) && aws_sns_topic.alerts.kms_master_key_id == aws_kms_key.hub.arn
    error_message = "The queues and the topic must be encrypted with the hub key."
  }

  assert {
    condition     = alltrue([for g in aws_cloudwatch_log_group.function : g.kms_key_id == aws_kms_key.hub.arn && g.retention_in_days == 365])
    error_message = "The log groups must be encrypted with the hub key and kept for the retention given."
  }
}

run "tracing_adds_its_policy_only_when_enabled" {
  command = plan

  variables {
    tracing_enabled = true
  }

  assert {
    condition     = length(aws_iam_role_policy.tracing) == 1 && aws_lambda_function.function["worker"].tracing_config[0].mode == "Active"
    error_message = "Tracing must switch X-Ray on and grant its write actions."
  }
}

run "an_unknown_mode_is_refused" {
  command = plan

  variables {
    mode = "remove"
  }

  expect_failures = [var.mode]
}

run "an_unknown_lockdown_severity_is_refused" {
  command = plan

  variables {
    lockdown_severity = "severe"
  }

  expect_failures = [var.lockdown_severity]
}

run "bucket_denies_plain_http_by_default" {
  command = plan

  assert {
    condition     = length(aws_s3_bucket_policy.hub) == 1
    error_message = "The TLS-only bucket policy must be attached unless switched off."
  }

  assert {
    condition = [
      for c in data.aws_iam_policy_document.bucket.statement[0].condition : [c.test, c.variable, tolist(c.values)]
    ] == [["Bool", "aws:SecureTransport", tolist(["false"])]] && data.aws_iam_policy_document.bucket.statement[0].effect == "Deny"
    error_message = "The bucket policy must deny requests not made over TLS."
  }

  assert {
    condition     = one(aws_s3_bucket_versioning.hub.versioning_configuration).status == "Enabled"
    error_message = "The bucket must be versioned: the code refuses an unversioned backup bucket."
  }
}

run "each_queue_hides_a_message_for_six_times_its_function_timeout" {
  command = plan

  assert {
    condition     = aws_sqs_queue.feed["events"].visibility_timeout_seconds == 6 * aws_lambda_function.function["handler"].timeout
    error_message = "The events queue must outlast six runs of the handler."
  }

  assert {
    condition     = aws_sqs_queue.feed["work"].visibility_timeout_seconds == 6 * aws_lambda_function.function["worker"].timeout
    error_message = "The work queue must outlast six runs of the worker."
  }
}

run "backups_and_audit_are_written_only_by_the_functions_by_default" {
  command = apply

  assert {
    condition     = length(aws_s3_bucket_policy.hub) == 1 && length(data.aws_iam_policy_document.bucket_operators) == 0
    error_message = "The bucket policy must be attached, without operator grants when there are no operators."
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.bucket_writes.statement : [
        for c in s.condition : [c.test, c.variable, tolist(c.values)]
      ] if s.sid == "BackupsAndAuditWrittenOnlyByFunctionsOperatorsAdmins"
    ] == [[["ArnNotLike", "aws:PrincipalArn", tolist([aws_iam_role.functions.arn])]]]
    error_message = "Without operators and admins, only the functions' role may write under backups/ and audit/."
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.bucket_writes.statement : [s.effect, tolist(s.resources)] if s.sid == "FunctionsNeverWritePolicy"
    ] == [["Deny", tolist(["${aws_s3_bucket.hub.arn}/policy/*"])]]
    error_message = "The functions' role must be denied every write under policy/."
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.bucket_writes.statement : length(s.condition) if s.sid == "OnlyAdminsBypassRetention"
    ] == [0]
    error_message = "Without admins, nobody may bypass the governance retention."
  }

  assert {
    condition     = length(aws_s3_bucket_object_lock_configuration.hub) == 0
    error_message = "Object Lock must be off by default."
  }
}

run "operators_and_admins_may_write_backups_and_audit" {
  command = apply

  variables {
    operator_role_arns          = ["arn:aws:iam::999999999999:role/secops"]
    bucket_admin_principal_arns = ["arn:aws:iam::999999999999:role/sgcompliance-deploy"]
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.bucket_writes.statement : [
        for c in s.condition : tolist(c.values)
      ] if s.sid == "BackupsAndAuditWrittenOnlyByFunctionsOperatorsAdmins"
      ] == [[tolist([
        aws_iam_role.functions.arn,
        "arn:aws:iam::999999999999:role/secops",
        "arn:aws:iam::999999999999:role/sgcompliance-deploy",
    ])]]
    error_message = "The functions' role, the operator roles and the admins must be the only writers under backups/ and audit/."
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.bucket_writes.statement : [
        for c in s.condition : [c.test, tolist(c.values)]
      ] if s.sid == "OnlyAdminsBypassRetention"
    ] == [[["ArnNotLike", tolist(["arn:aws:iam::999999999999:role/sgcompliance-deploy"])]]]
    error_message = "Only the admins may bypass the governance retention."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.bucket_operators[0].statement :
      flatten([for p in s.principals : tolist(p.identifiers)]) == ["arn:aws:iam::999999999999:role/secops"]
    ])
    error_message = "The operator grants must name the operator roles only."
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.bucket_operators[0].statement : tolist(s.resources) if contains(s.actions, "s3:GetObjectVersion")
    ] == [tolist(["${aws_s3_bucket.hub.arn}/backups/*"])]
    error_message = "The operators must read backup versions under backups/."
  }
}

run "no_bucket_policy_with_every_part_switched_off" {
  command = plan

  variables {
    bucket_require_tls     = false
    bucket_restrict_writes = false
  }

  assert {
    condition     = length(aws_s3_bucket_policy.hub) == 0
    error_message = "With no statement switched on, no (empty) bucket policy may be attached."
  }
}

run "a_negative_lock_period_is_refused" {
  command = plan

  variables {
    backup_object_lock_days = -1
  }

  expect_failures = [var.backup_object_lock_days]
}

# After the apply runs: the bucket exists without Object Lock.
run "an_existing_bucket_gets_the_lock_without_being_replaced" {
  command = plan

  variables {
    backup_object_lock_days = 7
  }

  assert {
    condition     = aws_s3_bucket.hub.object_lock_enabled == false
    error_message = "object_lock_enabled must be ignored on an existing bucket: a change would replace it with its backups."
  }

  assert {
    condition     = aws_s3_bucket_object_lock_configuration.hub[0].object_lock_enabled == "Enabled" && aws_s3_bucket_object_lock_configuration.hub[0].rule[0].default_retention[0].days == 7
    error_message = "The lock configuration must enable Object Lock on the existing bucket with the retention given."
  }
}

run "a_team_subscription_receives_only_its_team_s_alerts" {
  command = plan

  variables {
    team_alert_subscriptions = [
      { team = "payments", protocol = "email", endpoint = "payments-oncall@example.com" },
      { team = "équipe web", protocol = "sqs", endpoint = "arn:aws:sqs:eu-west-1:999999999999:web", attribute = "owner" },
    ]
  }

  assert {
    condition     = jsondecode(aws_sns_topic_subscription.team["team=payments email:payments-oncall@example.com"].filter_policy) == { team = ["payments"] }
    error_message = "A team's subscription must filter on its team's routing attribute."
  }

  assert {
    condition     = jsondecode(aws_sns_topic_subscription.team["owner=équipe web sqs:arn:aws:sqs:eu-west-1:999999999999:web"].filter_policy) == { owner = ["équipe web"] }
    error_message = "A subscription may filter on another routing attribute, with any printable team name."
  }

  assert {
    condition     = alltrue([for s in aws_sns_topic_subscription.team : s.filter_policy_scope == "MessageAttributes"])
    error_message = "Team subscriptions filter on message attributes."
  }

  assert {
    condition     = aws_ssm_parameter.setting["alert_owner_tags"].value == "owner=Owner,team=Team"
    error_message = "The routing tags default to Owner and Team."
  }
}

run "a_team_name_alerts_never_carry_is_refused" {
  command = plan

  variables {
    team_alert_subscriptions = [{ team = "pay\"ments ", protocol = "email", endpoint = "a@example.com" }]
  }

  expect_failures = [var.team_alert_subscriptions]
}

# Two functions from one zip and one handler (it dispatches on the event): the handler takes
# change events from the events queue, the sweep's schedule and operator actions; the worker
# takes the sweep's work items, and its reserved concurrency bounds how many account x region
# items are read at once. Both run as one role, the role the member accounts trust.

locals {
  environment = {
    SGC_PARAMETER_PATH      = local.parameter_path
    SGC_WORK_QUEUE_URL      = aws_sqs_queue.feed["work"].url
    POWERTOOLS_SERVICE_NAME = var.name
  }
  # What sets the two functions apart; the rest they share. The queue is the one that feeds
  # the function, so its visibility timeout follows the function's timeout.
  function_roles = {
    handler = {
      description          = "sgcompliance: security-group change events, the sweep's dispatch and operator actions"
      timeout              = 60
      reserved_concurrency = var.handler_reserved_concurrency
      queue                = "events"
    }
    worker = {
      description          = "sgcompliance: the sweep's work items, one account x region each"
      timeout              = 300
      reserved_concurrency = var.worker_reserved_concurrency
      queue                = "work"
    }
  }
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.hub.arn
  tags              = var.tags
}

resource "aws_lambda_function" "function" {
  #checkov:skip=CKV_AWS_117:The function calls only AWS APIs; a VPC would add NAT or endpoints and nothing to reach.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile outside this module; the zip's hash is pinned by source_code_hash.
  for_each = local.function_roles

  function_name                  = local.functions[each.key]
  description                    = each.value.description
  role                           = aws_iam_role.functions.arn
  filename                       = var.lambda_zip_path
  source_code_hash               = filebase64sha256(var.lambda_zip_path)
  handler                        = "sgcompliance.entrypoints.handler.handler"
  runtime                        = "python3.12"
  architectures                  = ["arm64"]
  memory_size                    = 512
  timeout                        = each.value.timeout
  reserved_concurrent_executions = each.value.reserved_concurrency
  kms_key_arn                    = aws_kms_key.hub.arn
  tags                           = var.tags

  environment {
    variables = local.environment
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.failed_invocations.arn
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.functions]
}

# Asynchronous invocations (the schedule's ticks) are tried twice more, then go to the
# dead-letter queue; a retried tick names the same sweep, so work is not duplicated.
resource "aws_lambda_function_event_invoke_config" "handler" {
  function_name                = aws_lambda_function.function["handler"].function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600
}

resource "aws_lambda_event_source_mapping" "events" {
  event_source_arn                   = aws_sqs_queue.feed["events"].arn
  function_name                      = aws_lambda_function.function["handler"].arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.handler_reserved_concurrency
  }
}

resource "aws_lambda_event_source_mapping" "work" {
  event_source_arn        = aws_sqs_queue.feed["work"].arn
  function_name           = aws_lambda_function.function["worker"].arn
  batch_size              = 5
  function_response_types = ["ReportBatchItemFailures"]

  # At the reserved concurrency: the poller then never receives messages it cannot hand to a
  # function (throttled receives would count towards the dead-letter queue for nothing).
  scaling_config {
    maximum_concurrency = var.worker_reserved_concurrency
  }
}

"""The hub's integrations as the AWS documentation requires them, read from the HCL: what the
local AWS (moto) cannot check, because it enforces no key policy, resource policy or quota.

Each test names the documentation page it encodes in its docstring.
"""

from __future__ import annotations

import re

import tf_hcl
from conformance import (
    HUB,
    SOURCE_CONDITION_KEYS,
    block_list,
    condition_keys,
    grants,
    resource,
    resources_of,
    statements_for,
    variable,
    via_services,
)

EVENTS_QUEUE = '${aws_sqs_queue.feed["events"].arn}'
HUB_KEY = "${aws_kms_key.hub.arn}"


def test_eventbridge_may_use_the_key_of_the_encrypted_events_queue() -> None:
    """EventBridge -> encrypted SQS.

    "Amazon SQS key management" (section "Enable compatibility between AWS services such as
    Amazon EventBridge and encrypted queues"),
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html:
    the key policy must let the service principal events.amazonaws.com call kms:GenerateDataKey
    and kms:Decrypt, in a statement without conditions. "Managing Amazon SNS encryption keys and
    costs", https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html: aws:SourceAccount
    and aws:SourceArn are not supported there for EventBridge. "Using resource-based policies
    for Amazon EventBridge" (Amazon SQS permissions),
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html: the
    queue policy lets events.amazonaws.com send, narrowed with aws:SourceArn to the rule.
    """
    # GIVEN the key policy's statements for EventBridge
    events = statements_for(HUB, "key", "events.amazonaws.com")
    # THEN one grants both actions, and none of them carries a condition EventBridge cannot meet
    assert any(grants(s, "kms:GenerateDataKey") and grants(s, "kms:Decrypt") for s in events)
    assert [s.sid for s in events if condition_keys(s) & SOURCE_CONDITION_KEYS] == []
    # AND the queue uses that (customer managed) key, and its policy admits the rule only
    assert resource(HUB, "aws_sqs_queue", "feed")["kms_master_key_id"] == HUB_KEY
    [sender] = statements_for(HUB, "events_queue", "events.amazonaws.com")
    assert sender.actions == ("sqs:SendMessage",)
    assert [(c["test"], c["variable"], c["values"]) for c in sender.conditions] == [
        ("ArnEquals", "aws:SourceArn", ["${aws_cloudwatch_event_rule.sg_changes.arn}"])
    ]


def test_the_events_target_keeps_and_alarms_what_it_could_not_deliver() -> None:
    """EventBridge target retries, dead-letter queue and FailedInvocations.

    "Using dead-letter queues to process undelivered events in EventBridge",
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html: a target's
    dead-letter queue is an SQS queue whose policy lets events.amazonaws.com send with
    aws:SourceArn the rule, and whose KMS key lets EventBridge use it; the retry policy bounds
    the attempts and the event age. "Monitoring Amazon EventBridge",
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html: FailedInvocations
    (AWS/Events) counts the invocations that failed for good and InvocationsFailedToBeSentToDlq
    those the dead-letter queue refused; metrics of a rule on a custom bus carry both the
    EventBusName and RuleName dimensions.
    """
    target = resource(HUB, "aws_cloudwatch_event_target", "sg_changes")
    # THEN the target has a dead-letter queue and a bounded retry policy
    [dead_letter] = block_list(target, "dead_letter_config")
    [retry] = block_list(target, "retry_policy")
    assert dead_letter.get("arn")
    assert 0 < int(retry["maximum_retry_attempts"]) <= 185
    assert 60 <= int(retry["maximum_event_age_in_seconds"]) <= 86400
    # AND that queue admits the rule only, under the hub key
    queue = re.fullmatch(r"\$\{aws_sqs_queue\.(\w+)\.arn\}", str(dead_letter["arn"]))
    assert queue, dead_letter["arn"]
    assert resource(HUB, "aws_sqs_queue", queue.group(1))["kms_master_key_id"] == HUB_KEY
    policies = resources_of(HUB, "aws_sqs_queue_policy")
    documents = [
        str(p["policy"]).split(".")[2]
        for p in policies.values()
        if queue.group(1) in str(p["queue_url"])
    ]
    senders = [s for d in documents for s in statements_for(HUB, d, "events.amazonaws.com")]
    assert [c["values"] for s in senders for c in s.conditions] == [
        ["${aws_cloudwatch_event_rule.sg_changes.arn}"]
    ]
    # AND alarms watch the rule's FailedInvocations and the events its dead-letter queue
    # refused (lost for good), by the custom bus's dimensions, to the alerts topic
    for metric in ("FailedInvocations", "InvocationsFailedToBeSentToDlq"):
        alarms = [
            a
            for a in resources_of(HUB, "aws_cloudwatch_metric_alarm").values()
            if (a.get("namespace"), a.get("metric_name")) == ("AWS/Events", metric)
        ]
        assert len(alarms) == 1, metric
        assert alarms[0]["dimensions"] == {
            "EventBusName": "${aws_cloudwatch_event_bus.hub.name}",
            "RuleName": "${aws_cloudwatch_event_rule.sg_changes.name}",
        }
        assert alarms[0]["alarm_actions"] == ["${aws_sns_topic.alerts.arn}"]


def test_the_functions_can_consume_their_encrypted_queues() -> None:
    """SQS -> Lambda.

    "Using Lambda with Amazon SQS", https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html:
    the execution role needs sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes,
    and kms:Decrypt on the key of an encrypted queue; the queue's visibility timeout is at least
    six times the function's timeout; a dead-letter queue takes a message after maxReceiveCount
    receives (at least 5 recommended). "Configuring scaling behavior for SQS event source
    mappings", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html: maximum
    concurrency is 2 to 1000, and not above the function's reserved concurrency.
    """
    config = tf_hcl.load(HUB)
    role = [s for s in tf_hcl.statements(config, "functions") if s.effect == "Allow"]
    consume = [s for s in role if grants(s, "sqs:ReceiveMessage")]
    assert {"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"} <= {
        a for s in consume for a in s.actions
    }
    decrypt = [s for s in role if grants(s, "kms:Decrypt") and HUB_KEY in s.resources]
    assert any('"sqs"' in via_services(s) or not s.conditions for s in decrypt)
    # AND each feed queue waits six function timeouts and dead-letters after 5 receives
    queue = resource(HUB, "aws_sqs_queue", "feed")
    assert queue["visibility_timeout_seconds"] == "${6 * each.value}"
    assert config.locals()["max_receives"] >= 5
    # AND each event source's maximum concurrency is its function's reserved concurrency
    roles = config.locals()["function_roles"]
    mappings = resources_of(HUB, "aws_lambda_event_source_mapping")
    for name, mapping in mappings.items():
        [scaling] = block_list(mapping, "scaling_config")
        function = next(r for r, v in roles.items() if v["queue"] == name)
        assert scaling["maximum_concurrency"] == roles[function]["reserved_concurrency"], name


def test_cloudwatch_alarms_may_publish_to_the_encrypted_topic() -> None:
    """CloudWatch alarms -> encrypted SNS.

    "Managing Amazon SNS encryption keys and costs" (section "Enable compatibility between event
    sources from AWS services and encrypted topics"),
    https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html, and "How do I configure a
    CloudWatch alarm with an encrypted Amazon SNS topic?",
    https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns: the topic's customer
    managed key lets cloudwatch.amazonaws.com call kms:Decrypt and kms:GenerateDataKey*.
    """
    alarms = statements_for(HUB, "key", "cloudwatch.amazonaws.com")
    assert any(grants(s, "kms:Decrypt") and grants(s, "kms:GenerateDataKey") for s in alarms)
    assert resource(HUB, "aws_sns_topic", "alerts")["kms_master_key_id"] == HUB_KEY
    watched = resources_of(HUB, "aws_cloudwatch_metric_alarm").values()
    assert {str(a["alarm_actions"]) for a in watched} == {"['${aws_sns_topic.alerts.arn}']"}


def test_every_writer_of_the_bucket_may_generate_data_keys_with_the_hub_key() -> None:
    """S3 SSE-KMS writers.

    "Using server-side encryption with AWS KMS keys (SSE-KMS)",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html: a writer needs
    kms:GenerateDataKey (and kms:Decrypt to read) on the bucket's key. "Allowing users in other
    accounts to use a KMS key",
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html:
    a principal of another account needs the key policy to allow it as well; the operator roles
    may be in any account, so the key policy names them.
    """
    config = tf_hcl.load(HUB)
    role = [s for s in tf_hcl.statements(config, "functions") if s.effect == "Allow"]
    assert any(grants(s, "s3:PutObject") for s in role)
    keys = [s for s in role if grants(s, "kms:GenerateDataKey") and HUB_KEY in s.resources]
    assert any('"s3"' in via_services(s) or not s.conditions for s in keys)
    # AND the operators the bucket policy lets write are granted the key by the key policy
    key = next(b for b in config.of("data") if b.labels == ("aws_iam_policy_document", "key"))
    operators = [
        c
        for d in key.body.get("dynamic", [])
        if "var.operator_role_arns" in str(d.get("statement", {}).get("for_each"))
        for c in d["statement"]["content"]
    ]
    assert operators, "the key policy does not name the operator roles"
    assert all(
        {"kms:Decrypt", "kms:GenerateDataKey"} <= set(c["actions"])
        and [cond["variable"] for cond in c["condition"]] == ["kms:ViaService"]
        for c in operators
    ), "operators use the key only through S3"


def test_the_functions_may_decrypt_the_external_id_parameter() -> None:
    """SSM SecureString readers.

    "How AWS Systems Manager Parameter Store uses AWS KMS",
    https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html: reading
    a SecureString parameter with decryption needs ssm:GetParameter* and kms:Decrypt on its key
    (Parameter Store calls KMS, so kms:ViaService is ssm.REGION.amazonaws.com).
    """
    parameter = resource(HUB, "aws_ssm_parameter", "external_id")
    assert (parameter["type"], parameter["key_id"]) == ("SecureString", HUB_KEY)
    role = [s for s in tf_hcl.statements(tf_hcl.load(HUB), "functions") if s.effect == "Allow"]
    assert any(a.startswith("ssm:GetParameter") for s in role for a in s.actions)
    assert any(
        grants(s, "kms:Decrypt") and HUB_KEY in s.resources and '"ssm"' in via_services(s)
        for s in role
    )


def test_reserved_concurrency_leaves_the_hundred_unreserved_executions_lambda_requires() -> None:
    """Lambda reserved concurrency.

    "Configuring reserved concurrency for a function",
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html: Lambda
    keeps 100 executions of the account's concurrency quota unreserved, so
    PutFunctionConcurrency fails when the reservations would leave fewer; "Lambda quotas",
    https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: the quota
    (concurrent executions, 1,000 by default) can be lower in new accounts.
    """
    # GIVEN the variable stating the account's quota
    quota = variable(HUB, "lambda_concurrency_quota")
    # THEN a validation keeps both reservations within it, 100 unreserved, with a clear message
    rules = [
        v
        for name in (
            "handler_reserved_concurrency",
            "worker_reserved_concurrency",
            "lambda_concurrency_quota",
        )
        for v in block_list(variable(HUB, name), "validation")
    ]
    summed = [
        r
        for r in rules
        if "var.handler_reserved_concurrency + var.worker_reserved_concurrency" in r["condition"]
        and "100" in r["condition"]
        and "var.lambda_concurrency_quota" in r["condition"]
    ]
    assert summed, "no validation keeps 100 executions unreserved"
    assert all("100" in r["error_message"] and "quota" in r["error_message"] for r in summed)
    assert quota["default"] == 1000

"""`terraform apply` of the organization example against the moto server, the handler working
with what Terraform created, and `terraform destroy`.

The hub goes to moto's default account, one member (a moto Organizations account) gets the
member module through the example's first member slot; StackSets are off. A developer in the
member opens tcp 22 to the world; the CloudTrail-shaped event travels the created path (the
member's forwarding rule, the hub bus and rule, the events queue) and the handler, configured
only by its function's environment and the SSM parameters Terraform wrote, revokes the rule,
backs the group up into the created bucket and alerts on the created topic.

Slow (the AWS provider waits for SQS and S3 settings to settle even on moto: about 5 minutes
in all), so it runs only with SGC_TF_APPLY=1, which `make test` and `make test-terraform-apply`
set; a plain `pytest` run skips it and says so. Its tests share one apply, so they stay on one
xdist worker.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import tf_harness
import tf_hcl

from sgcompliance.entrypoints import handler as entry
from sgcompliance.local.server.moto_server import LocalServer, start

pytestmark = pytest.mark.xdist_group("terraform-apply")

GATE = "SGC_TF_APPLY"
REGION = "us-east-1"
EXTERNAL_ID = "sgc-tf-apply-external-id"
FIXTURE_EVENT = (
    Path(__file__).resolve().parents[1] / "fixtures" / "events" / "authorize_ingress.json"
)
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_PROXY": "127.0.0.1,localhost",
}
# Every service the example's providers call, the member slots' role assumption (sts) included.
SERVICES = ("cloudformation", "cloudwatch", "events", "iam", "kms", "lambda", "logs",
            "organizations", "s3", "sns", "sqs", "ssm", "sts")  # fmt: skip
# Every provider configuration of the example (the hub's, and each slot's per region slot):
# terraform configures them all, used or not.
PROVIDERS = (
    None,
    *sorted(
        str(b.body["alias"])
        for b in tf_hcl.load(tf_harness.EXAMPLES_ROOT / "organization").of("provider")
        if "alias" in b.body
    ),
)
# moto applies a Deny statement as if its conditions always held, so the hub bucket's TLS-only
# statement would refuse every object request over the local plain-HTTP endpoint, and the write
# restrictions (aws:PrincipalArn conditions) every write: the hub module's bucket_require_tls and
# bucket_restrict_writes are off here (only here), which leaves no bucket policy at all. The
# bucket holds backups by then, so destroy may delete it with them.
HUB_OVERRIDE = """
module "hub" {
  bucket_require_tls     = false
  bucket_restrict_writes = false
  bucket_force_destroy   = true
}
"""
TEAM_POLICY = {"version": "1", "id": "team", "extends": "builtin:strict"}


def provider_override(endpoint: str) -> str:
    """Every provider configuration of the example, pointed at the moto server."""
    endpoints = "\n".join(f'    {service} = "{endpoint}"' for service in SERVICES)
    blocks = []
    for alias in PROVIDERS:
        alias_line = f'  alias = "{alias}"\n' if alias else ""
        blocks.append(
            f'provider "aws" {{\n{alias_line}'
            "  skip_credentials_validation = true\n"
            "  skip_requesting_account_id  = true\n"
            "  skip_metadata_api_check     = true\n"
            "  s3_use_path_style           = true\n"
            f"  endpoints {{\n{endpoints}\n  }}\n}}\n"
        )
    return "\n".join(blocks)


@dataclass(frozen=True)
class Deployment:
    terraform: tf_harness.Terraform
    example: Path
    variables: tuple[str, ...]
    endpoint: str
    member: str
    outputs: dict[str, Any]

    def client(self, service: str, **credentials: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, **credentials)

    def member_client(self, service: str) -> Any:
        """A client in the member account, as a developer there (not the remediator)."""
        role = f"arn:aws:iam::{self.member}:role/OrganizationAccountAccessRole"
        issued = self.client("sts").assume_role(RoleArn=role, RoleSessionName="developer")
        keys = issued["Credentials"]
        return self.client(
            service,
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys["SessionToken"],
        )

    def parameters(self) -> dict[str, str]:
        pages = (
            self.client("ssm")
            .get_paginator("get_parameters_by_path")
            .paginate(Path="/sgcompliance", Recursive=True, WithDecryption=True)
        )
        found = [p for page in pages for p in page["Parameters"]]
        return {p["Name"].rsplit("/", 1)[1]: p["Value"] for p in found}


def write_inputs(workdir: Path, tree: Path, endpoint: str) -> tuple[str, ...]:
    example = tree / "examples" / "organization"
    override = provider_override(endpoint) + HUB_OVERRIDE
    (example / "moto_override.tf").write_text(override, encoding="utf-8")
    code = workdir / "function.zip"  # Terraform only uploads it: moto never runs it
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("placeholder.py", "")
    policy = workdir / "policy.json"
    policy.write_text(json.dumps(TEAM_POLICY), encoding="utf-8")
    return (
        f"-var=lambda_zip_path={code}",
        f"-var=policy_file={policy}",
        f"-var=external_id={EXTERNAL_ID}",
        "-var=mode=remove_non_compliant_rules",
        "-var=dry_run=false",
        f"-var=region={REGION}",
        f'-var=regions=["{REGION}"]',
    )


def member_account(endpoint: str) -> tuple[str, ...]:
    org = boto3.client("organizations", endpoint_url=endpoint, region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    created = org.create_account(Email="member@example.com", AccountName="member")
    member = created["CreateAccountStatus"]["AccountId"]
    return member, f'-var=member_account_ids=["{member}"]'


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    if os.environ.get(GATE) != "1":
        pytest.skip(
            f"terraform apply against moto takes about 5 minutes: set {GATE}=1 "
            "(`make test-terraform-apply`) to run it"
        )
    with pytest.MonkeyPatch.context() as env:
        for key, value in FAKE_AWS.items():
            env.setenv(key, value)
        server = start(tmp_path_factory.mktemp("moto") / "moto.log", timeout=60.0)
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def deployment(
    moto: LocalServer, terraform: tf_harness.Terraform, tmp_path_factory: pytest.TempPathFactory
) -> Deployment:
    workdir = tmp_path_factory.mktemp("tf-apply")
    tree = tf_harness.stage_tree(workdir / "terraform")
    member, member_variable = member_account(moto.endpoint)
    variables = (*write_inputs(workdir, tree, moto.endpoint), member_variable)
    example = tree / "examples" / "organization"
    for step in (
        ["init", "-input=false"],
        ["apply", "-auto-approve", "-parallelism=30", *variables],
    ):
        done = terraform.run(step, example, FAKE_AWS)
        print(f"\nterraform {step[0]}: {done.seconds:.1f}s")
        assert done.ok, done.describe()[-6000:]
    shown = terraform.run(["output", "-json"], example, FAKE_AWS)
    outputs = {k: v["value"] for k, v in json.loads(shown.output).items()}
    return Deployment(terraform, example, variables, moto.endpoint, member, outputs)


def test_apply_configures_the_functions_by_environment_and_ssm_only(deployment: Deployment) -> None:
    # GIVEN the applied example  WHEN its functions and parameters are read back
    functions = deployment.client("lambda").list_functions()["Functions"]
    parameters = deployment.parameters()
    # THEN both functions run the handler with nothing secret in their environment
    assert {f["Handler"] for f in functions} == {"sgcompliance.entrypoints.handler.handler"}
    names = {frozenset(f["Environment"]["Variables"]) for f in functions}
    assert names == {
        frozenset({"SGC_PARAMETER_PATH", "SGC_WORK_QUEUE_URL", "POWERTOOLS_SERVICE_NAME"})
    }
    # AND the runtime configuration is in SSM, pointing at the created topic and member
    assert parameters["sns_topic_arn"] == deployment.outputs["sns_topic_arn"]
    assert parameters["accounts"] == deployment.member
    assert parameters["external_id"] == EXTERNAL_ID
    assert set(deployment.outputs["member_role_arns"]) == {deployment.member}


def world_open_ssh(ec2: Any) -> tuple[str, list[str]]:
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    world = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}]}  # fmt: skip
    created = ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[world])
    return group, [r["SecurityGroupRuleId"] for r in created["SecurityGroupRules"]]


def cloudtrail_detail(member: str, group: str, rule_ids: list[str]) -> dict[str, Any]:
    """The fixture's CloudTrail record, naming the member's real group and rule."""
    detail: dict[str, Any] = json.loads(FIXTURE_EVENT.read_text("utf-8"))["detail"]
    detail |= {"recipientAccountId": member, "awsRegion": REGION}
    detail["eventTime"] = datetime.now(UTC).isoformat()
    detail["requestParameters"]["groupId"] = group
    items = detail["responseElements"]["securityGroupRuleSet"]["items"][: len(rule_ids)]
    for item, rule_id in zip(items, rule_ids, strict=True):
        item |= {"groupId": group, "groupOwnerId": member, "securityGroupRuleId": rule_id}
    detail["responseElements"]["securityGroupRuleSet"]["items"] = items
    return detail


def inbox_on(deployment: Deployment, topic_arn: str) -> str:
    sqs = deployment.client("sqs")
    url = sqs.create_queue(QueueName="tf-apply-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    deployment.client("sns").subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=arn["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )  # fmt: skip
    return str(url)


def forwarded(deployment: Deployment, detail: dict[str, Any]) -> dict[str, Any]:
    """Puts the event on the member's default bus and takes it from the events queue the hub
    rule fills, as the function's event source mapping would hand it over."""
    event = {
        "Source": "aws.ec2",
        "DetailType": "AWS API Call via CloudTrail",
        "Detail": json.dumps(detail),
    }
    deployment.member_client("events").put_events(Entries=[event])
    (target,) = deployment.client("events").list_targets_by_rule(
        Rule="sgcompliance-sg-changes", EventBusName="sgcompliance-hub"
    )["Targets"]
    sqs = deployment.client("sqs")
    url = sqs.get_queue_url(QueueName=target["Arn"].rsplit(":", 1)[1])["QueueUrl"]
    (message,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": "1"},
        "eventSource": "aws:sqs",
        "eventSourceARN": target["Arn"],
        "awsRegion": REGION,
    }
    return {"Records": [record]}


@pytest.fixture
def function_environment(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The handler's process environment: the created function's variables plus the endpoint."""
    config = deployment.client("lambda").get_function_configuration(
        FunctionName="sgcompliance-handler"
    )
    variables: dict[str, str] = config["Environment"]["Variables"]
    for key in [k for k in os.environ if k.startswith("SGC_")]:
        monkeypatch.delenv(key)
    for key, value in {**variables, "AWS_ENDPOINT_URL": deployment.endpoint}.items():
        monkeypatch.setenv(key, value)
    library = logging.getLogger("sgcompliance")
    saved = (list(library.handlers), library.propagate, library.level)
    entry.use_wiring(None)
    try:
        yield variables
    finally:
        entry.use_wiring(None)
        library.handlers[:], library.propagate, library.level = saved


def test_the_handler_remediates_a_member_change_with_the_created_resources(
    deployment: Deployment, function_environment: dict[str, str]
) -> None:
    # GIVEN a developer in the member account opened tcp 22 to the world
    ec2 = deployment.member_client("ec2")
    group, rule_ids = world_open_ssh(ec2)
    parameters = deployment.parameters()
    inbox = inbox_on(deployment, parameters["sns_topic_arn"])
    # WHEN its CloudTrail event travels the created path and reaches the handler
    body = entry.handler(
        forwarded(deployment, cloudtrail_detail(deployment.member, group, rule_ids)), None
    )
    # THEN the batch succeeded and the world-open rule is gone
    assert body == {"batchItemFailures": []}
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    assert not [
        r
        for r in rules["SecurityGroupRules"]
        if r.get("CidrIpv4") == "0.0.0.0/0" and not r["IsEgress"]
    ]
    # AND the backup is in the bucket the SSM parameters name, encrypted with the created key
    s3 = deployment.client("s3")
    listed = s3.list_objects_v2(Bucket=parameters["backup_bucket"], Prefix=f"backups/{group}/")
    (backup,) = listed["Contents"]
    head = s3.head_object(Bucket=parameters["backup_bucket"], Key=backup["Key"])
    assert head["SSEKMSKeyId"].endswith(parameters["backup_kms_key_id"].rsplit("/", 1)[1])
    # AND the alert was published to the created topic
    alerts = deployment.client("sqs").receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)
    assert group in " ".join(m["Body"] for m in alerts["Messages"])


def test_destroy_removes_what_apply_created(deployment: Deployment) -> None:
    # GIVEN the applied example (after the tests above)  WHEN it is destroyed
    done = deployment.terraform.run(
        ["destroy", "-auto-approve", "-refresh=false", "-parallelism=30", *deployment.variables],
        deployment.example,
        FAKE_AWS,
    )
    print(f"\nterraform destroy: {done.seconds:.1f}s")
    # THEN it succeeds and the functions and parameters are gone
    assert done.ok, done.describe()[-6000:]
    assert deployment.client("lambda").list_functions()["Functions"] == []
    assert deployment.parameters() == {}

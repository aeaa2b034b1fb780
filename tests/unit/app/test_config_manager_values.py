"""ConfigManager values: defaults, environment overrides, and errors naming the parameter."""

from __future__ import annotations

import pytest
from config_fakes import HOME, MEMBER, base_parameters, manager

from sgcompliance.config.manager import ConfigManager
from sgcompliance.config.runtime import ORGANIZATION
from sgcompliance.engine.policy import Severity
from sgcompliance.errors import ConfigError
from sgcompliance.remediation.plan import Mode
from sgcompliance.testing import FakeClock, FakeParameters, FakePolicyObject


def test_an_almost_empty_configuration_gets_the_documented_defaults() -> None:
    config = manager(base_parameters()).get()
    assert (config.mode, config.dry_run, config.regions, config.role_name) == (
        Mode.FLAG_ONLY,
        False,
        (),
        "sgcompliance-member",
    )
    assert (config.max_revokes, config.lockdown_severity) == (25, Severity.CRITICAL)
    assert (config.audit_prefix, config.backup_prefix) == ("audit/", "backups/")
    assert config.own_role_arns == frozenset({"arn:*:iam::*:role/sgcompliance-member"})


def test_every_parameter_is_read_from_ssm() -> None:
    parameters = base_parameters(
        mode="emergency_remediation",
        dry_run="TRUE",
        regions="eu-west-1, us-east-1",
        role_name="sgc-member",
        sns_topic_arn=f"arn:aws:sns:eu-west-1:{HOME}:sgc-alerts",
        max_revokes="none",
        lockdown_severity="high",
        audit_bucket="sgc-audit",
        backup_bucket="sgc-backups",
        backup_kms_key_id="alias/sgc",
        own_role_arns=f"arn:aws:iam::{HOME}:role/sgc-hub",
    )
    config = manager(parameters).get()
    assert (config.mode, config.dry_run, config.regions) == (
        Mode.EMERGENCY,
        True,
        ("eu-west-1", "us-east-1"),
    )
    assert (config.max_revokes, config.lockdown_severity, config.backup_kms_key_id) == (
        None,
        Severity.HIGH,
        "alias/sgc",
    )
    assert config.own_role_arns == {
        "arn:*:iam::*:role/sgc-member",
        f"arn:aws:iam::{HOME}:role/sgc-hub",
    }
    assert config.sns_topic_arn == f"arn:aws:sns:eu-west-1:{HOME}:sgc-alerts"


def test_an_environment_variable_overrides_its_parameter() -> None:
    config = manager(base_parameters(mode="flag_only"), environ={"SGC_DRY_RUN": "true"}).get()
    assert config.dry_run is True


def test_an_environment_policy_bypasses_s3() -> None:
    policy = FakePolicyObject()
    config = manager(policy=policy, environ={"SGC_POLICY": "builtin:cis-aws"}).get()
    assert (config.policy_ref, config.policy.id, policy.requests) == (
        "builtin:cis-aws",
        "cis-aws",
        [],
    )


def test_an_empty_environment_variable_counts_as_unset() -> None:
    config = manager(base_parameters(regions="eu-west-1"), environ={"SGC_REGIONS": ""}).get()
    assert config.regions == ("eu-west-1",)


def test_without_parameter_store_the_environment_alone_configures() -> None:
    environ = {"SGC_ACCOUNTS": HOME, "SGC_MODE": "flag_only"}
    configs = ConfigManager(None, environ=environ, clock=FakeClock(), home_account=HOME)
    config = configs.get()
    assert (config.accounts, config.policy_ref) == ((HOME,), "builtin:strict")


def test_a_misspelt_environment_variable_is_refused() -> None:
    with pytest.raises(ConfigError, match="SGC_DRYRUN: unknown; did you mean SGC_DRY_RUN"):
        manager(environ={"SGC_DRYRUN": "true"}).get()


def test_an_unrelated_sgc_environment_variable_is_left_alone() -> None:
    assert manager(environ={"SGC_LOG_LEVEL": "debug"}).get().mode is Mode.FLAG_ONLY


def test_an_unknown_parameter_under_the_path_is_refused_by_name() -> None:
    parameters = base_parameters(max_revoke="10")
    with pytest.raises(ConfigError, match="/sgcompliance/max_revoke: unknown parameter"):
        manager(parameters).get()


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("mode", "remove", "is not one of flag_only"),
        ("dry_run", "yes", "is not true or false"),
        ("accounts", "1111,222222222222", "'1111' is not a 12-digit account id"),
        ("regions", "eu-west-1,europe", "'europe' is not an AWS region name"),
        ("role_name", "bad role", "is not an IAM role name"),
        ("policy", "s3://sgc-policies", "is not s3://BUCKET/KEY"),
        ("policy", "builtin:nope", "unknown built-in pack"),
        ("sns_topic_arn", "sgc-alerts", "is not an SNS topic ARN"),
        ("max_revokes", "-1", "is not a whole number >= 0"),
        ("lockdown_severity", "severe", "is not one of info, low, medium, high, critical"),
        ("audit_bucket", "Bad_Bucket", "is not an S3 bucket name"),
        ("backup_bucket", "x", "is not an S3 bucket name"),
        ("backup_prefix", "a b", "is not an S3 key prefix"),
        ("backup_kms_key_id", "key id", "is not a KMS key id"),
        ("own_role_arns", "arn:aws:iam::1:user/x", "is not an IAM role ARN"),
        ("mode_overrides", "{", "not valid JSON"),
        ("mode_overrides", '{"accounts": {"1": "flag_only"}}', "$.accounts: '1' is not an account"),
        ("mode_overrides", '{"ous": {"ou-ab12-cdef3456": "x"}}', "$.ous['ou-ab12-cdef3456']"),
        ("mode_overrides", '{"tags": [{"key": "env"}]}', "$.tags[0]: must be an object"),
        ("mode_overrides", '{"team": {}}', "unknown key 'team'"),
    ],
)
def test_each_invalid_parameter_is_named_with_its_problem(
    name: str, value: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        manager(base_parameters(**{name: value})).get()
    assert str(caught.value).startswith(f"/sgcompliance/{name}: ")
    assert problem in str(caught.value)


def test_an_invalid_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^SGC_MAX_REVOKES \(environment\): 'many'"):
        manager(environ={"SGC_MAX_REVOKES": "many"}).get()


def test_an_invalid_external_id_is_never_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        manager(base_parameters(external_id="s3cr3t value")).get()
    assert "/sgcompliance/external_id" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_cross_account_without_an_external_id_is_refused_by_name() -> None:
    parameters = base_parameters()
    del parameters.values["/sgcompliance/external_id"]
    with pytest.raises(ConfigError, match=r"/sgcompliance/external_id \(or SGC_EXTERNAL_ID\)"):
        manager(parameters).get()


def test_the_whole_organization_without_an_external_id_is_refused() -> None:
    parameters = FakeParameters({"/sgcompliance/accounts": ORGANIZATION})
    with pytest.raises(ConfigError, match="external_id"):
        manager(parameters).get()


def test_a_local_endpoint_runs_cross_account_without_an_external_id() -> None:
    parameters = FakeParameters({"/sgcompliance/accounts": MEMBER})
    assert manager(parameters, local=True).get().external_id is None


def test_only_the_home_account_needs_no_external_id() -> None:
    parameters = FakeParameters({"/sgcompliance/accounts": HOME})
    assert manager(parameters).get().accounts == (HOME,)


def test_a_revoking_mode_without_a_backup_bucket_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"/sgcompliance/backup_bucket \(or SGC_BACKUP_BUCKET\)"):
        manager(base_parameters(mode="remove_non_compliant_rules")).get()


def test_a_revoking_override_without_a_backup_bucket_is_refused() -> None:
    overrides = '{"accounts": {"111111111111": "emergency_remediation"}}'
    with pytest.raises(ConfigError, match="emergency_remediation revokes rules"):
        manager(base_parameters(mode_overrides=overrides)).get()


def test_a_dry_run_needs_no_backup_bucket() -> None:
    config = manager(base_parameters(mode="remove_non_compliant_rules", dry_run="true")).get()
    assert config.mode is Mode.REMOVE


def test_an_invalid_policy_document_is_named_with_the_parameter() -> None:
    policy = FakePolicyObject('{"version": "1", "id": "x", "checks": "all"}')
    with pytest.raises(ConfigError, match="/sgcompliance/policy: the policy s3://"):
        manager(policy=policy).get()


def test_a_yaml_policy_object_is_read_as_yaml() -> None:
    policy = FakePolicyObject("version: '1'\nid: team-yaml\nextends: builtin:strict\n")
    parameters = base_parameters(policy="s3://sgc-policies/policy.yaml")
    assert manager(parameters, policy).get().policy.id == "team-yaml"


def test_the_external_id_never_appears_in_repr_or_the_log_summary() -> None:
    config = manager(base_parameters(external_id="ext-0123456789")).get()
    assert "ext-0123456789" not in repr(config)
    assert "ext-0123456789" not in str(config.to_log())
    assert config.to_log()["external_id_set"] is True


def test_a_custom_parameter_path_is_used() -> None:
    parameters = FakeParameters({"/teams/sec/sgc/accounts": HOME})
    configs = ConfigManager(
        parameters, environ={"SGC_PARAMETER_PATH": "/teams/sec/sgc/"}, home_account=HOME
    )
    assert (configs.path, configs.get().accounts) == ("/teams/sec/sgc", (HOME,))

"""Mode per account, tag or OU: account > tag > OU > default."""

from __future__ import annotations

import pytest
from config_fakes import MEMBER, base_parameters, manager

from sgcompliance.config.manager import AccountPlacement
from sgcompliance.config.mode_overrides import ModeOverrides, TagOverride
from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.engine.policy import Policy
from sgcompliance.remediation.plan import Mode
from sgcompliance.testing import FakeDirectory

OU_DEV = "ou-ab12-devdevdev"
OU_TEAM = "ou-ab12-teamteam"
ROOT = "r-ab12"


def config(overrides: ModeOverrides) -> RuntimeConfig:
    policy = Policy("p", "1", ())
    return RuntimeConfig(
        mode=Mode.FLAG_ONLY,
        dry_run=False,
        accounts="organization",
        regions=(),
        role_name="sgcompliance-member",
        policy=policy,
        policy_ref="builtin:strict",
        mode_overrides=overrides,
    )


OVERRIDES = ModeOverrides(
    accounts={"222222222222": Mode.EMERGENCY},
    tags=(
        TagOverride("environment", "production", Mode.FLAG_ONLY),
        TagOverride("environment", "development", Mode.REMOVE),
    ),
    ous={OU_DEV: Mode.REMOVE, ROOT: Mode.FLAG_ONLY, OU_TEAM: Mode.EMERGENCY},
)


@pytest.mark.parametrize(
    ("account", "ous", "tags", "mode"),
    [
        ("222222222222", (OU_DEV, ROOT), {"environment": "production"}, Mode.EMERGENCY),
        (MEMBER, (OU_DEV, ROOT), {"environment": "production"}, Mode.FLAG_ONLY),
        (MEMBER, (ROOT,), {"environment": "development"}, Mode.REMOVE),
        (MEMBER, (OU_DEV, ROOT), {}, Mode.REMOVE),
        (MEMBER, (OU_TEAM, OU_DEV, ROOT), {}, Mode.EMERGENCY),
        (MEMBER, (ROOT,), {"environment": "Development"}, Mode.FLAG_ONLY),
        (MEMBER, (), {}, Mode.FLAG_ONLY),
    ],
)
def test_precedence_is_account_then_tag_then_nearest_ou_then_default(
    account: str, ous: tuple[str, ...], tags: dict[str, str], mode: Mode
) -> None:
    assert config(OVERRIDES).mode_for(account, ous, tags) is mode


def test_the_manager_resolves_an_accounts_mode_through_the_directory() -> None:
    # GIVEN development accounts (by tag) remediating, and the default flag_only
    overrides = (
        '{"tags": [{"key": "environment", "value": "development", '
        '"mode": "remove_non_compliant_rules"}]}'
    )
    parameters = base_parameters(mode_overrides=overrides, backup_bucket="sgc-backups")
    directory = FakeDirectory(
        {MEMBER: AccountPlacement((OU_DEV, ROOT), {"environment": "development"})}
    )
    configs = manager(parameters, directory=directory)
    # THEN the tagged account remediates and another one only flags
    assert configs.mode_for_account(MEMBER) is Mode.REMOVE
    assert configs.mode_for_account("222222222222") is Mode.FLAG_ONLY


def test_overrides_are_read_only_after_loading() -> None:
    overrides = ModeOverrides(accounts={MEMBER: Mode.REMOVE})
    with pytest.raises(TypeError):
        overrides.accounts[MEMBER] = Mode.EMERGENCY  # type: ignore[index]

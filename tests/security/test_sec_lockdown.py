"""Emergency lockdown has limits: it never touches a group the policy exempts, and never the
hub's own account (whose groups carry the remediator's own way to AWS)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sgcompliance.config.manager import ConfigManager
from sgcompliance.engine.policy import Exemption, Policy
from sgcompliance.policy.loader import load_policy
from sgcompliance.remediation.plan import Mode
from support.pipeline_world import GROUP, MEMBER, OTHER, World, event_for, open_ssh_group, world

HTTPS_PRIVATE = "sgr-06f70819203142536"  # the fixture group's one compliant rule


def exempting(**criteria: object) -> Policy:
    exemption = Exemption(
        "EX-SEC", "platform", "break-glass bastion", "SEC-9", date(2099, 1, 1), **criteria
    )
    policy = load_policy("builtin:strict")
    return replace(policy, exemptions=(*policy.exemptions, exemption))


def remaining_rules(w: World, group_id: str = GROUP) -> set[str]:
    return {r.rule_id for r in w.gateway.groups[group_id].rules}


def test_emergency_mode_locks_down_a_violating_group_completely() -> None:
    # GIVEN emergency mode and the fixture group with SSH open to the world
    w = world(mode=Mode.EMERGENCY)
    # WHEN its change arrives  THEN every rule is revoked, the compliant one too
    w.app.handle(event_for())
    assert remaining_rules(w) == set()


def test_emergency_mode_never_touches_a_group_exempted_by_id() -> None:
    w = world(mode=Mode.EMERGENCY, policy=exempting(group_ids=frozenset({GROUP})))
    w.app.handle(event_for())
    assert w.writes == []
    assert len(remaining_rules(w)) == 3


def test_emergency_mode_never_touches_a_group_exempted_by_tag() -> None:
    tagged = replace(open_ssh_group(), tags={"sgc-exempt": "bastion"})
    w = world(tagged, mode=Mode.EMERGENCY, policy=exempting(tags=(("sgc-exempt", "bastion"),)))
    w.app.handle(event_for())
    assert w.writes == []


def test_emergency_mode_never_touches_a_group_in_an_exempted_account() -> None:
    w = world(mode=Mode.EMERGENCY, policy=exempting(accounts=frozenset({MEMBER})))
    w.app.handle(event_for())
    assert w.writes == []


def test_the_hubs_own_account_is_never_locked_down_only_its_violations_removed() -> None:
    # GIVEN emergency mode, and the changed group in the account the tool runs in
    w = world(mode=Mode.EMERGENCY, hub_account=MEMBER)
    # WHEN its change arrives
    body = w.app.handle(event_for()).body
    # THEN the world-open rules go, the compliant rule stays: no complete lockdown
    assert remaining_rules(w) == {HTTPS_PRIVATE}
    assert body["decisions"][0]["action"] == "revoke"


def test_the_configuration_names_the_account_it_runs_in_as_the_hub() -> None:
    # GIVEN emergency mode configured for every account, loaded where the tool runs
    environ = {
        "SGC_MODE": "emergency_remediation",
        "SGC_ACCOUNTS": f"{MEMBER},{OTHER}",
        "SGC_EXTERNAL_ID": "ext-0123456789",
        "SGC_BACKUP_BUCKET": "sgc-backups",
    }
    configs = ConfigManager(None, environ=environ, home_account=MEMBER)
    # THEN the hub's account is downgraded to removing violations; other accounts are not
    assert configs.mode_for_account(MEMBER) is Mode.REMOVE
    assert configs.mode_for_account(OTHER) is Mode.EMERGENCY


def test_an_operator_asking_for_emergency_mode_still_spares_the_hubs_own_account() -> None:
    # GIVEN the changed group in the account the tool runs in, and a configured removal mode
    w = world(hub_account=MEMBER)
    # WHEN an operator asks for an emergency remediation of that account explicitly
    request = {"action": "remediate", "accounts": [MEMBER], "mode": "emergency_remediation"}
    body = w.app.handle(request).body
    # THEN the world-open rules go and the compliant rule stays: no complete lockdown
    assert remaining_rules(w) == {HTTPS_PRIVATE}
    assert body["decisions"][0]["action"] == "revoke"

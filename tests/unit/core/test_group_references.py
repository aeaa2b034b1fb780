"""Security-group references: same account is internal, another account must be trusted."""

from __future__ import annotations

from estate_builder import (
    ACCOUNT,
    OTHER_ACCOUNT,
    check,
    flagged,
    group,
    one_finding,
    policy,
    port_spec,
    restricted,
    rule,
    scan,
    snapshot,
)

from sgcompliance.engine.findings import Reason
from sgcompliance.engine.model import Rule
from sgcompliance.engine.policy import Check, Settings, Sources, UntrustedReference

UNTRUSTED = check(UntrustedReference())


def references_flagged(
    *rules_: Rule, chk: Check = UNTRUSTED, settings: Settings | None = None
) -> list[str | None]:
    return flagged(scan(policy(chk, settings=settings), snapshot(group(*rules_))))


def test_reference_to_a_group_of_the_same_account_is_fine() -> None:
    assert references_flagged(rule("sgr-1", f"{ACCOUNT}/sg-app")) == []


def test_reference_without_an_owner_is_the_groups_own_account() -> None:
    assert references_flagged(rule("sgr-1", "sg-app")) == []


def test_reference_to_another_account_is_flagged() -> None:
    # GIVEN a rule referencing a group of another account, which nobody trusts
    result = scan(policy(UNTRUSTED), snapshot(group(rule("sgr-1", f"{OTHER_ACCOUNT}/sg-x"))))
    # WHEN judged  THEN flagged, naming the account
    finding = one_finding(result)
    assert finding.reason is Reason.UNTRUSTED_REFERENCE
    assert OTHER_ACCOUNT in finding.message


def test_account_trusted_in_settings_is_fine() -> None:
    settings = Settings(trusted_accounts=frozenset({OTHER_ACCOUNT}))
    assert references_flagged(rule("sgr-1", f"{OTHER_ACCOUNT}/sg-x"), settings=settings) == []


def test_account_trusted_by_the_check_is_fine() -> None:
    chk = check(UntrustedReference(trusted_accounts=frozenset({OTHER_ACCOUNT})))
    assert references_flagged(rule("sgr-1", f"{OTHER_ACCOUNT}/sg-x"), chk=chk) == []


def test_trusting_one_account_does_not_trust_another() -> None:
    chk = check(UntrustedReference(trusted_accounts=frozenset({"333333333333"})))
    assert references_flagged(rule("sgr-1", f"{OTHER_ACCOUNT}/sg-x"), chk=chk) == ["sgr-1"]


def test_references_are_never_world_or_public() -> None:
    # GIVEN a cross-account reference on tcp 22  WHEN judged for world/public access  THEN fine
    chk = check(restricted(port_spec("tcp", 22), sources=Sources(world=True, public=True)))
    assert references_flagged(rule("sgr-1", f"{OTHER_ACCOUNT}/sg-x"), chk=chk) == []

"""Selectors: which accounts, regions and tagged groups a check applies to."""

from __future__ import annotations

from dataclasses import replace

import pytest
from estate_builder import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    check,
    flagged,
    group,
    policy,
    port_spec,
    restricted,
    rule,
    scan,
    snapshot,
)

from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.engine.policy import Selector

SPEC = restricted(port_spec("tcp", 22))


def estate(account: str = ACCOUNT, region: str = REGION, **tags: str) -> RegionSnapshot:
    return snapshot(
        group(rule("sgr-1", "0.0.0.0/0"), account=account, region=region, tags=tags),
        account=account,
        region=region,
    )


def selected(selector: Selector, snap: RegionSnapshot) -> bool:
    return bool(flagged(scan(policy(check(SPEC, selector=selector)), snap)))


def test_empty_selector_applies_everywhere() -> None:
    assert selected(Selector(), estate(OTHER_ACCOUNT, "ap-south-1"))


def test_account_selector_applies_to_its_accounts_only() -> None:
    chosen = Selector(accounts=frozenset({ACCOUNT}))
    assert selected(chosen, estate(ACCOUNT))
    assert not selected(chosen, estate(OTHER_ACCOUNT))


def test_region_selector_applies_to_its_regions_only() -> None:
    chosen = Selector(regions=frozenset({"us-east-1"}))
    assert selected(chosen, estate(region="us-east-1"))
    assert not selected(chosen, estate(region=REGION))


@pytest.mark.parametrize(
    ("tags", "applies"),
    [({"Env": "prod"}, True), ({"Env": "dev"}, False), ({"env": "prod"}, False), ({}, False)],
)
def test_tag_selector_needs_the_exact_key_and_value(tags: dict[str, str], applies: bool) -> None:
    assert selected(Selector(group_tags=(("Env", "prod"),)), estate(**tags)) is applies


@pytest.mark.parametrize(("tags", "applies"), [({"Env": "anything"}, True), ({"Team": "x"}, False)])
def test_tag_selector_without_value_needs_the_key_only(tags: dict[str, str], applies: bool) -> None:
    assert selected(Selector(group_tags=(("Env", None),)), estate(**tags)) is applies


def test_every_tag_of_the_selector_must_be_present() -> None:
    both = Selector(group_tags=(("Env", "prod"), ("Tier", None)))
    assert not selected(both, estate(Env="prod"))
    assert selected(both, estate(Env="prod", Tier="web"))


def test_disabled_check_finds_nothing() -> None:
    disabled = replace(check(SPEC), enabled=False)
    assert scan(policy(disabled), estate()).findings == ()

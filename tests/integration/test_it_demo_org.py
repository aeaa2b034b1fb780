"""The demo organization seeded into the moto server, read back and judged by the engine."""

from __future__ import annotations

from datetime import date

import pytest

from sgcompliance.adapters.aws.accounts import organization_accounts
from sgcompliance.adapters.aws.assume import AccountClients, RoleAssumer
from sgcompliance.adapters.aws.ec2 import read_region
from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.model import Attachment, RegionSnapshot
from sgcompliance.engine.policy import Exemption
from sgcompliance.errors import ConfigError
from sgcompliance.local.seed.organization import DemoOrg, seed_demo_org
from sgcompliance.sources.snapshot import read_snapshot
from support.it_policy import ADMIN_PORTS, ALL_TRAFFIC, DEFAULT_CLOSED, UNTRUSTED, admin_policy

pytestmark = pytest.mark.integration

TODAY = date(2026, 1, 1)


def read_all(org: DemoOrg) -> list[RegionSnapshot]:
    """Every account x region, read the way a scan reads it: through the member role."""
    factory = ClientFactory(AwsSettings.from_options(endpoint_url=org.endpoint))
    clients = AccountClients(factory, RoleAssumer(factory.sts(), org.role))
    return [
        read_snapshot(read_region(clients.ec2(s.account_id, s.region), s.account_id, s.region))
        for s in org.scopes
    ]


def scan(org: DemoOrg, *exemptions: Exemption) -> ScanResult:
    policy = admin_policy(trusted=org.account_ids, exemptions=exemptions)
    return evaluate(policy, read_all(org), today=TODAY)


def flagged(result: ScanResult, check_id: str) -> dict[tuple[str, str], set[str]]:
    """(account, region) -> names of groups with a violation of `check_id`."""
    out: dict[tuple[str, str], set[str]] = {}
    for f in result.violations:
        if f.check_id == check_id:
            out.setdefault((f.account_id, f.region), set()).add(f.group.name)
    return out


def test_three_accounts_by_two_regions_are_seeded(demo_org: DemoOrg) -> None:
    scopes = {(s.account_id, s.region) for s in read_all(demo_org)}
    assert len(set(demo_org.account_ids)) == 3
    assert scopes == {(a, r) for a in demo_org.account_ids for r in ("us-east-1", "eu-west-1")}


def test_world_open_admin_ports_are_found_in_every_account_region(demo_org: DemoOrg) -> None:
    # WHEN the whole demo organization is scanned
    by_scope = flagged(scan(demo_org), ADMIN_PORTS)
    # THEN in each of the 6 scopes: SSH from the world, RDP from ::/0, a port range covering
    # RDP, and SSH through a prefix list holding 0.0.0.0/0
    expected = {"bastion-ssh", "rdp-ipv6", "legacy-ephemeral", "admin-via-prefix-list"}
    assert len(by_scope) == 6
    assert all(expected <= names for names in by_scope.values())


def test_the_exemption_tag_suppresses_the_approved_bastion(demo_org: DemoOrg) -> None:
    key, value = demo_org.exemption_tag
    exemption = Exemption("bastion", "platform-team", "approved bastion", tags=((key, value),))
    result = scan(demo_org, exemption)
    exempted = {f.group.name for f in result.exempted}
    violating = {n for names in flagged(result, ADMIN_PORTS).values() for n in names}
    assert exempted == {"bastion-exempt"}
    assert "bastion-exempt" not in violating


def test_without_the_exemption_the_bastion_is_a_violation(demo_org: DemoOrg) -> None:
    violating = {n for names in flagged(scan(demo_org), ADMIN_PORTS).values() for n in names}
    assert "bastion-exempt" in violating


def test_two_half_internet_ranges_are_world_open_together(demo_org: DemoOrg) -> None:
    dev = demo_org.account_id("demo-dev")
    by_scope = flagged(scan(demo_org), ALL_TRAFFIC)
    assert {scope for scope, names in by_scope.items() if "all-traffic-split" in names} == {
        (dev, "us-east-1"),
        (dev, "eu-west-1"),
    }


def test_every_default_group_has_rules(demo_org: DemoOrg) -> None:
    by_scope = flagged(scan(demo_org), DEFAULT_CLOSED)
    assert len(by_scope) == 6
    assert all(names == {"default"} for names in by_scope.values())


def test_only_the_outside_vendor_reference_is_untrusted(demo_org: DemoOrg) -> None:
    result = scan(demo_org)
    peers = {
        f.rule.peer.account_id
        for f in result.violations
        if f.check_id == UNTRUSTED and f.rule is not None
    }
    assert peers == {demo_org.vendor_account}


def test_attachment_mix_is_public_private_and_orphaned(demo_org: DemoOrg) -> None:
    snapshot = read_all(demo_org)[0]
    states = {g.name: g.attachment for g in snapshot.groups}
    assert states["web-frontend"] is Attachment.EXPOSED
    assert states["db-private"] is Attachment.ATTACHED
    assert states["rdp-ipv6"] is Attachment.UNATTACHED


def test_organization_discovery_finds_the_demo_accounts(demo_org: DemoOrg) -> None:
    factory = ClientFactory(AwsSettings.from_options(endpoint_url=demo_org.endpoint))
    found = organization_accounts(factory.organizations())
    assert set(found) == {*demo_org.account_ids, demo_org.management_account}


def test_seeding_twice_is_refused(demo_org: DemoOrg) -> None:
    factory = ClientFactory(AwsSettings.from_options(endpoint_url=demo_org.endpoint))
    with pytest.raises(ConfigError, match="already seeded"):
        seed_demo_org(factory)


def test_seeding_real_aws_is_refused() -> None:
    factory = ClientFactory(AwsSettings(endpoint_url="https://ec2.us-east-1.amazonaws.com"))
    with pytest.raises(ConfigError, match="refusing"):
        seed_demo_org(factory)

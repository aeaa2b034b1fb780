"""Owner routing through the use cases: a change event's alert and a sweep's alert carry the
owners of the groups they are about, read from the tags of the groups as judged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from config_fakes import base_parameters, manager

from sgcompliance.config.mode_overrides import AccountPlacement
from sgcompliance.config.owner_tags import parse_owner_tags
from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.errors import AccessDeniedError
from sgcompliance.events.classify import WorkItem
from sgcompliance.records.owner_routing import NO_ROUTING
from sgcompliance.testing import FakeDirectory
from sgcompliance.testing.pipeline import FakeConfigs
from support.pipeline_world import MEMBER, OTHER, REGION, event_for, open_ssh_group, world

SWEEP = "sweep-20261127T020000Z-4f2a9c1e"
ISSUED = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def sqs_batch(*accounts: str) -> dict[str, object]:
    bodies = [WorkItem(a, REGION, SWEEP, ISSUED, None).to_body() for a in accounts]
    return {
        "Records": [
            {"messageId": f"m{n}", "body": b, "eventSource": "aws:sqs", "attributes": {}}
            for n, b in enumerate(bodies)
        ]
    }


def test_a_change_event_s_alert_carries_its_group_s_team() -> None:
    # GIVEN the changed group tagged with its team
    w = world(replace(open_ssh_group(), tags={"Team": "payments", "Owner": "alice\n"}))
    # WHEN its event is handled
    w.app.handle(event_for())
    # THEN the alert carries the team and owner as routing attributes
    (alert,) = w.alerts
    assert alert.routing == {"owner": ("alice",), "team": ("payments",)}


def test_a_sweep_alert_names_the_team_of_every_group() -> None:
    w = world(
        replace(open_ssh_group(), tags={"Team": "payments"}),
        replace(open_ssh_group(account=OTHER), tags={"Team": "web"}),
    )
    w.app.handle(sqs_batch(MEMBER, OTHER))
    (alert,) = w.alerts
    assert sorted(alert.routing["team"]) == ["payments", "web"]


def test_the_configured_tag_keys_are_the_ones_read() -> None:
    routing = parse_owner_tags("squad=Squad", "test")
    w = world(replace(open_ssh_group(), tags={"Team": "payments", "Squad": "blue"}),
              owner_routing=routing)  # fmt: skip
    w.app.handle(event_for())
    assert w.alerts[0].routing == {"squad": ("blue",)}


def test_routing_off_leaves_the_alert_as_it_was() -> None:
    w = world(replace(open_ssh_group(), tags={"Team": "payments"}), owner_routing=NO_ROUTING)
    w.app.handle(event_for())
    assert w.alerts[0].routing == {}
    assert "owners" not in w.alerts[0].body()


class TaggedAccounts(FakeConfigs):
    """A configuration source that knows the accounts' tags, as `ConfigManager` does through
    the organization's directory."""

    def __init__(self, value: RuntimeConfig, tags: dict[str, dict[str, str]]) -> None:
        super().__init__(value)
        self.tags = tags
        self.asked: list[str] = []

    def account_tags(self, account_id: str) -> dict[str, str]:
        self.asked.append(account_id)
        if account_id not in self.tags:
            raise AccessDeniedError(f"ListTagsForResource {account_id}: access denied")
        return self.tags[account_id]


def test_the_account_s_tag_routes_a_group_without_one() -> None:
    # GIVEN account-tag fall-back, an untagged group, and an account tagged Team=platform
    w = world(owner_routing=parse_owner_tags("team=Team,team=account:Team", "test"))
    source = TaggedAccounts(w.configs.value, {MEMBER: {"Team": "platform"}})
    w.pipeline.configs = source
    # WHEN the event is handled  THEN the alert is routed to the account's team
    w.app.handle(event_for())
    assert w.alerts[0].routing == {"team": ("platform",)}
    assert source.asked == [MEMBER]


def test_an_account_whose_tags_cannot_be_read_still_gets_its_alert() -> None:
    w = world(owner_routing=parse_owner_tags("team=account:Team", "test"))
    w.pipeline.configs = TaggedAccounts(w.configs.value, {})
    w.app.handle(event_for())
    (alert,) = w.alerts
    assert alert.routing == {}


def test_the_config_manager_reads_account_tags_from_its_directory_and_caches_them() -> None:
    # GIVEN alert_owner_tags in SSM and an organization that tags the member account
    parameters = base_parameters(alert_owner_tags="team=Team,team=account:Team")
    directory = FakeDirectory({MEMBER: AccountPlacement(("r-ab12",), {"Team": "platform"})})
    configs = manager(parameters, directory=directory)
    # THEN the parameter is parsed, and the tags are read once while the placement is cached
    assert configs.get().owner_routing.describe() == "team=Team,team=account:Team"
    assert configs.account_tags(MEMBER) == configs.account_tags(MEMBER) == {"Team": "platform"}
    assert directory.calls == [MEMBER]
    # AND without a directory there are none, and no error
    assert manager(parameters).account_tags(MEMBER) == {}

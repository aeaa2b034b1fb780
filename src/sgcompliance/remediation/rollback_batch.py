"""The end of many restores of one account x region at once: one read verifies them all, and
one call per identical set of keys removes their tags.

Each group is judged exactly as a restore of it alone judges it (`RollbackService.settle`), by
its own rules and tags in the read: the read is a `group-id` filter of up to 200 groups
(`BatchGateway.rules_of`, then `tags_of`), never a merge of the groups' rules. A group that read
does not show (deleted since its authorize: a filter leaves it out instead of failing the call)
or every group, when the shared read fails (throttled, denied), is described on its own
afterwards, as a restore of it alone would be: a group that is gone fails itself only, and
nothing is verified by a read that did not happen.

The tags go as a restore of one group writes them, to each group whose pointer names the
backup restored: a group whose rules could not all come back is tagged `rollback-partial` on
its own (rare), and the groups whose tags all go lose them in one `DeleteTags` per identical set
of keys; when that call fails (a group gone since the read fails it as a whole), each group of
it is untagged on its own, and only a group whose own call fails fails.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sgcompliance.engine.model import Rule
from sgcompliance.errors import SgcError
from sgcompliance.remediation.ports import BatchGateway, GroupGateway
from sgcompliance.remediation.rollback import RollbackOutcome, RollbackService, unexpected
from sgcompliance.remediation.rollback_restore import Retagged, write_tags

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Restoring:
    """One group's restore, its rules authorized: to verify, then to tag. `error`: why it
    stopped after its authorizes (the group gone, a call throttled)."""

    outcome: RollbackOutcome
    error: SgcError | None = None

    @property
    def group_id(self) -> str:
        return self.outcome.group_id


def conclude(
    service: RollbackService, gateway: GroupGateway, restoring: Sequence[Restoring]
) -> None:
    """Verify and tag every restore of `restoring` (one account x region, rules authorized),
    setting each one's `error` when it could not be."""
    read = read_after(gateway, [r.group_id for r in restoring])
    # Each restore with its own decision: two restores can name one group (a backup filed under
    # another group's id, forced past that problem), and neither decides for the other.
    settled: list[tuple[Restoring, Retagged]] = []
    for item in restoring:
        try:
            rules, tags = read.get(item.group_id) or described(gateway, item.group_id)
            settled.append((item, service.settle(item.outcome, rules, tags)))
        except SgcError as exc:
            item.error = exc
        except Exception as exc:  # the per-group boundary: this restore fails, the others go on
            item.error = unexpected(exc)
    by_keys: dict[tuple[str, ...], list[tuple[Restoring, Retagged]]] = {}
    for item, change in settled:
        if change.removed and change.status is None:
            by_keys.setdefault(change.removed, []).append((item, change))
        else:
            _write_alone(gateway, item, change)
    for keys, members in by_keys.items():
        if len(members) > 1 and isinstance(gateway, BatchGateway):
            try:
                gateway.remove_tags_many([item.group_id for item, _ in members], keys)
                continue
            except Exception as exc:  # any failure of the shared call: each group on its own
                log.info("untagging %d groups at once failed (%s): one by one", len(members), exc)
        for item, change in members:
            _write_alone(gateway, item, change)


Read = tuple[Sequence[Rule], Mapping[str, str]]


def read_after(gateway: GroupGateway, group_ids: Sequence[str]) -> dict[str, Read]:
    """The rules (by content) and tags of the listed groups that exist, in one read for many
    where the gateway can (a group missing from it is described alone); empty where it cannot
    or the read fails. Content is what a restore is verified by: rule ids are not needed."""
    if len(group_ids) < 2 or not isinstance(gateway, BatchGateway):
        return {}
    try:
        groups = gateway.groups_of(group_ids)
    except SgcError as exc:
        log.info("reading %d groups at once failed (%s): each is described", len(group_ids), exc)
        return {}
    return {g: (groups[g].rules, groups[g].tags) for g in group_ids if g in groups}


def described(gateway: GroupGateway, group_id: str) -> Read:
    """The group's rules and tags, from a describe of it alone (NotFoundError: it is gone)."""
    group = gateway.describe_group(group_id)
    return group.rules, group.tags


def _write_alone(gateway: GroupGateway, item: Restoring, change: Retagged) -> None:
    try:
        write_tags(gateway, item.group_id, change)
    except SgcError as exc:
        item.error = exc
    except Exception as exc:  # the per-group boundary: this restore fails, the others go on
        item.error = unexpected(exc)

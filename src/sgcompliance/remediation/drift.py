"""Changes since read: how a group's rules differ from the pre-image a plan was judged on.

`ModifySecurityGroupRules` keeps a rule's id while changing what it allows, so ids alone cannot
say whether the rule about to be revoked is still the rule that was judged; content can. Two
rules are the same here when id, what AWS matches (`rule_identity`) and description agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sgcompliance.engine.model import Rule
from sgcompliance.engine.rule_codec import rule_identity

RuleContent = tuple[str, tuple[str, str, int | None, int | None, str, str, str], str]


def content(rule: Rule) -> RuleContent:
    return (rule.rule_id, rule_identity(rule), rule.description)


@dataclass(frozen=True, slots=True)
class Drift:
    """Rule ids of the pre-image that changed in place or went away, and ids that are new."""

    changed: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    added: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changed or self.gone or self.added)

    def describe(self) -> str:
        named = (("changed", self.changed), ("gone", self.gone), ("added", self.added))
        parts = [f"{label} {', '.join(ids)}" for label, ids in named if ids]
        return "; ".join(parts)


def drift(pre_image: Sequence[Rule], current: Sequence[Rule]) -> Drift:
    before = {r.rule_id: content(r) for r in pre_image}
    now = {r.rule_id: content(r) for r in current}
    return Drift(
        changed=tuple(sorted(i for i in before if i in now and now[i] != before[i])),
        gone=tuple(sorted(i for i in before if i not in now)),
        added=tuple(sorted(i for i in now if i not in before)),
    )


def still_present(planned: Iterable[Rule], current: Sequence[Rule]) -> list[Rule]:
    """The planned rules whose exact content the group still holds (under any id)."""
    present = {rule_identity(r) for r in current}
    return [r for r in planned if rule_identity(r) in present]


@dataclass(frozen=True, slots=True)
class RevokeResult:
    """What a revoke by content did. `unknown`: requested rules whose content the group no
    longer held, so nothing was removed for them. `revoked_ids`: the ids AWS says it removed,
    where the answer lists them (None where it does not)."""

    unknown: tuple[Rule, ...] = ()
    revoked_ids: tuple[str, ...] | None = None
    # Whether the answer accounts for every requested rule by itself. An answer that lists no
    # ids but names unknown permissions does not: AWS may word those differently from the
    # request, so which rules they stand for is matched, not told, and a read must confirm.
    accounted: bool = True

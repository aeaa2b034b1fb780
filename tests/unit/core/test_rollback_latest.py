"""`--latest` is chosen among the tool's receipts, by time as a moment: never by the text of a
key or a date, never a receipt that restores nothing, of another group, or from the future."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sgcompliance.remediation.receipt import BackupReceipt, ReceiptState
from sgcompliance.remediation.rollback_trust import latest_receipt

GROUP = "sg-0aaa0000000000001"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def receipt(stamp: str, created_at: str, **changes: object) -> BackupReceipt:
    base = BackupReceipt(
        backup_id=f"{GROUP}.{stamp}.aaaaaaaa", account_id="111111111111", region="eu-west-1",
        group_id=GROUP, created_at=created_at, sha256="0" * 64, version_id="v1",
        plan_id="plan-0", state=ReceiptState.APPLIED, revoked=("sgr-1",),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_newest_moment_wins_not_the_larger_text() -> None:
    # GIVEN two receipts whose times sort one way as text and the other way as moments
    text_later = receipt("20261127T110000000000Z", "2026-11-27T12:00:00+01:00")  # 11:00 UTC
    moment_later = receipt("20261127T113000000000Z", "2026-11-27T11:30:00+00:00")
    # WHEN the latest is chosen THEN it is the later moment
    assert latest_receipt(GROUP, [moment_later, text_later], NOW) == moment_later


def test_equal_moments_are_ordered_by_backup_id() -> None:
    first = receipt("20261127T110000000000Z", "2026-11-27T11:00:00+00:00")
    second = receipt("20261127T110000000001Z", "2026-11-27T11:00:00Z")
    assert latest_receipt(GROUP, [second, first], NOW) == second


def test_a_receipt_of_a_remediation_that_revoked_nothing_is_never_chosen() -> None:
    older = receipt("20261127T100000000000Z", "2026-11-27T10:00:00+00:00")
    nothing = receipt(
        "20261127T110000000000Z", "2026-11-27T11:00:00+00:00",
        state=ReceiptState.NOTHING, revoked=(), not_revoked=("sgr-1",),
    )  # fmt: skip
    assert latest_receipt(GROUP, [older, nothing], NOW) == older


def test_receipts_of_another_group_by_field_or_by_id_are_never_chosen() -> None:
    genuine = receipt("20261127T100000000000Z", "2026-11-27T10:00:00+00:00")
    other_field = receipt("20261127T110000000000Z", "2026-11-27T11:00:00Z", group_id="sg-0bbb")
    other_id = receipt(
        "x", "2026-11-27T11:00:00Z", backup_id="sg-0bbb.20261127T110000000000Z.aaaaaaaa"
    )
    assert latest_receipt(GROUP, [genuine, other_field, other_id], NOW) == genuine


def test_receipts_from_the_future_or_undatable_are_never_chosen() -> None:
    genuine = receipt("20261127T100000000000Z", "2026-11-27T10:00:00+00:00")
    future = receipt("20271127T100000000000Z", "2027-11-27T10:00:00+00:00")
    undated = receipt("20261127T110000000000Z", "yesterday")
    assert latest_receipt(GROUP, [genuine, future, undated], NOW) == genuine


def test_no_restorable_receipt_gives_none() -> None:
    assert latest_receipt(GROUP, [], NOW) is None

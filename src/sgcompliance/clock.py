"""The system clock, in UTC: the default of every service that takes a clock.

Pure modules take the time as an argument instead; the import contracts keep them from
importing this module, so that whatever they compute is a function of their inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_today() -> date:
    return utc_now().date()

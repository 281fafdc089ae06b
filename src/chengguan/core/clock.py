"""The one source of "now". Tests and simulations replace it; code never calls datetime.now() directly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from chengguan.core.config import DISPLAY_TZ

SHANGHAI = ZoneInfo(DISPLAY_TZ)

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """Current time, timezone-aware, in UTC."""
    return _now()


def set_clock(fn: Callable[[], datetime]) -> None:
    global _now
    _now = fn


@contextmanager
def frozen(at: datetime) -> Iterator[FrozenClock]:
    """Freeze the clock at ``at`` (aware) for the duration of the block; ``.advance()`` moves it."""
    global _now
    old = _now
    clock = FrozenClock(at)
    _now = clock
    try:
        yield clock
    finally:
        _now = old


class FrozenClock:
    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("frozen clock needs an aware datetime")
        self.at = at.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> datetime:
        self.at = self.at + timedelta(**kw)
        return self.at


def local(dt: datetime) -> datetime:
    """The same instant in Asia/Shanghai, for display."""
    return dt.astimezone(SHANGHAI)


def today_local() -> datetime:
    return local(now())

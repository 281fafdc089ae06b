"""In-process sliding-window rate limiter for public endpoints and logins.

Per process: with N workers the effective limit is up to N× the setting; put a reverse proxy limit
in front for hard guarantees (docs/operations.md)."""

from __future__ import annotations

import threading
import time
from collections import deque

from chengguan.core.errors import TooMany


class RateLimiter:
    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window_s: float = 60.0) -> None:
        if limit <= 0:
            return
        now = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and now - q[0] > window_s:
                q.popleft()
            if len(q) >= limit:
                retry = int(window_s - (now - q[0])) + 1
                raise TooMany(f"请求过于频繁，请 {retry} 秒后再试", details={"retry_after": retry})
            q.append(now)
            if len(self._hits) > 50_000:  # bound memory under address-spraying
                for k in [k for k, v in self._hits.items() if not v or now - v[-1] > window_s][:25_000]:
                    del self._hits[k]

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


limiter = RateLimiter()

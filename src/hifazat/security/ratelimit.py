"""In-process sliding-window limiter for abuse throttling (login, device ingest from unknown sources)."""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_seconds: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> bool:
        """Record one attempt; False when the key is over its limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) >= self.max_keys and key not in self._hits:
                self._hits.clear()  # bounded memory under a flood of distinct keys
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True

    def blocked(self, key: str, now: float | None = None) -> int:
        """Seconds until the key may try again (0: it may now), recording nothing."""
        now = time.monotonic() if now is None else now
        with self._lock:
            q = self._hits.get(key)
            while q and q[0] <= now - self.window:
                q.popleft()
            if not q or len(q) < self.limit:
                return 0
            return max(1, int(q[0] + self.window - now) + 1)

    def retry_after(self, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        with self._lock:
            q = self._hits.get(key)
            if not q:
                return 0
            return max(1, int(q[0] + self.window - now) + 1)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()

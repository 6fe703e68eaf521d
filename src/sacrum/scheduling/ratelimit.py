"""Rate limits for the public booking pages and e-mailed links, counted in the shared cache.

Fixed windows per (what, who): e.g. at most 10 booking requests an hour from one IP
address and 5 for one e-mail address. Keys hold a hash, never the address itself.
The cache is Sacrum's shared one (the database, or Redis via ``SACRUM_CACHE_URL``), so
the counts hold across worker processes and app servers and survive a restart.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


# Looking around (choosing a service, paging through free times).
BROWSE_PER_IP = Limit("browse-ip", 240, 600)
# Sending the details form: the e-mails it causes are what an abuser would want.
REQUEST_PER_IP = Limit("request-ip", 10, 3600)
REQUEST_PER_EMAIL = Limit("request-email", 5, 3600)
# Opening or using an e-mailed link (guessing tokens is refused by their signature first).
LINK_PER_IP = Limit("link-ip", 60, 600)


class RateLimited(Exception):
    """Too many tries; ``retry_after`` seconds until the window turns over."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many attempts.")
        self.retry_after = retry_after


# A count is read and written under a short lock (an atomic ``cache.add``), because the
# database cache's ``incr`` is a read then a write: two workers could both count "3".
LOCK_SECONDS = 5
LOCK_WAIT_SECONDS = 1.0


@contextmanager
def _locked(key: str) -> Iterator[bool]:
    lock = f"{key}:lock"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.005
    while not cache.add(lock, 1, timeout=LOCK_SECONDS):
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(pause)  # only callers with the same key (address, e-mail) wait here
        pause = min(pause * 2, 0.05)
    try:
        yield True
    finally:
        cache.delete(lock)


def hit(limit: Limit, who: str) -> None:
    """Count one try of ``who`` against ``limit``; raise ``RateLimited`` when over it.

    If the count cannot be taken (the same caller hammering in parallel), the try is
    refused rather than let through uncounted.
    """
    now = int(time.time())
    window = now // limit.seconds
    retry_after = (window + 1) * limit.seconds - now
    tag = hashlib.sha256(f"{limit.name}:{who.strip().lower()}".encode()).hexdigest()[:32]
    key = f"sacrum:ratelimit:{tag}:{window}"
    with _locked(key) as locked:
        if not locked:
            raise RateLimited(retry_after=retry_after)
        count = int(cache.get(key, 0)) + 1
        cache.set(key, count, timeout=limit.seconds + 5)
    if count > limit.count:
        raise RateLimited(retry_after=retry_after)

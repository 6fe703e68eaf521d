"""Rate limits for the public booking pages, counted in Django's cache.

Fixed windows per (what, who): e.g. at most 10 booking requests an hour from one IP
address and 5 for one e-mail address. Keys hold a hash, never the address itself.
With several app servers, point ``CACHES`` at a shared cache (Redis, database) so the
counts are shared; the local-memory default counts per process.
"""

from __future__ import annotations

import hashlib
import time
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


def hit(limit: Limit, who: str) -> None:
    """Count one try of ``who`` against ``limit``; raise ``RateLimited`` when over it."""
    now = int(time.time())
    window = now // limit.seconds
    tag = hashlib.sha256(f"{limit.name}:{who.strip().lower()}".encode()).hexdigest()[:32]
    key = f"sacrum:ratelimit:{tag}:{window}"
    cache.add(key, 0, timeout=limit.seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: start again
        cache.set(key, 1, timeout=limit.seconds + 5)
        count = 1
    if count > limit.count:
        raise RateLimited(retry_after=(window + 1) * limit.seconds - now)

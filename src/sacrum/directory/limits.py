"""Per-address rate limits on the public directory and the slot feed, in the shared cache.

The counts live in Sacrum's shared cache (the database, or Redis via
``SACRUM_CACHE_URL``), in the same fixed windows and keys as online booking's limits
(``scheduling.ratelimit``), so they hold across worker processes and app servers. Counting
every page view there would cost more than the page (a database-cache count is two write
transactions), so each process adds its count for an address in batches: the first
request of an address in a window reads the shared count, then every ``BATCH``-th, and
whenever the address might be over the limit. An address is refused only once the shared
count says so. Between two reads each process may let ``BATCH`` more through, so the
limit is approximate by that much; it is there to stop a scraper, not a person.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sacrum.kernel.actor import client_ip
from sacrum.scheduling.ratelimit import Limit, RateLimited

# A person reads a few pages; a search engine walks every practitioner's page slowly.
PAGES_PER_IP = Limit("directory-ip", 300, 600)
# A directory reading the feed fetches the manifest and every part once per refresh.
FEED_PER_IP = Limit("directory-feed-ip", 120, 600)
BATCH = 10
MAX_ADDRESSES = 10_000  # per process; older windows are dropped past this


@dataclass
class _Count:
    window: int
    shared: int = 0  # the shared count when this process last read it (with its own added)
    pending: int = 0  # counted here, not yet added to the shared count
    read: bool = False
    over: bool = False


_lock = threading.Lock()
_counts: dict[str, _Count] = {}


def reset() -> None:
    """Forget this process's counts (tests; the shared cache is not touched)."""
    with _lock:
        _counts.clear()


def _key(limit: Limit, who: str, window: int) -> str:
    tag = hashlib.sha256(f"{limit.name}:{who.strip().lower()}".encode()).hexdigest()[:32]
    return f"sacrum:ratelimit:{tag}:{window}"


def hit(limit: Limit, who: str) -> None:
    """Count one request of ``who``; raise ``RateLimited`` when the address is over ``limit``."""
    now = int(time.time())
    window = now // limit.seconds
    retry_after = (window + 1) * limit.seconds - now
    key = _key(limit, who, window)
    with _lock:
        count = _counts.get(key)
        if count is None:
            if len(_counts) >= MAX_ADDRESSES:
                for old in [k for k, c in _counts.items() if c.window != window]:
                    del _counts[old]
                if len(_counts) >= MAX_ADDRESSES:
                    _counts.clear()
            count = _counts[key] = _Count(window)
        if count.over:
            raise RateLimited(retry_after=retry_after)
        count.pending += 1
        ask = not count.read or count.pending >= BATCH or count.shared + count.pending > limit.count
        if not ask:
            return
        pending, count.pending, count.read = count.pending, 0, True
    # Outside the lock: the cache may be a database. A lost update between two processes
    # adding at the same instant is possible and harmless here (see the module's note).
    total = int(cache.get(key, 0)) + pending
    cache.set(key, total, timeout=limit.seconds + 5)
    with _lock:
        count.shared = total
        if total > limit.count:
            count.over = True
    if total > limit.count:
        raise RateLimited(retry_after=retry_after)


def _refused_page(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    minutes = max(1, -(-exc.retry_after // 60))
    return render(request, "directory/rate_limited.html", {"minutes": minutes}, status=429)


def _refused_feed(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """A FHIR OperationOutcome in words, as bulk-data clients expect with a 429."""
    minutes = max(1, -(-exc.retry_after // 60))
    text = f"Too many requests from your address. Please try again in {minutes} minutes."
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "throttled", "diagnostics": text}],
    }
    return JsonResponse(outcome, status=429, content_type="application/fhir+json")


def limited(name: str, *, feed: bool = False) -> Callable[..., Any]:
    """Count each request against this module's limit ``name`` per address; over it, 429.

    The limit is looked up on each request, so a deployment (or a test) can change it.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                hit(globals()[name], client_ip(request) or "unknown")
            except RateLimited as exc:
                response = (_refused_feed if feed else _refused_page)(request, exc)
                response["Retry-After"] = str(exc.retry_after)
                return response
            return view(request, *args, **kwargs)

        return guarded

    return decorate

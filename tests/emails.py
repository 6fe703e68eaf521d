"""Read what the worker e-mailed: the link tokens exist only in the sent e-mails."""

from __future__ import annotations

import re

from django.core import mail


def emailed_token(path: str, index: int = -1) -> str:
    """The token of the ``path`` link (e.g. ``"/invitations/"``) in a sent e-mail (the last)."""
    body = str(mail.outbox[index].body)
    match = re.search(rf"{re.escape(path)}([^/\s]+?)(?:/|\.ics|\s|$)", body)
    assert match, f"no {path} link in: {body}"
    return match.group(1)

"""Background jobs shared by every capability. Run by `sacrum worker`.

Two ways to send e-mail:

* ``send_message(kind=..., ref=...)`` for anything addressed to a client or carrying a
  link: the queue holds only the kind and an object's id. The worker renders subject
  and body from the database at send time and, for a capability link, mints the token
  then (``sacrum.access.capabilities.reissue``). So a task row never holds a raw token,
  a client's name or anything about their health.
* ``send_email(subject=..., body=..., to=...)`` for texts that carry none of these
  (a referral letter's cover note, a staff alert without health data).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils.html import escape, urlize
from django_tasks import task


@dataclass(frozen=True)
class Sender:
    """Who an e-mail comes from in the reader's eyes: the clinic's name (the From line's
    display name; the address stays the server's, so mail is not refused as spoofed) and
    the lines that close it (postal address, phone, e-mail)."""

    name: str
    lines: tuple[str, ...] = ()


@dataclass
class Message:
    """One e-mail rendered by the worker; attachments are ``(filename, content, mimetype)``."""

    subject: str
    body: str
    to: list[str]
    reply_to: list[str] | None = None
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)
    sender: Sender | None = None


def from_address(sender: Sender | None) -> str:
    """``"Clinic name <server address>"``, or the server's own From when no clinic sends."""
    server: str = settings.DEFAULT_FROM_EMAIL or ""
    if sender is None or not sender.name:
        return server
    _name, address = parseaddr(server)
    return formataddr((sender.name, address))


def closing_lines(body: str, sender: Sender | None) -> str:
    """The sender's lines the body does not already end with (a signature is not doubled)."""
    if sender is None:
        return ""
    missing = [line for line in (sender.name, *sender.lines) if line and line not in body]
    return ("\n" + "\n".join(missing) + "\n") if missing else ""


def html_body(body: str, sender: Sender | None) -> str:
    """The HTML part beside the plain text: the same words, paragraphs kept, addresses as
    links, the clinic's name on top. Everything is escaped; no images, no tracking."""
    paragraphs = [p for p in (body + closing_lines(body, sender)).strip().split("\n\n") if p]
    shown = "".join(
        '<p style="margin:0 0 1em;white-space:pre-wrap">'
        + urlize(p.strip("\n"), nofollow=True, autoescape=True)
        + "</p>"
        for p in paragraphs
    )
    head = (
        f'<p style="font-size:1.15em;font-weight:600;margin:0 0 1em">{escape(sender.name)}</p>'
        if sender is not None and sender.name
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head>'
        '<body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1d2327;'
        'line-height:1.5;max-width:38rem;margin:0 auto;padding:1rem">'
        f"{head}{shown}</body></html>"
    )


def build_email(message: Message) -> EmailMultiAlternatives:
    """A rendered message as the e-mail sent: plain text first, the HTML part beside it."""
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body + closing_lines(message.body, message.sender),
        from_email=from_address(message.sender),
        to=message.to,
        reply_to=message.reply_to or None,
    )
    email.attach_alternative(html_body(message.body, message.sender), "text/html")
    for filename, content, mimetype in message.attachments:
        email.attach(filename, content, mimetype)
    return email


Renderer = Callable[[str], "Message | None"]
_RENDERERS: dict[str, Renderer] = {}


def message(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of one kind of e-mail: ``"<module>:<name>"``, e.g.
    ``"sacrum.screening.links:intake"``. It gets the id and returns the e-mail, or
    ``None`` when there is nothing to send any more (the link was used or revoked)."""

    def register(renderer: Renderer) -> Renderer:
        _RENDERERS[kind] = renderer
        return renderer

    return register


def renderer_for(kind: str) -> Renderer:
    """The registered renderer; its module is imported on first use (only Sacrum's own)."""
    if kind not in _RENDERERS:
        module, _, _name = kind.partition(":")
        if not module.startswith("sacrum."):
            raise LookupError(f"unknown message kind {kind!r}")
        importlib.import_module(module)
    try:
        return _RENDERERS[kind]
    except KeyError:
        raise LookupError(f"unknown message kind {kind!r}") from None


def enqueue_message(kind: str, ref: object) -> None:
    """Queue one e-mail by kind and id (call inside the transaction that made the object)."""
    renderer_for(kind)  # an unknown kind fails here, in the request, not later in the worker
    send_message.enqueue(kind=kind, ref=str(ref))


@task()
def send_message(*, kind: str, ref: str) -> int:
    """Render and send one e-mail at send time; 0 when there is nothing to send any more.

    A failed send (SMTP error) propagates, so the task is marked failed; its token was
    minted for this attempt only, and a retry mints a new one.
    """
    rendered = renderer_for(kind)(ref)
    if rendered is None:
        return 0
    return build_email(rendered).send(fail_silently=False)


@task()
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    reply_to: list[str] | None = None,
    attachments: list[dict[str, str]] | None = None,
) -> int:
    """Send one e-mail from the worker, so a slow or failing mail server never blocks a page.

    Only for texts without a client's name, health data or a link token (see above).
    ``attachments`` name files already in the private storage (``storage_name``,
    ``filename``, ``mimetype``): the job queue carries their names, never their content.
    The SMTP error propagates, so the task is marked failed and can be retried.
    """
    email = EmailMessage(subject=subject, body=body, to=to, reply_to=reply_to or None)
    for item in attachments or []:
        with default_storage.open(item["storage_name"], "rb") as handle:
            email.attach(item["filename"], handle.read(), item.get("mimetype", ""))
    return email.send(fail_silently=False)

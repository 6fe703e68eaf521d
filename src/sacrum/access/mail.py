"""allauth's account e-mails, sent by the worker and rendered there.

A mail server that is down must not turn "sign in" or "forgot password" into a 500, so
the adapter only queues a job. The job row must not open anything either: it carries the
kind of mail and ids (the e-mail address, the user), never a confirmation key or a reset
link. The worker makes a fresh key when it sends, and the key is good for the same time
allauth would give it (confirmations: ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS, password
resets: PASSWORD_RESET_TIMEOUT, both counted from the send).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

CONFIRMATION = "email_confirmation"
PASSWORD_RESET = "password_reset"
NOTICE = "notice"

CONFIRMATION_TEMPLATES = {
    "account/email/email_confirmation": False,
    "account/email/email_confirmation_signup": True,
}
PASSWORD_RESET_TEMPLATE = "account/email/password_reset_key"
# Context entries that are, or may contain, something that opens an account.
NEVER_QUEUED = {"key", "code", "uid", "token", "activate_url", "password_reset_url", "request"}


def queue(*, template_prefix: str, email: str, context: dict[str, Any]) -> None:
    """Queue one of allauth's mails as kind + ids (see the module docstring)."""
    from allauth.account.models import EmailAddress

    user = context.get("user")
    if template_prefix in CONFIRMATION_TEMPLATES:
        address = EmailAddress.objects.get_for_user(user, email)
        send_account_mail.enqueue(
            kind=CONFIRMATION,
            email=email,
            address_id=address.pk,
            signup=CONFIRMATION_TEMPLATES[template_prefix],
        )
    elif template_prefix == PASSWORD_RESET_TEMPLATE and user is not None:
        send_account_mail.enqueue(kind=PASSWORD_RESET, email=email, user_id=str(user.pk))
    else:
        send_account_mail.enqueue(
            kind=NOTICE,
            email=email,
            template=template_prefix,
            user_id=str(user.pk) if user is not None else None,
            context=_plain(context),
        )


def _plain(context: dict[str, Any]) -> dict[str, str | int | bool | None]:
    """The JSON-safe, harmless part of a notice's context (times, IPs as text); no URLs."""
    plain: dict[str, str | int | bool | None] = {}
    for name, value in context.items():
        if name in NEVER_QUEUED or name.endswith("_url"):
            continue
        if isinstance(value, dt.datetime | dt.date):
            plain[name] = value.isoformat()
        elif value is None or isinstance(value, str | int | bool):
            plain[name] = value
    return plain


def _site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _base_context(email: str) -> dict[str, Any]:
    host = urlsplit(settings.SITE_URL).netloc or "localhost"
    return {
        "email": email,
        "current_site": SimpleNamespace(name="Sacrum", domain=host),
        "signup_url": _site_url(reverse("account_signup")),
        "password_reset_url": _site_url(reverse("account_reset_password")),
        "login_url": _site_url(reverse("account_login")),
        "signup_open": bool(settings.ACCOUNT_SIGNUP_OPEN),
    }


def _render(template_prefix: str, email: str, context: dict[str, Any]) -> EmailMultiAlternatives:
    subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
    body = render_to_string(f"{template_prefix}_message.txt", context).strip()
    message = EmailMultiAlternatives(f"[Sacrum] {subject}", body, to=[email])
    try:
        html = render_to_string(f"{template_prefix}_message.html", context).strip()
    except TemplateDoesNotExist:
        pass
    else:
        message.attach_alternative(html, "text/html")
    return message


def _confirmation(email: str, address_id: int, signup: bool) -> EmailMultiAlternatives | None:
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    address = EmailAddress.objects.select_related("user").filter(pk=address_id).first()
    if address is None or address.verified or address.email.lower() != email.lower():
        return None  # already confirmed, removed or changed since: nothing to send
    key = EmailConfirmationHMAC.create(address).key
    context = {
        **_base_context(email),
        "user": address.user,
        "key": key,
        "activate_url": _site_url(reverse("account_confirm_email", args=[key])),
    }
    prefix = "account/email/email_confirmation" + ("_signup" if signup else "")
    return _render(prefix, email, context)


def _password_reset(email: str, user_id: str) -> EmailMultiAlternatives | None:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    uid, key = user_pk_to_url_str(user), default_token_generator.make_token(user)
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": key})
    context = {**_base_context(email), "user": user, "password_reset_url": _site_url(url)}
    return _render(PASSWORD_RESET_TEMPLATE, email, context)


def _notice(
    email: str, template: str, user_id: str | None, extra: dict[str, Any]
) -> EmailMultiAlternatives:
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return _render(template, email, {**_base_context(email), **extra, "user": user})


@task()
def send_account_mail(
    *,
    kind: str,
    email: str,
    address_id: int | None = None,
    user_id: str | None = None,
    template: str = "",
    signup: bool = False,
    context: dict[str, Any] | None = None,
) -> int:
    """Render and send one account e-mail; a fresh key is made here, at send time.

    The SMTP error propagates, so the task is marked failed and can be retried.
    """
    message: EmailMultiAlternatives | None
    if kind == CONFIRMATION and address_id is not None:
        message = _confirmation(email, address_id, signup)
    elif kind == PASSWORD_RESET and user_id is not None:
        message = _password_reset(email, user_id)
    elif kind == NOTICE and template:
        message = _notice(email, template, user_id, context or {})
    else:
        raise ValueError(f"Unknown account mail {kind!r}")
    return message.send(fail_silently=False) if message is not None else 0

"""Background jobs shared by every capability. Run by `sacrum worker`."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str], reply_to: list[str] | None = None) -> int:
    """Send one e-mail from the worker, so a slow or failing mail server never blocks a page.

    The SMTP error propagates, so the task is marked failed and can be retried.
    """
    message = EmailMessage(subject=subject, body=body, to=to, reply_to=reply_to or None)
    return message.send(fail_silently=False)

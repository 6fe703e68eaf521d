"""Background jobs shared by every capability. Run by `sacrum worker`."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django_tasks import task


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

    ``attachments`` name files already in the private storage (``storage_name``,
    ``filename``, ``mimetype``): the job queue carries their names, never their content.
    The SMTP error propagates, so the task is marked failed and can be retried.
    """
    message = EmailMessage(subject=subject, body=body, to=to, reply_to=reply_to or None)
    for item in attachments or []:
        with default_storage.open(item["storage_name"], "rb") as handle:
            message.attach(item["filename"], handle.read(), item.get("mimetype", ""))
    return message.send(fail_silently=False)

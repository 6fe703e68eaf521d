"""Account facts Sacrum establishes itself, outside allauth's own flows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from allauth.account.models import EmailAddress

    from sacrum.access.models import User


@transaction.atomic
def mark_email_verified(*, user: User) -> EmailAddress:
    """Record the user's sign-in address as verified and primary.

    Only where Sacrum knows the address works: an invitation link reached that inbox,
    or the operator set the account up (``createclinic``, the demo). Without it allauth
    refuses to turn on two-factor sign-in, and in production asks to confirm the address
    at the first sign-in.
    """
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).update(primary=False)
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        return EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if not (address.verified and address.primary):
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])
    return address

"""How a clinic signs the e-mails sent in its name."""

from __future__ import annotations

from sacrum.clinics.models import Clinic, Location
from sacrum.kernel.mail import Sender


def sender_of(clinic: Clinic, location: Location | None = None) -> Sender:
    """The clinic's name on the From line, and its postal address, phone and e-mail to
    close with: the place of the appointment when there is one, else its first open
    location."""
    place = location or clinic.locations.filter(active=True).order_by("name").first()
    lines: list[str] = []
    if place is not None:
        where = ", ".join(
            part for part in (place.address_line, place.postal_code, place.city) if part
        )
        if where:
            lines.append(where)
    phone = clinic.phone or (place.phone if place is not None else "")
    lines += [line for line in (phone, clinic.email) if line]
    return Sender(name=clinic.name, lines=tuple(lines))

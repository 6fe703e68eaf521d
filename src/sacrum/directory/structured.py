"""schema.org JSON-LD for a practitioner's public page: the person, where, credentials."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse

from sacrum.directory.selectors import PractitionerPage, site_url


def practitioner_json_ld(page: PractitionerPage) -> str:
    """Serialised so it is safe inside a ``<script type="application/ld+json">`` element."""
    places: list[dict[str, Any]] = []
    for place in page.places:
        loc = place.location
        item: dict[str, Any] = {
            "@type": "MedicalClinic",
            "name": f"{page.clinic.name} — {loc.name}",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": loc.address_line,
                "addressLocality": loc.city,
                "postalCode": loc.postal_code,
                "addressCountry": loc.country,
            },
        }
        if loc.latitude is not None and loc.longitude is not None:
            item["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(loc.latitude),
                "longitude": float(loc.longitude),
            }
        if loc.phone or page.clinic.phone:
            item["telephone"] = loc.phone or page.clinic.phone
        places.append(item)
    person: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "@id": site_url(page.url),
        "url": site_url(page.url),
        "name": page.profile.display_name,
        "jobTitle": page.profession,
        "description": page.profile.bio[:500],
        "knowsLanguage": page.languages,
        "worksFor": {"@type": "Organization", "name": page.clinic.name, "location": places},
        "hasCredential": [
            {
                "@type": "EducationalOccupationalCredential",
                "name": c.title,
                "credentialCategory": c.level or "certificate",
                "recognizedBy": {"@type": "Organization", "name": c.issuing_body},
                "dateCreated": c.issued_on.isoformat(),
                **({"expires": c.expires_on.isoformat()} if c.expires_on else {}),
            }
            for c in page.credentials
            if c.verified
        ],
        "makesOffer": [
            {
                "@type": "Offer",
                "name": s.name,
                "price": str(s.price),
                "priceCurrency": page.clinic.currency,
            }
            for s in page.services
        ],
    }
    if page.listing.photo:
        person["image"] = site_url(reverse("web:directory_photo", args=[page.listing.slug]))
    text = json.dumps(person, ensure_ascii=False)
    # "</script>" in a bio must not end the element: escape the characters HTML cares about.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

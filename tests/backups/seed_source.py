"""Run as ``python -m tests.backups.seed_source`` against DATABASE_URL / SACRUM_DATA_DIR.

Migrates, seeds the demo clinic (signed notes with their audit entries, drafts, plans,
outcomes), then adds what the demo lacks: addenda on signed notes, a credential with
an uploaded evidence file (binary), and an API token. Prints a JSON summary last.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402

from sacrum.charting import services as charting  # noqa: E402
from sacrum.charting.models import NoteStatus, SessionNote  # noqa: E402
from sacrum.clinics import services as clinics  # noqa: E402
from sacrum.clinics.models import PractitionerProfile  # noqa: E402
from sacrum.kernel.actor import Actor  # noqa: E402
from sacrum.web.demo import seed_demo  # noqa: E402

# Bytes a text conversion would damage: NUL, high bytes, a lone CR.
EVIDENCE = b"%PDF-1.4\n\x00\xff\xfe\r binary evidence \x80\x81\n%%EOF\n"


def main() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    ctx = seed_demo(log=lambda _line: None)
    member = ctx["members"]["practitioner"]
    actor = Actor.system(member)
    notes = SessionNote.objects.filter(clinic=ctx["clinic"], status=NoteStatus.SIGNED)
    for number, note in enumerate(notes.order_by("seen_at")[:3], 1):
        charting.add_addendum(
            actor=actor, note=note, text=f"Addendum {number}: client rang, headache eased — ü ✓."
        )
    profile = PractitionerProfile.objects.filter(membership=member).first()
    owner = Actor.system(ctx["members"]["owner"])
    if profile is not None:
        clinics.add_credential(
            actor=owner,
            profile=profile,
            data={
                "issuing_body": "Upledger Institute",
                "title": "CST Techniques 1",
                "issued_on": dt.date(2019, 5, 4),
            },
            evidence=SimpleUploadedFile("cert.pdf", EVIDENCE, content_type="application/pdf"),
        )
    print(json.dumps({"clinic": str(ctx["clinic"].pk), "addenda": 3}))


if __name__ == "__main__":
    main()

"""Run after a restore: new rows in tables with integer keys must not collide with old ones."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402

from sacrum.access import audit  # noqa: E402
from sacrum.access.models import AuditAction, AuditEntry  # noqa: E402
from sacrum.clinics.models import Membership  # noqa: E402
from sacrum.kernel.actor import Actor  # noqa: E402

before = AuditEntry.objects.count()
member = Membership.objects.select_related("clinic").order_by("pk").first()
assert member is not None
audit.record(Actor.system(member), AuditAction.READ, member.clinic)
assert AuditEntry.objects.count() == before + 1
ContentType.objects.get_or_create(app_label="backups_test", model="afterrestore")

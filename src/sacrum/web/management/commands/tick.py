"""`sacrum tick`: run every app's periodic work once (for cron, or to catch up by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from sacrum.web.periodic import run_ticks


class Command(BaseCommand):
    help = "Run the periodic work once: due reminders, measurement links, waitlist offers."

    def handle(self, *args: Any, **options: Any) -> None:
        for app, result in run_ticks(timezone.now()).items():
            self.stdout.write(f"{app}: {result}")

"""`sacrum createclinic`: a new clinic with its first owner, interactively or by flags."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from sacrum.access.accounts import mark_email_verified
from sacrum.access.models import User
from sacrum.clinics.services import create_clinic


class Command(BaseCommand):
    help = "Create a clinic and its owner account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="Clinic name")
        parser.add_argument("--time-zone", help="IANA time zone, e.g. Europe/Berlin")
        parser.add_argument("--owner-email")
        parser.add_argument("--owner-name", default="")
        parser.add_argument(
            "--owner-password",
            help="Only for scripts; otherwise you are asked (input hidden). "
            "Reads SACRUM_OWNER_PASSWORD too.",
        )
        parser.add_argument("--no-input", action="store_true", help="Never prompt.")

    def _ask(self, label: str, value: str | None, no_input: bool, secret: bool = False) -> str:
        if value:
            return value
        if no_input:
            raise CommandError(f"{label} is required (pass it as a flag with --no-input)")
        reader = getpass.getpass if secret else input
        answer = reader(f"{label}: ").strip()
        if not answer:
            raise CommandError(f"{label} is required")
        return answer

    def handle(self, *args: Any, **opts: Any) -> None:
        import os

        no_input = opts["no_input"]
        name = self._ask("Clinic name", opts["name"], no_input)
        tz = self._ask("Time zone (e.g. Europe/Berlin)", opts["time_zone"], no_input)
        email = self._ask("Owner e-mail", opts["owner_email"], no_input).lower()
        owner_name = opts["owner_name"] or ("" if no_input else input("Owner full name: ").strip())
        existing = User.objects.filter(email=email).first()
        password = None
        if existing is None:
            password = self._ask(
                "Owner password",
                opts["owner_password"] or os.environ.get("SACRUM_OWNER_PASSWORD"),
                no_input,
                secret=True,
            )
            try:
                validate_password(password, User(email=email, full_name=owner_name))
            except ValidationError as exc:
                raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        try:
            with transaction.atomic():
                owner = existing or User.objects.create_user(
                    email=email, password=password, full_name=owner_name
                )
                # The operator vouches for the address: the owner can turn on 2FA at once.
                mark_email_verified(user=owner)
                clinic = create_clinic(name=name, time_zone=tz, owner=owner)
        except ValidationError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            raise CommandError(f"Clinic not created — {detail}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created clinic “{clinic.name}” ({clinic.time_zone}) with owner {owner.email}"
                + (" (existing account)" if existing else "")
            )
        )

"""Run in a subprocess: two accounts for the cross-worker limit test; prints them as JSON.

One signs in with a password and TOTP (its secret is printed so the test can make codes),
the other with a password only. The database is whatever DATABASE_URL points at.
"""

from __future__ import annotations

import json
import os
import secrets

PASSWORD = "guess-me-if-you-can-42"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from sacrum.access.models import User

    run = secrets.token_hex(4)  # new accounts each run: a Redis cache outlives the database
    with_totp = User.objects.create_user(email=f"totp-{run}@limits.test", password=PASSWORD)
    secret = generate_totp_secret()
    TOTP.activate(with_totp, secret)
    password_only = User.objects.create_user(email=f"password-{run}@limits.test", password=PASSWORD)
    print(
        json.dumps(
            {
                "password": PASSWORD,
                "totp_email": with_totp.email,
                "secret": secret,
                "password_email": password_only.email,
            }
        )
    )


if __name__ == "__main__":
    main()

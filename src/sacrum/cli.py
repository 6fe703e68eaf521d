"""The `sacrum` command: serve, demo, worker, migrate, createclinic, and every manage.py command."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["sacrum", *argv])
    execute_from_command_line(args)


if __name__ == "__main__":
    main()

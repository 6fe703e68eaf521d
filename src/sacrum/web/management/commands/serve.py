"""`sacrum serve`: the production WSGI server (gunicorn), not Django's runserver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def run_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    from sacrum.wsgi import application

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)

    class SacrumServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("accesslog", "-")
            # Paths only: query strings could carry search terms; never log them.
            self.cfg.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms')
            self.cfg.set("forwarded_allow_ips", "127.0.0.1")
            self.cfg.set("timeout", 60)

        def load(self) -> Any:
            return application

    SacrumServer().run()


class Command(BaseCommand):
    help = "Serve Sacrum with gunicorn (production WSGI server)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not apply pending migrations first."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Sacrum listening on http://{opts['host']}:{opts['port']}/")
        run_gunicorn(
            host=opts["host"], port=opts["port"], workers=opts["workers"], threads=opts["threads"]
        )

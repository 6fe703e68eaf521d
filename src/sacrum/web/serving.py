"""Gunicorn behind `sacrum serve` and `sacrum demo`: fork-safe, and logging JSON lines.

Fork safety: the master applies migrations (and the demo seeds) before it forks its
workers. A database connection still open then would be inherited by every worker:
one PostgreSQL session or one set of SQLite file descriptors shared by several
processes, which mixed users' answers on PostgreSQL and can corrupt SQLite. So every
connection is closed before serving, before each fork, and in each worker after it.

Logs: gunicorn's own lines (start-up, workers, errors) and its access log go through
Sacrum's logging configuration, one JSON object per line on stderr (``sacrum.logs``).
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from gunicorn.glogging import Logger

from sacrum.kernel.logs import REQUEST_ID_ENVIRON_KEY


def close_database_connections() -> None:
    """Close this thread's database connections; the next query opens this process's own."""
    connections.close_all()


def before_fork(server: Any, worker: Any) -> None:
    """Gunicorn hook in the master: nothing open to hand down to the new worker."""
    close_database_connections()


def after_fork(server: Any, worker: Any) -> None:
    """Gunicorn hook in each new worker: drop anything inherited, whatever opened it."""
    close_database_connections()


class JsonGunicornLogger(Logger):  # type: ignore[misc]
    """Gunicorn's error and access logs as JSON lines through Sacrum's root handler.

    An access line holds the request id, method, path (tokens masked by the formatter),
    status, duration and size: no query string, no address, no headers.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        status = resp.status_code if hasattr(resp, "status_code") else resp.status
        if isinstance(status, str):
            status = int(status.split(None, 1)[0])
        method = environ.get("REQUEST_METHOD", "-")
        path = environ.get("PATH_INFO", "")
        self.access_log.info(
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "request_id": environ.get(REQUEST_ID_ENVIRON_KEY),
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "bytes": getattr(resp, "sent", None),
                "pid": os.getpid(),
            },
        )


def run_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    # Before loading the app (imported here, after this, on purpose: importing sacrum.wsgi
    # sets Django up): WhiteNoise warns (a plain-text line) when STATIC_ROOT is missing.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    from sacrum.wsgi import application

    class SacrumServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("logger_class", JsonGunicornLogger)
            self.cfg.set("accesslog", "-")
            self.cfg.set("loglevel", logging.getLevelName(logging.getLogger().level).lower())
            self.cfg.set("pre_fork", before_fork)
            self.cfg.set("post_fork", after_fork)
            # One control socket per user would be shared by two servers on one host.
            self.cfg.set("control_socket_disable", True)
            self.cfg.set("forwarded_allow_ips", "127.0.0.1")
            self.cfg.set("timeout", 60)

        def load(self) -> Any:
            return application

    close_database_connections()
    SacrumServer().run()

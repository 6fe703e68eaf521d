"""Sacrum settings: strict and environment-driven.

Every value comes from a ``SACRUM_*`` variable or ``DATABASE_URL``. Production
mode (``SACRUM_ENV=production``) refuses to start with a missing or weak secret,
so a clinic can never run health data behind a default key.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


ENVIRONMENT = _env("SACRUM_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured("SACRUM_ENV must be development, production or test")
PRODUCTION = ENVIRONMENT == "production"
TESTING = ENVIRONMENT == "test" or "pytest" in sys.modules

DATA_DIR = Path(_env("SACRUM_DATA_DIR", str(Path.cwd() / "data")) or "data").resolve()

SECRET_KEY = _env("SACRUM_SECRET_KEY")
if PRODUCTION:
    if not SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SACRUM_SECRET_KEY must be set to a random value of at least 50 characters "
            "in production (e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))')"
        )
elif not SECRET_KEY:
    SECRET_KEY = "development-only-not-secret-" + "x" * 40
# Earlier keys, comma-separated, newest first: still accepted after a key change (sessions,
# signed links, and the seals of session notes signed under them; see docs/security.md).
SECRET_KEY_FALLBACKS = [
    k.strip() for k in (_env("SACRUM_SECRET_KEY_FALLBACKS", "") or "").split(",") if k.strip()
]

DEBUG = _env_bool("SACRUM_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("SACRUM_DEBUG cannot be on in production")

ALLOWED_HOSTS = [
    h.strip() for h in (_env("SACRUM_ALLOWED_HOSTS", "") or "").split(",") if h.strip()
]
if not ALLOWED_HOSTS:
    if PRODUCTION:
        raise ImproperlyConfigured("SACRUM_ALLOWED_HOSTS must list the host names in production")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (_env("SACRUM_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o.strip()
]
SITE_URL = _env("SACRUM_SITE_URL", "http://127.0.0.1:8000")

# The Django admin (an operator's tool that reads every clinic's audit metadata) is off in
# production unless asked for; when on, it needs a sign-in with the second factor
# (sacrum.access.admin_site).
ADMIN_ENABLED = _env_bool("SACRUM_ADMIN", default=not PRODUCTION)

INSTALLED_APPS = [
    "sacrum.access.admin_apps.SacrumAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "sacrum.access",
    "sacrum.clinics",
    "sacrum.clients",
    "sacrum.screening",
    "sacrum.scheduling",
    "sacrum.outcomes",
    "sacrum.plans",
    "sacrum.charting",
    "sacrum.directory",
    "sacrum.notifications",
    "sacrum.portal",
    "sacrum.waitlist",
    "sacrum.billing",
    "sacrum.exports",
    "sacrum.backups",
    "sacrum.imports",
    "sacrum.retention",
    "sacrum.api",
    "sacrum.web",
]

MIDDLEWARE = [
    "sacrum.kernel.logs.RequestIdMiddleware",
    # /healthz answered here: a load balancer's check needs none of what follows.
    "sacrum.web.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their caching), before everything that renders.
    "sacrum.web.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Keeps the 30-minute idle window, writing the session at most once a minute.
    "sacrum.access.sessions.IdleExpiryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sacrum.api.middleware.RefuseUnstorableTextMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "sacrum.clinics.middleware.ActiveClinicMiddleware",
    "sacrum.access.middleware.RequireStaffMFAMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sacrum.urls"
WSGI_APPLICATION = "sacrum.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # First, so our overrides of allauth's templates win over allauth's own
        # (app directories are searched in INSTALLED_APPS order, and allauth comes first).
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sacrum.web.context.navigation",
            ],
        },
    }
]

# Forms' widgets render through Jinja2 (Django's own widget templates for it): the note
# editor draws about 280 widgets, and with the Django template engine they were a third of
# its server time (benchmarks/http_load.py, docs/performance.md). Pages stay Django templates;
# the one-line input templates are drawn in Python (sacrum/kernel/widgets.py).
FORM_RENDERER = "sacrum.kernel.widgets.Widgets"

# --- Database -------------------------------------------------------------
DATA_DIR_SQLITE = DATA_DIR / "sacrum.sqlite3"
DATABASE_URL = _env("DATABASE_URL", f"sqlite:///{DATA_DIR_SQLITE}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL or "", conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + synchronous=FULL: a committed note survives a power cut. IMMEDIATE makes
    # every atomic block take the write lock up front, so check-then-insert is safe.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["TEST"] = {"NAME": _env("SACRUM_SQLITE_TEST_NAME")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Shared cache: every rate limit counts here -----------------------------
# Rate limits and the second-factor limit must hold across worker processes and app
# servers and survive a restart, so the default is Django's database cache on the main
# database (SQLite or PostgreSQL); `sacrum migrate` creates its table. Production with
# several servers can point SACRUM_CACHE_URL at Redis instead.
CACHE_TABLE = "sacrum_cache"
CACHE_URL = _env("SACRUM_CACHE_URL")
if CACHE_URL is None:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Past MAX_ENTRIES Django deletes the expired rows, then (only if still over)
            # a third of the live ones. Every write counts the rows, so the cap is a
            # balance: far above what normal traffic keeps live, small enough to count.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
elif CACHE_URL.split("://", 1)[0] in {"redis", "rediss", "unix"}:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "sacrum",
        }
    }
else:
    raise ImproperlyConfigured(
        "SACRUM_CACHE_URL must be a Redis URL (redis://, rediss:// or unix://), "
        "or unset for the database cache"
    )

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "access.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING and not PRODUCTION:
    # Argon2 is deliberately slow; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory" if PRODUCTION else "optional"
ACCOUNT_SIGNUP_OPEN = _env_bool("SACRUM_SIGNUP_OPEN", default=False)
ACCOUNT_ADAPTER = "sacrum.access.adapters.SacrumAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
# Failed sign-ins, counted in the shared cache (CACHES above): per address, and per
# account ("key": the e-mail for passwords, the user for second-factor codes: allauth's
# TOTP and recovery-code forms count their failures here). The per-account window matches
# axes' lock below; axes is asked first (SacrumAccountAdapter.pre_authenticate), so a
# locked account still sees the lockout page rather than a form error.
LOGIN_FAILURE_LIMIT = _env_int("SACRUM_LOGIN_FAILURE_LIMIT", 5)
if LOGIN_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured("SACRUM_LOGIN_FAILURE_LIMIT must be 1 or more")
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"10/m/ip,{LOGIN_FAILURE_LIMIT}/{LOGIN_FAILURE_WINDOW_SECONDS}s/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Sacrum"

# Lock an account after repeated failures (per e-mail and per client address).
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_FAILURE_WINDOW_SECONDS / 3600  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "sacrum.access.lockout.attempted_account"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = _env_int("SACRUM_PROXY_COUNT", 0)
# allauth's per-address limits read the same client address as axes and the audit log;
# otherwise, behind a proxy, every visitor would share the proxy's one address.
ALLAUTH_TRUSTED_PROXY_COUNT = AXES_IPWARE_PROXY_COUNT

# Idle expiry: the session cookie lives SACRUM_SESSION_IDLE_MINUTES after the last request.
SESSION_COOKIE_AGE = _env_int("SACRUM_SESSION_IDLE_MINUTES", 30) * 60
# Not on every request: sacrum.access.sessions.IdleExpiryMiddleware re-saves a used session
# at most once a minute (every page view was a database write and an fsync).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Security headers -----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SACRUM_SSL_REDIRECT", default=True)
    # A load balancer checks health over plain HTTP on the private network; /healthz
    # carries no data and no cookies, so it answers there instead of redirecting.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "private"), "base_url": "/nowhere/"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if TESTING or not PRODUCTION:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = not PRODUCTION
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Time, language -------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- E-mail ---------------------------------------------------------------
EMAIL_HOST = _env("SACRUM_EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("SACRUM_EMAIL_PORT", 25)
EMAIL_HOST_USER = _env("SACRUM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = _env("SACRUM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("SACRUM_EMAIL_TLS", default=False)
DEFAULT_FROM_EMAIL = _env("SACRUM_EMAIL_FROM", "Sacrum <no-reply@localhost>")
EMAIL_BACKEND = _env(
    "SACRUM_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(DATA_DIR / "outbox")

# --- Background jobs ------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if TESTING and _env("SACRUM_TASKS_BACKEND") != "database":
    # Tests run jobs at once; the worker's own test opts back into the database backend.
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Finished jobs (sent or failed) are deleted this many days after they finished, by the
# worker's periodic tick; 0 deletes them at the next tick. Jobs carry ids, not texts.
TASK_RETENTION_DAYS = _env_int("SACRUM_TASK_RETENTION_DAYS", 7)
if TASK_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("SACRUM_TASK_RETENTION_DAYS must be 0 or more.")

# --- Backups (docs/data-backup.md) ------------------------------------------
# The worker writes a backup every SACRUM_BACKUP_EVERY_HOURS (0: never) into
# SACRUM_BACKUP_DIR and keeps the newest SACRUM_BACKUP_KEEP files there.
BACKUP_DIR = Path(_env("SACRUM_BACKUP_DIR", str(DATA_DIR / "backups")) or "backups").resolve()
BACKUP_EVERY_HOURS = _env_int("SACRUM_BACKUP_EVERY_HOURS", 0 if TESTING else 24)
BACKUP_KEEP = _env_int("SACRUM_BACKUP_KEEP", 14)
if BACKUP_EVERY_HOURS < 0 or BACKUP_KEEP < 1:
    raise ImproperlyConfigured(
        "SACRUM_BACKUP_EVERY_HOURS must be 0 or more, SACRUM_BACKUP_KEEP 1 or more."
    )

# --- Logging: structured, and never health data ---------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "sacrum.kernel.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": _env("SACRUM_LOG_LEVEL", "INFO")},
    # One sink: Django's default handlers for these (plain text, e-mail to admins) are
    # replaced, so their lines reach the JSON handler above and nowhere else.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
        "py.warnings": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

SACRUM_DEMO_PASSWORD = "sacrum-demo-2026"

# Lockout is per account (axes); per-address throttling is allauth's rate limit above.
# Locking a whole address would lock every colleague behind a clinic's shared router.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

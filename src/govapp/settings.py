"""Django settings for govapp.

Everything that differs between a laptop demo and production comes from the environment:
``DATABASE_URL`` (unset: SQLite under ./var), ``GOVAPP_SECRET_KEY``, ``GOVAPP_DEBUG``,
``GOVAPP_ALLOWED_HOSTS``, ``GOVAPP_VAR_DIR`` and ``CACHE_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("GOVAPP_VAR_DIR", PROJECT_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def _env_rate(name: str, default: tuple[int, float]) -> tuple[int, float] | None:
    """``COUNT/SECONDS`` (e.g. ``120/60``), or ``off``: no limit."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"off", "none", "0"}:
        return None
    count, _sep, seconds = value.partition("/")
    return int(count), float(seconds or 60)


def _secret_key() -> str:
    """Secret from the environment, else one generated once and kept in ./var (never in the repo)."""
    key = os.environ.get("GOVAPP_SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    import secrets

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("GOVAPP_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("GOVAPP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("GOVAPP_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "govapp.core",
    "govapp.orgs",
    "govapp.registry",
    "govapp.scans",
    "govapp.public",
    "govapp.compliance",
    "govapp.complaints",
    "govapp.oversight.overlap",
    "govapp.oversight.ledger",
    "govapp.oversight.campaigns",
    "govapp.oversight.usage",
    "govapp.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "govapp.core.middleware.BodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "govapp.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "govapp.orgs.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "govapp.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "govapp.urls"
WSGI_APPLICATION = "govapp.wsgi.application"
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govapp.core.context_processors.navigation",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'govapp.sqlite3'}"
if DATABASE_URL.startswith("sqlite"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# connections are kept 60 s on every database, SQLite too (opening one there reads the whole
# schema: docs/operations.md)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Applied whenever a person sets a password (change, user creation forms); the demo loader
# sets the documented demo password directly.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": _env_int("GOVAPP_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end after this many idle minutes (every request renews the cookie).
GOVAPP_SESSION_IDLE_MINUTES = _env_int("GOVAPP_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = GOVAPP_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
# Stored files: the local folder MEDIA_ROOT, or an S3-compatible object store shared by every
# host (``pip install 'govapp[s3]'``; docs/deployment.md) when GOVAPP_S3_BUCKET is set.
GOVAPP_S3_BUCKET = _env_str("GOVAPP_S3_BUCKET", "")
_DEFAULT_STORAGE: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if GOVAPP_S3_BUCKET:
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": GOVAPP_S3_BUCKET,
            "endpoint_url": _env_str("GOVAPP_S3_ENDPOINT_URL", "") or None,
            "region_name": _env_str("GOVAPP_S3_REGION", "") or None,
            "access_key": _env_str("GOVAPP_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": _env_str("GOVAPP_S3_SECRET_ACCESS_KEY", "") or None,
            "addressing_style": _env_str("GOVAPP_S3_ADDRESSING_STYLE", "path"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {
        "BACKEND": os.environ.get("GOVAPP_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}


def _cache_config(url: str) -> dict[str, Any]:
    """The shared cache from ``CACHE_URL``.

    ``redis://host:port/db`` (production: shared by every web process and host), ``db://`` or
    unset (the database cache table ``govapp_cache``: shared by every process on one database,
    zero set-up; ``govapp migrate`` is followed by ``createcachetable``), ``locmem://`` (one
    process only; tests of a single process).
    """
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url.startswith("locmem://"):
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "govapp",
            "OPTIONS": {"MAX_ENTRIES": 50_000, "CULL_FREQUENCY": 4},
        }
    if url in ("", "db://") or url.startswith("db://"):
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "govapp_cache",
            # Django's default of 300 entries would evict public verification answers under a
            # burst of distinct questions; a few tens of thousands of small entries is cheap.
            "OPTIONS": {"MAX_ENTRIES": 50_000, "CULL_FREQUENCY": 4},
        }
    raise ValueError(f"CACHE_URL: unsupported scheme in {url!r} (redis://, db:// or locmem://)")


CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {"default": _cache_config(CACHE_URL)}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Served over HTTPS (behind a TLS-terminating reverse proxy, docs/deployment.md): Secure
# cookies, HSTS, redirect plain HTTP, and trust the proxy's X-Forwarded-Proto.
GOVAPP_HTTPS = _env_bool("GOVAPP_HTTPS", False)
SESSION_COOKIE_SECURE = GOVAPP_HTTPS
CSRF_COOKIE_SECURE = GOVAPP_HTTPS
SECURE_HSTS_SECONDS = _env_int("GOVAPP_HSTS_SECONDS", 31536000) if GOVAPP_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("GOVAPP_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_SSL_REDIRECT = GOVAPP_HTTPS and _env_bool("GOVAPP_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if GOVAPP_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every page (django-csp): scripts, styles, images and fonts only
# from govapp's own static files (htmx is one of them); inline style attributes are allowed,
# inline script is not.  Frames: none, except the in-app complaint page, which its hosting
# unit's registered origins may frame (complaints.views.app_embed).  The OpenAPI docs page
# (/api/v1/docs) uses inline script and is left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/v1/docs"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

EMAIL_BACKEND = os.environ.get(
    "GOVAPP_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("GOVAPP_FROM_EMAIL", "govapp@localhost")

# Lockout after repeated failed logins, see govapp.orgs.services.login_attempt: per account and
# client address (a stranger cannot lock out the real user), and per client address.
GOVAPP_LOGIN_MAX_FAILURES = _env_int("GOVAPP_LOGIN_MAX_FAILURES", 5)
GOVAPP_LOGIN_MAX_FAILURES_PER_ADDRESS = _env_int("GOVAPP_LOGIN_MAX_FAILURES_PER_ADDRESS", 30)
GOVAPP_LOGIN_LOCKOUT_MINUTES = _env_int("GOVAPP_LOGIN_LOCKOUT_MINUTES", 15)

# Optional TOTP second factor (django-otp; govapp.orgs.services.second_factor_verify): anyone
# may enrol on their account page; with GOVAPP_REQUIRE_TOTP_FOR_REGULATORS the regulator roles
# must enrol at their next login.  Codes are checked with the login lockout above and
# django-otp's per-device back-off (OTP_TOTP_THROTTLE_FACTOR seconds, doubling per failure).
GOVAPP_REQUIRE_TOTP_FOR_REGULATORS = _env_bool("GOVAPP_REQUIRE_TOTP_FOR_REGULATORS", False)
OTP_TOTP_ISSUER = _env_str("GOVAPP_TOTP_ISSUER", "govapp")
OTP_TOTP_THROTTLE_FACTOR = _env_int("GOVAPP_TOTP_THROTTLE_SECONDS", 1)
GOVAPP_TOTP_RECOVERY_CODES = _env_int("GOVAPP_TOTP_RECOVERY_CODES", 10)

# Rate limits (govapp.core.ratelimit, shared by every process): ``COUNT/SECONDS`` or ``off``.
# Reverse proxies in front of the web processes that append to X-Forwarded-For (0: none).
GOVAPP_TRUSTED_PROXIES = _env_int(
    "GOVAPP_TRUSTED_PROXIES", _env_int("GOVAPP_PUBLIC_TRUSTED_PROXIES", 0)
)
GOVAPP_PUBLIC_RATE_LIMIT = _env_rate("GOVAPP_PUBLIC_RATE_LIMIT", (120, 60.0))
GOVAPP_COMPLAINT_RATE = _env_rate("GOVAPP_COMPLAINT_RATE", (10, 3600.0))
GOVAPP_COMPLAINT_RATE_UNPROVEN = _env_rate("GOVAPP_COMPLAINT_RATE_UNPROVEN", (3, 3600.0))
GOVAPP_COMPLAINT_LOOKUP_RATE = _env_rate("GOVAPP_COMPLAINT_LOOKUP_RATE", (30, 600.0))
GOVAPP_USAGE_PING_RATE = _env_rate("GOVAPP_USAGE_PING_RATE", (30, 600.0))
GOVAPP_USAGE_PING_ADDRESS_RATE = _env_rate("GOVAPP_USAGE_PING_ADDRESS_RATE", (6000, 60.0))
GOVAPP_USAGE_RATING_RATE = _env_rate("GOVAPP_USAGE_RATING_RATE", (5, 3600.0))
GOVAPP_COMPLAINT_POW_BITS = _env_int("GOVAPP_COMPLAINT_POW_BITS", 16)
GOVAPP_COMPLAINT_RECEIPT_PEPPER = _env_str("GOVAPP_COMPLAINT_RECEIPT_PEPPER", "")
GOVAPP_COMPLAINT_EVIDENCE_MAX_BYTES = _env_int("GOVAPP_COMPLAINT_EVIDENCE_MAX_BYTES", 8 * 1024**2)
GOVAPP_COMPLAINT_EVIDENCE_MAX_FILES = _env_int("GOVAPP_COMPLAINT_EVIDENCE_MAX_FILES", 5)

# Request bodies (govapp.core.middleware.BodyLimitMiddleware, checked before they are read):
# complaint reports carry their evidence (base64 in the JSON API: 4/3 of the bytes), other
# uploads at most an attachment or an import file, everything else is a form or a JSON body.
# Package uploads are bounded by GOVAPP_PACKAGE_MAX_BYTES below.
GOVAPP_COMPLAINT_MAX_REQUEST_BYTES = _env_int(
    "GOVAPP_COMPLAINT_MAX_REQUEST_BYTES",
    GOVAPP_COMPLAINT_EVIDENCE_MAX_BYTES * GOVAPP_COMPLAINT_EVIDENCE_MAX_FILES * 4 // 3 + 1024**2,
)
GOVAPP_UPLOAD_MAX_REQUEST_BYTES = _env_int("GOVAPP_UPLOAD_MAX_REQUEST_BYTES", 25 * 1024**2)
GOVAPP_FORM_MAX_REQUEST_BYTES = _env_int("GOVAPP_FORM_MAX_REQUEST_BYTES", 2621440)
# Django reads a non-file body into memory up to this size; the middleware has already
# refused anything larger than the endpoint's own limit, so this is the largest JSON body.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(GOVAPP_COMPLAINT_MAX_REQUEST_BYTES, GOVAPP_FORM_MAX_REQUEST_BYTES)
# Images are decoded only up to this many pixels (complaint evidence, any image upload).
GOVAPP_IMAGE_MAX_PIXELS = _env_int("GOVAPP_IMAGE_MAX_PIXELS", 40_000_000)

# Package uploads for scanning: size limit and how long a scan may stay "running" before a
# killed worker's job is requeued.
GOVAPP_PACKAGE_MAX_BYTES = int(os.environ.get("GOVAPP_PACKAGE_MAX_BYTES", 2 * 1024**3))
GOVAPP_SCAN_STALE_MINUTES = _env_int("GOVAPP_SCAN_STALE_MINUTES", 30)

# The audit chain's key lives outside the database (env or a file); anchors of its head are
# appended to a file (put it on other storage, or copy it off the host, in production).
GOVAPP_AUDIT_KEY = _env_str("GOVAPP_AUDIT_KEY", "")
GOVAPP_AUDIT_KEY_FILE = Path(_env_str("GOVAPP_AUDIT_KEY_FILE", str(VAR_DIR / "audit_key")))
GOVAPP_AUDIT_ANCHOR_FILE = Path(
    _env_str("GOVAPP_AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit_anchors.jsonl"))
)
GOVAPP_AUDIT_ANCHOR_MINUTES = _env_int("GOVAPP_AUDIT_ANCHOR_MINUTES", 60)

# How many reverse proxies in front of the server append to X-Forwarded-For (0: REMOTE_ADDR).
GOVAPP_PUBLIC_TRUSTED_PROXIES = int(os.environ.get("GOVAPP_PUBLIC_TRUSTED_PROXIES", "0") or 0)

# Request logging: never log client addresses or user agents (complainants must stay anonymous).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.server": {"handlers": [], "level": "ERROR", "propagate": False},
        "govapp": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# The in-app complaint page may be framed only by the https origins its unit registers; set this
# on an intranet without TLS to let registered http:// origins frame it too.
GOVAPP_FRAME_ANCESTORS_ALLOW_HTTP = _env_bool("GOVAPP_FRAME_ANCESTORS_ALLOW_HTTP", False)

"""gonghui settings: one module, driven by the environment.

``GONGHUI_ENV`` is ``demo`` (default: SQLite under ``var/``, secrets generated once into
``var/demo-secrets.json``, SMS codes shown on screen) or ``production`` (every secret must be
given; a missing one stops the process with a message naming it). See README "配置".
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_int,
    env_json,
    env_list,
    env_str,
    load_or_create_demo_secrets,
    require,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("GONGHUI_VAR_DIR") or BASE_DIR / "var")

GONGHUI_ENV = (env_str("GONGHUI_ENV") or "demo").strip().lower()
if GONGHUI_ENV not in {"demo", "production"}:
    raise SystemExit(f"gonghui: GONGHUI_ENV must be 'demo' or 'production', got {GONGHUI_ENV!r}")
PRODUCTION = GONGHUI_ENV == "production"
DEMO_MODE = not PRODUCTION

if PRODUCTION:
    SECRET_KEY = require(
        "SECRET_KEY",
        env_str("SECRET_KEY"),
        "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'",
    )
    GONGHUI_PII_KEYS = require(
        "GONGHUI_PII_KEYS",
        env_str("GONGHUI_PII_KEYS"),
        "Format: 'k2:<base64 32 bytes>,k1:<base64 32 bytes>' (first key encrypts). "
        "Generate one with: python manage.py generate_pii_key",
    )
    GONGHUI_BLIND_INDEX_KEY = require(
        "GONGHUI_BLIND_INDEX_KEY",
        env_str("GONGHUI_BLIND_INDEX_KEY"),
        "A base64 32-byte key for the blind indexes; never change it without a reindex.",
    )
    require("DATABASE_URL", env_str("DATABASE_URL"), "e.g. postgres://user@host:5432/gonghui")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    require("ALLOWED_HOSTS", ",".join(ALLOWED_HOSTS), "Comma-separated host names.")
    DEBUG = False
else:
    _demo = load_or_create_demo_secrets(VAR_DIR / "demo-secrets.json")
    SECRET_KEY = env_str("SECRET_KEY") or _demo["SECRET_KEY"]
    GONGHUI_PII_KEYS = env_str("GONGHUI_PII_KEYS") or _demo["GONGHUI_PII_KEYS"]
    GONGHUI_BLIND_INDEX_KEY = env_str("GONGHUI_BLIND_INDEX_KEY") or _demo["GONGHUI_BLIND_INDEX_KEY"]
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    DEBUG = env_bool("DEBUG", False)

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "gonghui.platform.audit",
    "gonghui.platform.access",
    "gonghui.platform.pii",
    "gonghui.platform.sms",
    "gonghui.platform.imports",
    "gonghui.platform.idempotency",
    "gonghui.platform.security",
    "gonghui.platform.calendar",
    "gonghui.platform.workflow",
    "gonghui.platform.consent",
    "gonghui.platform.inbox",
    "gonghui.platform.digest",
    "gonghui.accounts",
    "gonghui.orgs",
    "gonghui.members",
    "gonghui.assistance",
    "gonghui.rights",
    "gonghui.rights.mediation",
    "gonghui.rights.legalaid",
    "gonghui.rights.consult",
    "gonghui.cockpit",
    "gonghui.console",
    "gonghui.portal",
    "gonghui.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gonghui.platform.security.middleware.ContentSecurityPolicyMiddleware",
    "gonghui.platform.security.middleware.NoStoreMiddleware",
    "gonghui.platform.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gonghui.platform.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # 413 over the size limits below, 400 for unreadable forms and for control characters
    # in any text input: before the first middleware that reads a body (CSRF).
    "gonghui.platform.security.input.RequestInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "gonghui.accounts.middleware.ActiveAccountMiddleware",
    "gonghui.accounts.twofactor.SecondFactorMiddleware",
    # After the session and second factor: a bearer request is decided by its token (401).
    "gonghui.platform.api.auth.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a lockout flagged during authentication into the 429 lockout page.
    "gonghui.accounts.lockout.LoginLockoutMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "gonghui.portal.context.platform",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL in production. Connections are persistent
# (CONN_MAX_AGE) on both: a new connection per request cost ~10x in throughput on the
# reference 2-core machine (reference/performance.md §1.2). On SQLite, opening a connection
# runs the PRAGMAs below, and closing the last one checkpoints the WAL (an fsync): bench B5
# measured 1.5–2 ms per request and stalls of ~200 ms every few writes without it.
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'gonghui.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 600)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE avoids "database is locked" upgrades from read to write transactions.
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        " PRAGMA busy_timeout=5000;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery -------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without Redis (demo, tests) background jobs run in-process.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
if REDIS_URL:
    from celery.schedules import crontab

    # Nightly jobs for `celery -A config beat`; without Redis, cron runs the same commands
    # (docs/operations.md, "Scheduled jobs").
    CELERY_BEAT_SCHEDULE = {
        "evaluate-deadlines": {
            "task": "calendar.evaluate_deadlines",
            "schedule": crontab(hour=1, minute=30),
        },
        # After the deadlines: each staff user's digest of what became overdue.
        "send-staff-digest": {
            "task": "digest.send_staff_digest",
            "schedule": crontab(hour=7, minute=30),
        },
        # Retries and SMS left behind by a stopped worker (gonghui/platform/sms/outbox.py).
        "send-sms-outbox": {"task": "sms.send_sms_outbox", "schedule": crontab(minute="*")},
    }

# --- Auth ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# The org tree that scopes every read (restrict): the platform's one name for it (ADR 0011).
GONGHUI_SCOPE_MODEL = "orgs.Org"
AUTHENTICATION_BACKENDS = [
    # First: refuses locked usernames and throttled addresses (django-axes), see lockout.py.
    "gonghui.accounts.lockout.LoginBackend",
    "gonghui.platform.access.backends.GrantBackend",
]
LOGIN_URL = "/console/login/"
# The console login without ?next= lands on the console start page, not /accounts/profile/.
LOGIN_REDIRECT_URL = "/console/"
# Password policy profile (gonghui/accounts/passwords.py, docs/security.md "Login, passwords
# and sessions"): "dengbao" (等保: 3 of 4 character classes, 90-day expiry for admin and 三员
# roles) or "asvs" (no composition rule, no expiry). Both: 8 characters (12 for admin and 三员
# roles), common-password list, no reuse of the last 5.
GONGHUI_PASSWORD_PROFILE = env_str("GONGHUI_PASSWORD_PROFILE") or "dengbao"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "email")},
    },
    {"NAME": "gonghui.accounts.passwords.PolicyLengthValidator"},
    {"NAME": "gonghui.accounts.passwords.CharacterClassValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "gonghui.accounts.passwords.PasswordHistoryValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Sessions: absolute 12 h; staff idle timeout is enforced by ActiveAccountMiddleware.
# Database sessions (Django's backends.db) with the per-request read compiled once.
SESSION_ENGINE = "gonghui.platform.security.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
GONGHUI_STAFF_IDLE_SECONDS = env_int("GONGHUI_STAFF_IDLE_SECONDS", 30 * 60)
GONGHUI_OFFICER_IDLE_SECONDS = env_int("GONGHUI_OFFICER_IDLE_SECONDS", 15 * 60)  # 三员 roles
# Absolute session lifetime from login, whatever the activity (ActiveAccountMiddleware).
GONGHUI_SESSION_MAX_SECONDS = env_int("GONGHUI_SESSION_MAX_SECONDS", 12 * 3600)

# Login lockout (django-axes, gonghui/accounts/lockout.py): 5 failures lock the username for
# 30 minutes; 30 failures from one client address refuse its password logins for 30 minutes.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "gonghui.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "gonghui.accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # logins and logouts are in the audit log already
AXES_ENABLE_ADMIN = False  # the console has its own lockout page
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]
GONGHUI_LOGIN_IP_FAILURE_LIMIT = env_int("GONGHUI_LOGIN_IP_FAILURE_LIMIT", 30)
# axes.W002: its middleware is installed as a subclass (LoginLockoutMiddleware). axes.W006:
# the lock is per username by design; addresses are throttled separately (lockout.py).
SILENCED_SYSTEM_CHECKS = ["axes.W002", "axes.W006"]
CSRF_COOKIE_HTTPONLY = True

# Second factor (TOTP, django-otp) for every staff and partner account; see docs/security.md
# "Second factor". Production always requires it (a system check fails otherwise); a demo
# instance skips it by default and says so on every console page.
GONGHUI_REQUIRE_2FA = env_bool("GONGHUI_REQUIRE_2FA", True)
GONGHUI_2FA_DEMO_SKIP = DEMO_MODE and env_bool("GONGHUI_2FA_DEMO_SKIP", True)
OTP_TOTP_ISSUER = "gonghui"
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds; doubles with each consecutive failure
OTP_STATIC_THROTTLE_FACTOR = 1

# Proxies whose X-Real-IP header is believed (nginx on the same host by default).
GONGHUI_TRUSTED_PROXIES = env_list("GONGHUI_TRUSTED_PROXIES", ["127.0.0.1", "::1"])

# --- Personal information ------------------------------------------------------------------
GONGHUI_REVEAL_SECONDS = 60

# --- Deadlines (gonghui/platform/calendar) ------------------------------------------------
# Working days are counted on the holiday calendar (the 法定节假日 and 调休 dates of each State
# Council notice, entered under System › Holiday calendar), never Monday–Friday alone.
# A union decides a join application within this many working days; then it is overdue and
# escalated for supervision (督办) to the union above.
GONGHUI_JOIN_REVIEW_WORKING_DAYS = env_int("GONGHUI_JOIN_REVIEW_WORKING_DAYS", 15)

# --- Hardship assistance -------------------------------------------------------------------
# Publicity (公示) lasts this many working days (holiday calendar) after verification.
GONGHUI_ASSISTANCE_PUBLICITY_WORKING_DAYS = env_int("GONGHUI_ASSISTANCE_PUBLICITY_WORKING_DAYS", 5)
# Verification (核实) is made by an assistance centre at this depth or above (2 = district).
GONGHUI_ASSISTANCE_VERIFY_DEPTH = env_int("GONGHUI_ASSISTANCE_VERIFY_DEPTH", 2)
# Approval level by the total approved: up to the amount (yuan), the approver's grant must
# sit at this depth or above (1 = city, 2 = district/industry, 3 = township). The last row
# has no limit. Override with JSON: [["10000", 2], [null, 1]].
GONGHUI_ASSISTANCE_APPROVAL_LEVELS = env_json(
    "GONGHUI_ASSISTANCE_APPROVAL_LEVELS", [["10000.00", 2], [None, 1]]
)

# --- SMS -----------------------------------------------------------------------------------
# Demo: the code is shown on the page and logged. Production: a real gateway backend.
SMS_BACKEND = env_str("SMS_BACKEND") or (
    "gonghui.platform.sms.backends.LogBackend"
    if PRODUCTION
    else "gonghui.platform.sms.backends.DemoBackend"
)
SMS_SHOW_CODE_ON_PAGE = DEMO_MODE and env_bool("SMS_SHOW_CODE_ON_PAGE", True)
SMS_CODE_TTL_SECONDS = env_int("SMS_CODE_TTL_SECONDS", 300)
SMS_CODE_MAX_ATTEMPTS = 5
SMS_RATE_PER_PHONE_MINUTE = 1
SMS_RATE_PER_PHONE_HOUR = env_int("SMS_RATE_PER_PHONE_HOUR", 5)
SMS_RATE_PER_IP_HOUR = env_int("SMS_RATE_PER_IP_HOUR", 30)
# The outbox: attempts before an SMS is given up (retried after 30 s, 2, 8, 32 min ...).
SMS_OUTBOX_MAX_ATTEMPTS = env_int("SMS_OUTBOX_MAX_ATTEMPTS", 5)
# Sent and failed SMS (phone and text, encrypted) are deleted after this many days.
SMS_OUTBOX_RETENTION_DAYS = env_int("SMS_OUTBOX_RETENTION_DAYS", 30)

# --- i18n ----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and private files -------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
if DEMO_MODE:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
# Uploaded rosters, error workbooks and hardship attachments: sealed with the PI keys, mode
# 0600 (gonghui/platform/pii/files.py; check pii.E002 keeps every FileField on it).
STORAGES = {
    "default": {
        "BACKEND": "gonghui.platform.pii.files.SealedFileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEMO_MODE
# Import files (member rosters, condolence visits) may be this large. A generated roster of
# 15 columns takes 8.1 MB per 100k rows as xlsx and 12.3 MB as CSV: the most rows a sheet
# holds (1,048,576) fit as xlsx (85 MB); a CSV fits about 800k rows (1M rows are 123 MB: sent
# as xlsx, or split). Reading stays within a few MB of the importing process's memory whatever
# the size (gonghui/platform/imports/readers.py); the upload is streamed to a temporary file,
# then sealed, 64 KB at a time.
GONGHUI_IMPORT_MAX_BYTES = env_int("GONGHUI_IMPORT_MAX_BYTES", 100 * 1024 * 1024)
# Request bodies: at most 5 MB; more is answered 413 from Content-Length, before the body is
# read (gonghui/platform/security/input.py). Multipart uploads may be larger on the routes that
# take files (path prefix -> bytes: the largest file a view there accepts plus 1 MB for the
# other fields; the first prefix that matches wins, so the import pages come before the rest
# of the console); each upload view keeps its own per-file limit (roster and visit imports
# GONGHUI_IMPORT_MAX_BYTES, hardship attachments 10 MB). A multipart body's files do not
# count towards DATA_UPLOAD_MAX_MEMORY_SIZE, and files over FILE_UPLOAD_MAX_MEMORY_SIZE
# (Django's 2.5 MB) go to a temporary file, not to memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
GONGHUI_UPLOAD_REQUEST_LIMITS = {
    "/console/imports/": GONGHUI_IMPORT_MAX_BYTES + 1024 * 1024,
    "/console/assistance/visit/import/": GONGHUI_IMPORT_MAX_BYTES + 1024 * 1024,
    "/console/": 21 * 1024 * 1024,
    "/m/assistance/": 11 * 1024 * 1024,
    "/api/v1/assistance/": 11 * 1024 * 1024,
    # 12351 and legal aid: a form may carry two documents of up to 10 MB each.
    "/m/rights/": 21 * 1024 * 1024,
    "/m/legal-aid/": 21 * 1024 * 1024,
    "/api/v1/rights/": 11 * 1024 * 1024,
}
# Uploaded rosters and error workbooks of finished imports are deleted after this many days
# (manage.py purge_import_files, nightly); hardship attachments are case records and stay.
GONGHUI_IMPORT_FILE_RETENTION_DAYS = env_int("GONGHUI_IMPORT_FILE_RETENTION_DAYS", 30)
# Import files of at least GONGHUI_IMPORT_WORKERS_FROM rows are cleaned by this many worker
# processes while the importing process writes (gonghui/platform/imports/pipeline.py); 0: none.
# One core is left to the importing process (and the database, when it runs on this machine):
# measured on 2 cores, 2 workers were slower than 1 (ADR 0015).
GONGHUI_IMPORT_WORKERS = env_int(
    "GONGHUI_IMPORT_WORKERS", min(4, max(1, (os.cpu_count() or 1) - 1))
)
GONGHUI_IMPORT_WORKERS_FROM = env_int("GONGHUI_IMPORT_WORKERS_FROM", 20_000)
# PostgreSQL: commit each import batch on a writer thread (a second connection) while the next
# batch is prepared (platform/imports/pipeline.OverlappedWriter; ADR 0015).
GONGHUI_IMPORT_OVERLAP = env_bool("GONGHUI_IMPORT_OVERLAP", True)

# --- Security headers ----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4.0): 'self' only, no third-party origin (WEB-3, WEB-4).
# Inline <script>/<style> carry nonce="{{ CSP_NONCE }}". The console (/console/) adds
# 'unsafe-eval' to script-src and 'unsafe-inline' to style-src for django-unfold's Alpine.js:
# gonghui/platform/security/middleware.py and docs/security.md "Headers, cookies and CSP".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Cache-Control: no-store on every response under these prefixes (DATA-5).
GONGHUI_NO_STORE_PREFIXES = ["/console/", "/m/", "/api/"]
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: Secure, path "/", no Domain, so no subdomain can set or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-language"
    LANGUAGE_COOKIE_SECURE = True
    LANGUAGE_COOKIE_HTTPONLY = True
    LANGUAGE_COOKIE_SAMESITE = "Lax"
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Logging -------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # redact_pi masks ID numbers, mobiles and long digit runs (a ``?q=`` typed into a search box
    # is in request lines and referers): on every handler, and on the loggers whose records
    # carry a request line, before any handler (Django's own included) sees them. gunicorn's
    # access and error logs: gonghui.platform.audit.gunicorn_logging (docs/operations.md).
    "filters": {
        "request_id": {"()": "gonghui.platform.audit.context.RequestIdLogFilter"},
        "redact_pi": {"()": "gonghui.platform.audit.scrub.RedactPIFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "redact_pi"],
        },
        # runserver's request lines, as Django logs them by default, redacted.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_pi"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    # SQL parameters and template contexts (django.template's DEBUG records carry the whole
    # context in their exception) hold personal data: never logged, even at LOG_LEVEL=DEBUG.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # failures are in the audit log (auth.login_failed)
        "django.template": {"level": "INFO"},
        "django.request": {"filters": ["redact_pi"]},
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["redact_pi"],
            "level": "INFO",
            "propagate": False,
        },
    },
}

# --- Console (django-unfold) ---------------------------------------------------------------
UNFOLD = {
    "SITE_TITLE": _("gonghui console"),
    "SITE_HEADER": _("gonghui · union console"),
    "SITE_SUBHEADER": _("Digital union platform"),
    "SITE_URL": "/console/",
    "SITE_SYMBOL": "diversity_3",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_LANGUAGES": True,
    "ENVIRONMENT": "gonghui.console.navigation.environment",
    "STYLES": ["gonghui.console.navigation.styles"],
    "SCRIPTS": ["gonghui.console.navigation.accessibility_script"],
    "COLORS": {
        "primary": {
            "50": "oklch(97.1% .013 17.38)",
            "100": "oklch(93.6% .032 17.717)",
            "200": "oklch(88.5% .062 18.334)",
            "300": "oklch(80.8% .114 19.571)",
            "400": "oklch(70.4% .191 22.216)",
            "500": "oklch(63.7% .237 25.331)",
            # Darker than unfold's red-600 (4.3:1 on the sidebar's grey): links, the active
            # sidebar item and hovers need 4.5:1 (WCAG 2.1 AA, issue #14); 5.5:1 now.
            "600": "oklch(52% .22 27.4)",
            "700": "oklch(50.5% .213 27.518)",
            "800": "oklch(44.4% .177 26.899)",
            "900": "oklch(39.6% .141 25.723)",
            "950": "oklch(25.8% .092 26.042)",
        },
    },
    "ACCOUNT": {"navigation": "gonghui.accounts.tokens.account_links"},
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": "gonghui.console.navigation.sidebar",
    },
}


# --- API -----------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

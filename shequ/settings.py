"""shequ settings. Every deploy-time value comes from an environment variable (see README);
with none set, a fresh clone runs in development mode on SQLite."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from shequ.crypto import development_keys, parse_keys
from shequ.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("SHEQU_DATA_DIR", str(BASE_DIR / "data")))

DEBUG = env_bool("DEBUG", True)

# Refused below whenever DEBUG is off.
_DEV_SECRET = "shequ-development-only-secret-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# ID numbers and phones are encrypted at rest (shequ/crypto.py) under SHEQU_DATA_KEYS and found
# through keyed hashes under SHEQU_HASH_KEYS: "id:base64,id:base64", newest first. Development
# and tests derive fixed keys; production refuses to start without its own.
_data_keys_text = env_str("SHEQU_DATA_KEYS", "")
_hash_keys_text = env_str("SHEQU_HASH_KEYS", "")
DATA_KEYS = parse_keys("SHEQU_DATA_KEYS", _data_keys_text) or development_keys("data")
HASH_KEYS = parse_keys("SHEQU_HASH_KEYS", _hash_keys_text) or development_keys("hash")
if not DEBUG:
    for _name, _keys, _purpose in (
        ("SHEQU_DATA_KEYS", DATA_KEYS, "data"),
        ("SHEQU_HASH_KEYS", HASH_KEYS, "hash"),
    ):
        if any(key == development_keys(_purpose)[0][1] for _, key in _keys):
            raise ImproperlyConfigured(
                f"{_name} must be set to keys of your own when DEBUG is off "
                "(`DEBUG=true shequ keys new ID` prints one)"
            )
    if {key for _, key in DATA_KEYS} & {key for _, key in HASH_KEYS}:
        raise ImproperlyConfigured("SHEQU_HASH_KEYS must not reuse a key of SHEQU_DATA_KEYS")
# `shequ backup` encrypts and authenticates its file under SHEQU_BACKUP_KEYS (same form, newest
# first; an older key still restores the files made under it). Development derives a fixed key;
# with DEBUG off there is none unless set, and `shequ backup` refuses (shequ/backup.py).
BACKUP_KEYS = parse_keys("SHEQU_BACKUP_KEYS", env_str("SHEQU_BACKUP_KEYS", "")) or (
    development_keys("backup") if DEBUG else []
)
if not DEBUG and development_keys("backup")[0][1] in {key for _, key in BACKUP_KEYS}:
    raise ImproperlyConfigured("SHEQU_BACKUP_KEYS must be keys of your own when DEBUG is off")

INSTALLED_APPS = [
    "accounts",  # first, so its createsuperuser (which checks the password policy) wins
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "shequ",
    "areas",
    "audit",
    "people",
    "ledger",
    "cases",
    "inspections",
    "programs",
    "reports",
    # Not "rest_framework" nor "drf_spectacular": the API needs neither's templates or static
    # files, and their translation catalogues would override Django's own Chinese messages on
    # every form ("这个字段是必填项").
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.second_factor.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "shequ.replica.ReadYourWritesMiddleware",
    # Last, so that it sees the views' exceptions first: a number past the database's range.
    "shequ.middleware.OutOfRangeMiddleware",
]

if not DEBUG:
    # In production WhiteNoise serves the collected static files; in development runserver does.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "shequ.urls"
WSGI_APPLICATION = "shequ.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shequ.context_processors.shell",
            ],
        },
    },
]

# --- Database: SQLite file by default, PostgreSQL (or any URL dj-database-url reads) when set.
_default_db = f"sqlite:///{DATA_DIR / 'shequ.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", _default_db),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {exc}") from None
if "DATABASE_URL" not in os.environ:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests run on a file, as production does, not on an in-memory database: a second
    # connection (a background import, the import writer process) must see committed data.
    _db_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_db_file.with_name(f"test_{_db_file.name}"))}
    # Writers take the lock when the transaction starts, so concurrent saves wait instead of
    # failing with "database is locked" half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
        ),
    }
PG_OPTIONS = "-c jit=off -c random_page_cost=1.1"


def _merge_pg_options(database: dict) -> None:
    options = database.setdefault("OPTIONS", {})
    own = str(options.get("options", "")).strip()
    options["options"] = f"{PG_OPTIONS} {own}" if own else PG_OPTIONS


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL compiles a query with LLVM once its estimated cost passes jit_above_cost; a
    # page's short queries over a large table cross it and then spend tens of milliseconds
    # compiling what runs in one or two. Pages here read through indexes; JIT only costs.
    # random_page_cost 1.1 (default 4, for spinning disks): the tables sit in memory or on
    # SSD, and at 4 the planner hashed whole tables (residences, memberships, visits) rather
    # than probe an index for a community's few hundred rows (docs/benchmarks.md, summary).
    # A DATABASE_URL with `?options=…` of its own adds to these rather than replacing them
    # (given after ours, its `-c` settings win where both set the same one).
    _merge_pg_options(DATABASES["default"])
# A PostgreSQL read replica (docs/scaling.md): statistics, summaries and ledgers read it; a user
# who has just changed something reads the primary for REPLICA_LAG_SECONDS after.
if env_str("DATABASE_REPLICA_URL", ""):
    try:
        DATABASES["replica"] = dj_database_url.parse(
            env_str("DATABASE_REPLICA_URL", ""),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        )
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URL is not a database address: {exc}"
        ) from None
    _merge_pg_options(DATABASES["replica"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["shequ.replica.ReplicaRouter"]
REPLICA_LAG_SECONDS = env_int("REPLICA_LAG_SECONDS", 30, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, passwords, sessions.
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "areas:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "accounts.validators.PasswordHistoryValidator", "OPTIONS": {"keep": 5}},
]
LOCKOUT_FAILURES = env_int("SHEQU_LOCKOUT_FAILURES", 5, minimum=1)
LOCKOUT_MINUTES = env_int("SHEQU_LOCKOUT_MINUTES", 10, minimum=1)
# Per client address (REMOTE_ADDR), over every account: so many failures within the minutes
# stop the address for as long (accounts/lockout.py).
LOCKOUT_ADDRESS_FAILURES = env_int("SHEQU_LOCKOUT_ADDRESS_FAILURES", 20, minimum=1)
LOCKOUT_ADDRESS_MINUTES = env_int("SHEQU_LOCKOUT_ADDRESS_MINUTES", 60, minimum=1)
# Idle timeout: the session's expiry moves forward on every request and lapses after this long
# without one; the cookie itself also ends with the browser.
# The default of the security policy's idle minutes (accounts/policy.py), which the session
# middleware enforces; the session itself lasts the longest idle time a policy may set.
IDLE_TIMEOUT_MINUTES = env_int("SHEQU_IDLE_TIMEOUT_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = 60 * max(IDLE_TIMEOUT_MINUTES, 120)
SESSION_SAVE_EVERY_REQUEST = True
# Absolute timeout: a session ends this long after its login, however active.
SESSION_MAX_HOURS = env_int("SHEQU_SESSION_MAX_HOURS", 12, minimum=1)
# Roles that must log in with a second factor (a code from a phone app, accounts/totp.py).
TOTP_REQUIRED_ROLES = frozenset({"district_admin", "sysadmin", "auditor"})
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- HTTP security. Production (DEBUG off) is HTTPS-only unless told otherwise.
_https = env_bool("SHEQU_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SHEQU_SSL_REDIRECT", _https)
SECURE_HSTS_SECONDS = env_int("SHEQU_HSTS_SECONDS", 31_536_000 if _https else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SHEQU_HSTS_INCLUDE_SUBDOMAINS", _https)
# Preloading commits the domain and its subdomains to HTTPS in browsers for good: opt in.
SECURE_HSTS_PRELOAD = env_bool("SHEQU_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Behind a reverse proxy every request comes from the proxy: the client's address is then the
# last one in X-Forwarded-For (the one the proxy appended; those before it the client chose).
BEHIND_PROXY = env_bool("SHEQU_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
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
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Language and time: Simplified Chinese, Beijing time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: collected into the data folder and served by WhiteNoise.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded spreadsheets wait here between their check and their import.
UPLOAD_DIR = Path(env_str("SHEQU_UPLOAD_DIR", str(DATA_DIR / "uploads")))
# Photos and documents of work records, under generated names; served only through their record.
RECORD_FILES_DIR = Path(env_str("SHEQU_RECORD_FILES_DIR", str(DATA_DIR / "files")))
RECORD_FILE_MAX_BYTES = env_int("SHEQU_RECORD_FILE_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
# One request carries at most a record's worth of files (Django answers 400 beyond), so an
# upload can't hold more than 20 × RECORD_FILE_MAX_BYTES in memory.
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# Files larger than this are checked and imported in the background, with a progress bar.
IMPORT_BACKGROUND_BYTES = env_int("SHEQU_IMPORT_BACKGROUND_BYTES", 256 * 1024, minimum=0)
IMPORT_MAX_UPLOAD_BYTES = env_int("SHEQU_IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, minimum=1)
# Imports of at least this many rows are written while they are checked (see shequ/streaming.py).
IMPORT_STREAM_ROWS = env_int("SHEQU_IMPORT_STREAM_ROWS", 5000, minimum=0)

# No full ID number or phone in a log line, an error mail or an error page (shequ/redact.py):
# every handler masks them, and so does the 500 report mailed to ADMINS.
ADMINS = [("", a) for a in env_list("SHEQU_ADMINS", [])]
SERVER_EMAIL = env_str("SHEQU_SERVER_EMAIL", "shequ@localhost")
DEFAULT_EXCEPTION_REPORTER = "shequ.redact.MaskingExceptionReporter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_numbers": {"()": "shequ.redact.MaskNumbersFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_numbers"]},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["mask_numbers", "require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("SHEQU_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's own handlers for "django" (its mail handler masks nothing); the
        # records still reach the root's console.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.db.backends": {"level": "INFO"},
    },
}


def _rate(name: str, default: str) -> str:
    """A throttle rate such as "600/min", checked at start-up rather than at the first call."""
    import re

    value = env_str(name, default)
    if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must look like 600/min (N/s, N/min, N/hour, N/day)")
    return value


# API tokens: the longest (and default) lifetime, and the days unused after which one stops.
API_TOKEN_MAX_DAYS = env_int("SHEQU_API_TOKEN_MAX_DAYS", 90, minimum=1)
API_TOKEN_IDLE_DAYS = env_int("SHEQU_API_TOKEN_IDLE_DAYS", 30, minimum=1)

# The REST API (api/, /api/v1/): tokens only, JSON only, one error body, calls per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.TokenRateThrottle", "api.auth.AnonymousRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": _rate("SHEQU_API_RATE", "600/min"),
        "anonymous": _rate("SHEQU_API_ANONYMOUS_RATE", "60/min"),
    },
    "EXCEPTION_HANDLER": "api.errors.handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "shequ 接口",
    "DESCRIPTION": (
        "社区台账系统的 REST 接口：令牌认证，JSON，游标分页，出错时答复 code、message、fields。"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
    },
    "SECURITY": [{"token": []}],
    "AUTHENTICATION_WHITELIST": [],
    # One name per enum where several answers have a field of the same name (kind, state…).
    "ENUM_NAME_OVERRIDES": {
        "PlaceKindEnum": "areas.kinds.PlaceKind",
        "UnitKindEnum": "areas.models.LocalUnit.Kind",
        "RecordKindEnum": "ledger.models.WorkRecord.Kind",
        "CaseKindEnum": "cases.models.Case.Kind",
        "CaseStateEnum": "api.serializers.CASE_STATES",
        "InspectionTargetEnum": "inspections.models.Inspection.Target",
        "InspectionResultEnum": "inspections.models.Inspection.Result",
        "RectificationStateEnum": "inspections.models.Rectification.State",
        "CampaignStateEnum": "api.program_views.CAMPAIGN_STATES",
        "AssistanceKindEnum": "programs.models.Assistance.Kind",
        "SupplyMoveKindEnum": "programs.models.SupplyMove.Kind",
    },
}

"""Settings for hostpanel, all read from the environment.

Every ``HOSTPANEL_*`` variable is documented in README.md. Nothing needs to be
set for a development run: state goes to ``HOSTPANEL_HOME`` (default ``./var``).
"""

from pathlib import Path

import dj_database_url

from hostpanel.lib.env import (
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    secret_from_file,
)
from hostpanel.lib.logs import log_format, logging_formatters

BASE_DIR = Path(__file__).resolve().parent.parent

# All state lives here: database, Maildirs, spool, quarantine, broker folders.
HOSTPANEL_HOME = env_path("HOSTPANEL_HOME", BASE_DIR / "var")
HOSTPANEL_HOME.mkdir(parents=True, exist_ok=True)

# Production (README, "Deployment"): secure cookies, HSTS, HTTPS redirects, collected static
# files, and hostpanel/servers/checks.py refuses to start on an unsafe configuration.
HOSTPANEL_PRODUCTION = env_bool("HOSTPANEL_PRODUCTION", False)
DEBUG = env_bool("HOSTPANEL_DEBUG", False)
# Development: a key generated into HOSTPANEL_HOME. Production: only the one given
# (HOSTPANEL_SECRET_KEY or HOSTPANEL_SECRET_KEY_FILE); none given stops every process.
SECRET_KEY = env_str("HOSTPANEL_SECRET_KEY") or (
    "" if HOSTPANEL_PRODUCTION else secret_from_file(HOSTPANEL_HOME / "secret_key"))
ALLOWED_HOSTS = env_list("HOSTPANEL_ALLOWED_HOSTS",
                         [] if HOSTPANEL_PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("HOSTPANEL_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",  # two-factor sign-in: TOTP and recovery codes
    "allauth.usersessions",  # "Sessions" page: list and sign out sessions
    "ninja",  # serves the API docs' scripts itself instead of loading them from a CDN
    "hostpanel.domains",
    "hostpanel.routing",
    "hostpanel.outbound",
    "hostpanel.quarantine",
    "hostpanel.spam",
    "hostpanel.lists",
    "hostpanel.mailsettings",
    "hostpanel.signin",
    "hostpanel.api",
    "hostpanel.servers",
    "hostpanel.webmail",
    "hostpanel.operator",
    "hostpanel.help",
    "hostpanel.dashboard",
    "hostpanel.resellers",
    "hostpanel.demo",
    "hostpanel.backup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Demo only: every request shares the reset lock (no half-restored page).
    "hostpanel.demo.middleware.ResetLockMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hostpanel.signin.language.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Demo only: no operator pages, no 2FA, limits on writes, sessions outlive a reset.
    "hostpanel.demo.middleware.DemoMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # request.reseller: the reseller whose panel host the request reached (white label).
    "hostpanel.resellers.middleware.ResellerHostMiddleware",
]

ROOT_URLCONF = "hostpanel.urls"
WSGI_APPLICATION = "hostpanel.wsgi.application"

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
                "django.template.context_processors.i18n",
                "hostpanel.quarantine.context_processors.virus_scanning",
                "hostpanel.resellers.context_processors.brand",
                "hostpanel.demo.context_processors.demo",
            ],
        },
    },
]

# Database: SQLite under HOSTPANEL_HOME unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{HOSTPANEL_HOME / 'db.sqlite3'}"),
        conn_max_age=env_int("HOSTPANEL_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web, SMTP and POP3 processes read while one of them writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that servers started by the tests share it.
    DATABASES["default"]["TEST"] = {"NAME": str(HOSTPANEL_HOME / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "domains.Account"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# argon2id at the OWASP minimum first: a POP3 login must not cost 400 ms of CPU.
PASSWORD_HASHERS = [
    "hostpanel.domains.hashers.MailArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
HOSTPANEL_MIN_PASSWORD_LENGTH = env_int("HOSTPANEL_MIN_PASSWORD_LENGTH", 8)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": HOSTPANEL_MIN_PASSWORD_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_USER_MODEL_EMAIL_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "hostpanel.signin.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "hostpanel.signin.forms.LoginForm"}
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Per client address only, as the mail servers count: a guesser elsewhere cannot lock
    # the real user out of their account.
    "login_failed": env_str("HOSTPANEL_LOGIN_FAILED_RATE", "5/5m/ip"),
}
# Two-factor sign-in (allauth.mfa): an authenticator app's code, or a recovery code.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("HOSTPANEL_MFA_TOTP_ISSUER", "hostpanel")
MFA_ADAPTER = "hostpanel.signin.mfa_adapter.MFAAdapter"  # a reseller's brand as issuer
# The "Sessions" page shows each session's IP, browser and last use.
USERSESSIONS_TRACK_ACTIVITY = True

# Cache: Redis when configured (shared by every process), memory otherwise.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en"
# The panel's 20 languages, each named in itself (the language menu shows them so).
LANGUAGES = [
    ("en", "English"), ("fr", "Français"), ("es", "Español"), ("de", "Deutsch"),
    ("it", "Italiano"), ("pt-br", "Português (Brasil)"), ("nl", "Nederlands"),
    ("sv", "Svenska"), ("da", "Dansk"), ("nb", "Norsk bokmål"), ("fi", "Suomi"),
    ("pl", "Polski"), ("cs", "Čeština"), ("sk", "Slovenčina"), ("hu", "Magyar"),
    ("ru", "Русский"), ("bg", "Български"), ("tr", "Türkçe"), ("ja", "日本語"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("HOSTPANEL_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = HOSTPANEL_HOME / "static"
# Development serves static/ as it is; production serves what collectstatic wrote, compressed
# and with hashed names (the Dockerfile runs it; plain hosts run it after each upgrade).
WHITENOISE_USE_FINDERS = not HOSTPANEL_PRODUCTION
if HOSTPANEL_PRODUCTION:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("HOSTPANEL_SECURE_COOKIES", HOSTPANEL_PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS only, in production: redirects, and HSTS for a year (0 turns it off).
SECURE_SSL_REDIRECT = env_bool("HOSTPANEL_SSL_REDIRECT", HOSTPANEL_PRODUCTION)
SECURE_HSTS_SECONDS = env_int("HOSTPANEL_HSTS_SECONDS", 31536000 if HOSTPANEL_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HOSTPANEL_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading commits the whole registrable domain to HTTPS: only on request.
SECURE_HSTS_PRELOAD = env_bool("HOSTPANEL_HSTS_PRELOAD", False)
# Behind a TLS proxy that sets X-Forwarded-Proto (and strips it from clients): trust it.
HOSTPANEL_BEHIND_PROXY = env_bool("HOSTPANEL_BEHIND_PROXY", False)
if HOSTPANEL_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Processes of `manage.py web` and `manage.py worker` (0: Celery's default, one per CPU).
HOSTPANEL_WEB_WORKERS = env_int("HOSTPANEL_WEB_WORKERS", 3)
HOSTPANEL_WEB_TIMEOUT = env_int("HOSTPANEL_WEB_TIMEOUT", 60)
HOSTPANEL_WORKER_CONCURRENCY = env_int("HOSTPANEL_WORKER_CONCURRENCY", 0)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Celery: Redis when CELERY_BROKER_URL is set, kombu's filesystem transport otherwise.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker = HOSTPANEL_HOME / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        "store_processed": False,
        "control_folder": str(_broker / "control"),
    }
    for _folder in ("queue", "processed", "control"):
        (_broker / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(HOSTPANEL_HOME / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE

# Mail storage and servers.
HOSTPANEL_HOSTNAME = env_str("HOSTPANEL_HOSTNAME", "localhost")
# The one host name mail programs use for POP3 and SMTP (Mail settings page, autoconfiguration).
HOSTPANEL_MAIL_HOST = env_str("HOSTPANEL_MAIL_HOST", HOSTPANEL_HOSTNAME)
# Where people reach the panel, for links in mail (one-click unsubscribe needs https).
HOSTPANEL_PANEL_URL = env_str("HOSTPANEL_PANEL_URL", f"https://{HOSTPANEL_HOSTNAME}").rstrip("/")
HOSTPANEL_MAIL_ROOT = env_path("HOSTPANEL_MAIL_ROOT", HOSTPANEL_HOME / "mail")
HOSTPANEL_SPOOL = env_path("HOSTPANEL_SPOOL", HOSTPANEL_HOME / "spool")
HOSTPANEL_QUARANTINE = env_path("HOSTPANEL_QUARANTINE", HOSTPANEL_HOME / "quarantine")
HOSTPANEL_WEB_HOST = env_str("HOSTPANEL_WEB_HOST", "127.0.0.1")
HOSTPANEL_WEB_PORT = env_int("HOSTPANEL_WEB_PORT", 8000)
HOSTPANEL_SMTP_HOST = env_str("HOSTPANEL_SMTP_HOST", "127.0.0.1")
HOSTPANEL_SMTP_PORT = env_int("HOSTPANEL_SMTP_PORT", 2525)
HOSTPANEL_SUBMISSION_PORT = env_int("HOSTPANEL_SUBMISSION_PORT", 2587)
# Submission over implicit TLS (465 in production); 0: no such listener.
HOSTPANEL_SUBMISSIONS_PORT = env_int("HOSTPANEL_SUBMISSIONS_PORT", 0)
HOSTPANEL_POP3_HOST = env_str("HOSTPANEL_POP3_HOST", "127.0.0.1")
HOSTPANEL_POP3_PORT = env_int("HOSTPANEL_POP3_PORT", 2110)
# POP3 over TLS from the first byte (995 in production); 0: no such listener.
HOSTPANEL_POP3S_PORT = env_int("HOSTPANEL_POP3S_PORT", 0)
# Refuse USER/AUTH before STLS, except from loopback (DESIGN: AUTH only after TLS).
HOSTPANEL_POP3_REQUIRE_TLS = env_bool("HOSTPANEL_POP3_REQUIRE_TLS", True)
HOSTPANEL_TLS_CERT = env_str("HOSTPANEL_TLS_CERT")
HOSTPANEL_TLS_KEY = env_str("HOSTPANEL_TLS_KEY")
HOSTPANEL_MESSAGE_SIZE_LIMIT = env_int("HOSTPANEL_MESSAGE_SIZE_LIMIT", 25 * 1024 * 1024)
HOSTPANEL_DEFAULT_QUOTA_MB = env_int("HOSTPANEL_DEFAULT_QUOTA_MB", 1024)
HOSTPANEL_DELETE_GRACE_DAYS = env_int("HOSTPANEL_DELETE_GRACE_DAYS", 7)
HOSTPANEL_SMTP_TIMEOUT = env_int("HOSTPANEL_SMTP_TIMEOUT", 300)
HOSTPANEL_POP3_TIMEOUT = env_int("HOSTPANEL_POP3_TIMEOUT", 600)
HOSTPANEL_AUTH_CACHE_TTL = env_int("HOSTPANEL_AUTH_CACHE_TTL", 300)
HOSTPANEL_AUTH_MAX_FAILURES = env_int("HOSTPANEL_AUTH_MAX_FAILURES", 10)
HOSTPANEL_AUTH_FAILURE_WINDOW = env_int("HOSTPANEL_AUTH_FAILURE_WINDOW", 300)
# Panel and API: the first failed login from an address waits this long, each next one twice.
HOSTPANEL_AUTH_FAILURE_DELAY_MS = env_int("HOSTPANEL_AUTH_FAILURE_DELAY_MS", 500)
HOSTPANEL_MAIL_DEBUG_LOG = env_bool("HOSTPANEL_MAIL_DEBUG_LOG", False)
# Submission: AUTH only after STARTTLS, unless this allows plain text from loopback.
HOSTPANEL_AUTH_PLAINTEXT_LOOPBACK = env_bool("HOSTPANEL_AUTH_PLAINTEXT_LOOPBACK", False)
# Outbound queue: give up (and tell the sender) after this many days of retries.
HOSTPANEL_QUEUE_LIFETIME_DAYS = env_int("HOSTPANEL_QUEUE_LIFETIME_DAYS", 5)
# Automatic replies: at most one per sender in this period (RFC 3834).
HOSTPANEL_VACATION_INTERVAL_DAYS = env_int("HOSTPANEL_VACATION_INTERVAL_DAYS", 1)
HOSTPANEL_AUTORESPONDER_INTERVAL_HOURS = env_int("HOSTPANEL_AUTORESPONDER_INTERVAL_HOURS", 1)
# Most addresses one forward (or an account's forwarding) may send to.
HOSTPANEL_MAX_FORWARD_TARGETS = env_int("HOSTPANEL_MAX_FORWARD_TARGETS", 100)
# host:port of a relay that takes all outbound mail instead of MX delivery.
HOSTPANEL_SMARTHOST = env_str("HOSTPANEL_SMARTHOST")
# Port the outbound queue connects to on remote MX hosts (25; tests point it at a sink).
HOSTPANEL_SMTP_DELIVERY_PORT = env_int("HOSTPANEL_SMTP_DELIVERY_PORT", 25)
# host:port of the DNS server for every lookup (MX, A, DKIM, blocklists); system resolver if unset.
HOSTPANEL_DNS = env_str("HOSTPANEL_DNS")
# clamd for virus scanning: host:port or a Unix socket path; '' = no scanner (mail not scanned).
HOSTPANEL_CLAMD = env_str("HOSTPANEL_CLAMD")
HOSTPANEL_CLAMD_TIMEOUT = env_int("HOSTPANEL_CLAMD_TIMEOUT", 30)
# The hourly definitions refresh runs this command first when it exists ('' = skip it).
HOSTPANEL_FRESHCLAM = env_str("HOSTPANEL_FRESHCLAM", "freshclam", empty_allowed=True)
# `make run` starts its own clamd on this port when clamd and definitions are installed and
# HOSTPANEL_CLAMD is unset; definitions are read from HOSTPANEL_CLAMAV_DATABASE.
HOSTPANEL_LOCAL_CLAMD = env_bool("HOSTPANEL_LOCAL_CLAMD", True)
HOSTPANEL_LOCAL_CLAMD_PORT = env_int("HOSTPANEL_LOCAL_CLAMD_PORT", 3320)
HOSTPANEL_CLAMAV_DATABASE = env_path("HOSTPANEL_CLAMAV_DATABASE", Path("/var/lib/clamav"))
# Quarantined (infected) messages are deleted after this many days.
HOSTPANEL_QUARANTINE_DAYS = env_int("HOSTPANEL_QUARANTINE_DAYS", 4)
# Spam: the domain's spam account name, how long caught spam is kept, where the
# classifier's models live (base.model from `manage.py spam learn`, one per domain).
HOSTPANEL_SPAM_ACCOUNT = env_str("HOSTPANEL_SPAM_ACCOUNT", "spam")
HOSTPANEL_SPAM_DAYS = env_int("HOSTPANEL_SPAM_DAYS", 10)
HOSTPANEL_SPAM_MODELS = env_path("HOSTPANEL_SPAM_MODELS", HOSTPANEL_HOME / "spam")
# Mailing lists: archives and posts awaiting moderation; how long a post waits for a
# moderator, and how long a confirmation cookie stays valid.
HOSTPANEL_LISTS = env_path("HOSTPANEL_LISTS", HOSTPANEL_HOME / "lists")
HOSTPANEL_LIST_MODERATION_DAYS = env_int("HOSTPANEL_LIST_MODERATION_DAYS", 14)
HOSTPANEL_LIST_CONFIRM_DAYS = env_int("HOSTPANEL_LIST_CONFIRM_DAYS", 7)
# Seconds a blocklist or SPF/DKIM/DMARC lookup may take before it counts as no answer.
HOSTPANEL_SPAM_DNS_TIMEOUT = env_int("HOSTPANEL_SPAM_DNS_TIMEOUT", 3)

# The public live demo (README, "Live demo"): a fixture restored every
# HOSTPANEL_DEMO_RESET_MINUTES, mail to other domains kept on the machine, limits on visitors.
HOSTPANEL_DEMO = env_bool("HOSTPANEL_DEMO", False)
HOSTPANEL_DEMO_RESET_MINUTES = 15
# Requests that create something, per visitor address and minute (demo only).
HOSTPANEL_DEMO_CREATES_PER_MINUTE = env_int("HOSTPANEL_DEMO_CREATES_PER_MINUTE", 5)
# The most accounts, forwards, lists, ... of each kind the demo domain holds (demo only).
HOSTPANEL_DEMO_MAX_OBJECTS = env_int("HOSTPANEL_DEMO_MAX_OBJECTS", 100)
# The largest message the demo accepts (the smaller of this and HOSTPANEL_MESSAGE_SIZE_LIMIT).
HOSTPANEL_DEMO_MESSAGE_SIZE_LIMIT = env_int("HOSTPANEL_DEMO_MESSAGE_SIZE_LIMIT", 1024 * 1024)
if HOSTPANEL_DEMO:
    HOSTPANEL_MESSAGE_SIZE_LIMIT = min(HOSTPANEL_MESSAGE_SIZE_LIMIT,
                                       HOSTPANEL_DEMO_MESSAGE_SIZE_LIMIT)

# "text" (readable lines) or "json" (one object per line, with the fields of each event).
HOSTPANEL_LOG_FORMAT = log_format(env_str("HOSTPANEL_LOG_FORMAT", "text"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": logging_formatters(),
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": HOSTPANEL_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("HOSTPANEL_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# A Celery worker replaces the root logger's handler with its own text lines; in JSON
# it keeps ours, so that its lines (queue.delivery...) are JSON too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = HOSTPANEL_LOG_FORMAT == "text"

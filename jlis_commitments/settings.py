"""The one settings module: everything that differs between machines comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from jlis_commitments import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# The quickstart (`make run` / `make services`) writes the URLs of its embedded servers here;
# variables already set in the environment always win.
env.load_env_file(VAR_DIR / "services.env")

DEBUG = env.env_bool("DJANGO_DEBUG", False)
if DEBUG:
    SECRET_KEY = env.env_str("DJANGO_SECRET_KEY", "insecure-development-key-only-for-DJANGO_DEBUG")
else:
    SECRET_KEY = env.env_str("DJANGO_SECRET_KEY")
if not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 32 characters")
ALLOWED_HOSTS = env.env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# Links in e-mails and previews: by default the quickstart's web server, on the port it runs on (JLIS_WEB_PORT).
WEB_PORT = env.env_int("JLIS_WEB_PORT", 8000)
SITE_URL = env.env_str("SITE_URL", f"http://127.0.0.1:{WEB_PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "django_celery_beat",
    "simple_history",
    "axes",
    "csp",
    "pgtrigger",
    "commitments",
]
# The benchmark and the synthetic-data generator (devtools/): the quickstart and the tests, never production.
DEVTOOLS = env.env_bool("JLIS_DEVTOOLS", DEBUG)
if DEVTOOLS:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: the rest of the request runs in the user's tenancy scope (models/scoping.py).
    "commitments.middleware.OrganizationScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "commitments.middleware.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jlis_commitments.urls"
WSGI_APPLICATION = "jlis_commitments.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.database_config("DATABASE_URL")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "commitments.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "exposure"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["jlis_commitments.formats"]  # Japanese date and time formats (one style on every page)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve from the app folders when collectstatic has not run (tests, quickstart); production runs collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail: EMAIL_URL (smtp://host:25, smtp+tls://user:pass@host:587); unset -> files under var/mail/.
globals().update(env.email_config("EMAIL_URL", VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.env_str("DEFAULT_FROM_EMAIL", "債務負担行為管理 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: a real worker over Redis everywhere (never eager).
REDIS_URL = env.redis_url("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task not acknowledged within this many seconds is redelivered (worker crash).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "project-all-nightly": {
        "task": "commitments.tasks.project_all",
        "schedule": crontab(hour=2, minute=0),
    },
    # The nightly run re-projects only what changed; once a week the stored rows are compared with a full
    # recomputation, per organization, and any difference is logged as an error.
    "projection-verify-weekly": {
        "task": "commitments.tasks.projection_verify",
        "schedule": crontab(day_of_week=0, hour=3, minute=30),
    },
    # A commitment saved while the broker was down (or whose task died with its worker) stays flagged stale: the
    # auditor pages promise it is reflected within minutes, so the sweep does not wait for the nightly run.
    "projections-sweep": {
        "task": "commitments.tasks.projections_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # The fiscal year ends on 31 March: each organization's year-end close (年度末処理) of the year just ended, once,
    # recorded with the system user (Asia/Tokyo, CELERY_TIMEZONE). Replaces the old "fiscal-year-rollover" entry.
    "fiscal-year-close": {
        "task": "commitments.tasks.close_fiscal_years",
        "schedule": crontab(month_of_year=4, day_of_month=1, hour=0, minute=5),
    },
    # Management reports run from their subscriptions' own entries (ReportSubscription, kept in step by a
    # service); this sweep only re-queues deliveries left behind by a broker outage or a dead worker.
    "reports-sweep": {
        "task": "commitments.tasks.reports_sweep",
        "schedule": crontab(minute="*/10"),
    },
    # An import job queued or running longer than IMPORT_JOB_TIMEOUT lost its worker (or its task was never sent):
    # it ends 失敗 with a message, and an approver may run it again.
    "import-jobs-sweep": {
        "task": "commitments.tasks.import_jobs_sweep",
        "schedule": crontab(minute="*/10"),
    },
}
# Seconds an import job may stay queued or running before the sweep declares its worker gone (失敗).
IMPORT_JOB_TIMEOUT = env.env_int("IMPORT_JOB_TIMEOUT", 3600)
if IMPORT_JOB_TIMEOUT < 60:
    raise ImproperlyConfigured("IMPORT_JOB_TIMEOUT must be at least 60 seconds")
# Report e-mails: tries per delivery before it ends FAILED; back-off base and cap in seconds (base × 2^retry,
# jittered); a delivery left `sending` longer than the timeout (dead worker) may be taken over.
REPORT_MAX_ATTEMPTS = env.env_int("REPORT_MAX_ATTEMPTS", 5)
REPORT_RETRY_BACKOFF = env.env_int("REPORT_RETRY_BACKOFF", 60)
REPORT_RETRY_BACKOFF_MAX = env.env_int("REPORT_RETRY_BACKOFF_MAX", 1800)
REPORT_SENDING_TIMEOUT = env.env_int("REPORT_SENDING_TIMEOUT", 900)
if REPORT_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("REPORT_MAX_ATTEMPTS must be at least 1")
# Publishing a task must not hang a web request when Redis is down: give up fast, sweep later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Nor on the result backend: services send with ignore_result (no result subscription), and any client that does wait
# (a command's .get()) gives up reconnecting after about a second instead of Celery's default 20 tries (≈19 s).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = env.env_int("REDIS_CONNECT_TIMEOUT", 2)
CELERY_BROKER_CONNECTION_TIMEOUT = env.env_int("REDIS_CONNECT_TIMEOUT", 2)
# After a failed publish, further sends of the same process give up at once for this many seconds (enqueue.py).
BROKER_DOWN_SECONDS = env.env_int("BROKER_DOWN_SECONDS", 10)

# Domain settings
# Contracts reaching this share of a commitment's limit are registered with a warning; above 100 % refused.
COMMITMENT_WARN_PERCENT = env.env_int("COMMITMENT_WARN_PERCENT", 90)
if not 1 <= COMMITMENT_WARN_PERCENT <= 100:
    raise ImproperlyConfigured("COMMITMENT_WARN_PERCENT must be between 1 and 100")

# Memory for each sort and hash of the nightly set-based projection (PostgreSQL work_mem, this transaction only).
# Several are alive at once: 64MB keeps the run under 512 MB at 1 M commitments (docs/performance.md).
PROJECTION_WORK_MEM = env.env_str("PROJECTION_WORK_MEM", "64MB")

# History is a record: it is read, never reverted from the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"commitments": {"level": env.env_str("LOG_LEVEL", "INFO")}},
}


# --- Security -----------------------------------------------------------------------------------------------
# Login throttling: after AXES_FAILURE_LIMIT wrong passwords for one user name from one address, that pair is
# locked out for AXES_COOLOFF_MINUTES (the admin login and the auditor login alike).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env.env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.env_int("AXES_PROXY_COUNT", 0)  # how many reverse proxies stand in front
AXES_VERBOSE = False

# Every asset is served from our own static files (LGWAN terminals have no internet): scripts only from 'self'.
# Styles allow inline attributes because the Django admin's own templates use them.
CONTENT_SECURITY_POLICY = {
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
    }
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)  # a working day
SESSION_COOKIE_SECURE = env.env_bool("DJANGO_SECURE_COOKIES", not DEBUG and not SITE_URL.startswith("http://"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = env.env_list("DJANGO_CSRF_TRUSTED_ORIGINS", SITE_URL)
# Behind a TLS-terminating reverse proxy (see docs/deployment.md): trust its X-Forwarded-Proto only when told.
if env.env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.env_bool("DJANGO_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = env.env_int("DJANGO_HSTS_SECONDS", 31_536_000 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = False
# Preloading binds every subdomain of the organisation's domain (e.g. a city's whole *.lg.jp) to HTTPS forever:
# that is the domain owner's decision, not this application's, so its deploy-check warning is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

"""Django settings. Every value is read here, once, from the environment.

Defaults work on a developer machine (the stack from `scripts/stack up`). With DJANGO_DEBUG off
(production), secrets have no defaults: a missing one stops the process at start-up.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)


def _secret(name: str, *, local_default: str, required: bool = True) -> str:
    """A secret from the environment; the local default is only ever used with DEBUG on."""
    value: str = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return local_default
    if required:
        raise ImproperlyConfigured(f"{name} must be set in the environment when DJANGO_DEBUG is off.")
    return ""


SECRET_KEY = _secret("DJANGO_SECRET_KEY", local_default="django-insecure-local-development-only")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:3000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_celery_beat",
    "django_prometheus",
    "workers",
    "tasks_app",
    "recurrence_app",
    "notifications_app",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # admin and Swagger UI assets under gunicorn
    "workers.tracing.TraceContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "todo_project.urls"
WSGI_APPLICATION = "todo_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://todo:todo@127.0.0.1:5432/todo"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per-process cache (token claims already synced to the users table); large enough for every active user.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": env.int("LOCAL_CACHE_MAX_ENTRIES", default=100_000)},
    }
}

# --- Time: UTC in storage, users' IANA zones for wall-clock rules ---------------------------------
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Authentication of API callers (JWTs issued by Better Auth) -----------------------------------
JWKS_URL = env.str("JWKS_URL", default="")
# Least seconds between two key-set fetches caused by an unknown `kid` (key rotation).
JWKS_REFRESH_COOLDOWN_SECONDS = env.float("JWKS_REFRESH_COOLDOWN_SECONDS", default=30.0)
BETTER_AUTH_SECRET = _secret(
    "BETTER_AUTH_SECRET",
    local_default="local-development-only-better-auth-secret-0123456789",
    required=not JWKS_URL,
)
JWT_ISSUER = env.str("JWT_ISSUER", default="")
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="")
JWT_LEEWAY_SECONDS = env.int("JWT_LEEWAY_SECONDS", default=30)
# Operators (dead-letter retry API): a token whose role claim holds one of these roles, or a staff session.
JWT_OPERATOR_ROLE_CLAIM = env.str("JWT_OPERATOR_ROLE_CLAIM", default="role")
JWT_OPERATOR_ROLES = env.list("JWT_OPERATOR_ROLES", default=["admin"])

# --- Kafka ----------------------------------------------------------------------------------------
KAFKA_BOOTSTRAP_SERVERS = env.str("KAFKA_BOOTSTRAP_SERVERS", default="127.0.0.1:9092")
# Prepended to every topic name; tests use a unique prefix so runs never share topics.
KAFKA_TOPIC_PREFIX = env.str("KAFKA_TOPIC_PREFIX", default="")
KAFKA_PARTITIONS = env.int("KAFKA_PARTITIONS", default=12)
KAFKA_REPLICATION_FACTOR = env.int("KAFKA_REPLICATION_FACTOR", default=1)
KAFKA_MIN_INSYNC_REPLICAS = env.int("KAFKA_MIN_INSYNC_REPLICAS", default=1)
# Extra librdkafka properties (e.g. security.protocol=SASL_SSL) as KEY=VALUE pairs.
KAFKA_CLIENT_CONFIG = env.dict("KAFKA_CLIENT_CONFIG", default={})

# --- Celery (Redis broker) ------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks are acknowledged after they ran, so a worker killed mid-task does not lose its event; handlers are
# idempotent. With Redis, an unacknowledged task returns to the queue after the visibility timeout, which
# must exceed the longest retry countdown (30 min) and the reminders' scheduling horizon.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery closes Django's database connection around every task unless told otherwise: a new PostgreSQL
# session per event cost more CPU than the handlers (bench/recurrence.py). Connections are kept instead,
# and todo_project/celery.py drops broken or expired ones at each task's edges (CONN_MAX_AGE, health checks).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # How often workers look for tasks whose worker died (kombu's defaults: every 10 x 10 s).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
}
CELERY_TASK_ROUTES = {
    "recurrence.*": {"queue": "recurrence"},
    # Deliveries have a queue (and worker) of their own: a burst of schedule events must not stand
    # between a due reminder and its email.
    "notifications.deliver_due_reminders": {"queue": "reminder-deliveries"},
    "notifications.*": {"queue": "reminders"},
    "workers.*": {"queue": "maintenance"},
    "tasks.*": {"queue": "maintenance"},
}
CELERY_TASK_DEFAULT_QUEUE = "maintenance"
# A worker holds at most this many ETA tasks (reminders within the horizon); the rest wait in Redis.
CELERY_WORKER_ETA_TASK_LIMIT = env.int("CELERY_WORKER_ETA_TASK_LIMIT", default=20_000)
CELERY_WORKER_SEND_TASK_EVENTS = True  # for Flower
CELERY_TASK_SEND_SENT_EVENT = True
# Multiplies every retry delay of the reference's policies (workers/retry_policies.py); tests shorten them.
RETRY_DELAY_SCALE = env.float("RETRY_DELAY_SCALE", default=1.0)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Installed into django-celery-beat's tables by the DatabaseScheduler; operators may edit them in admin.
CELERY_BEAT_SCHEDULE = {
    "prune-outbox": {"task": "workers.prune_outbox", "schedule": 3600.0},
    "prune-processed-events": {"task": "workers.prune_processed_events", "schedule": 3600.0},
    "prune-idempotency-keys": {"task": "tasks.prune_idempotency_keys", "schedule": 3600.0},
    "report-dead-letters": {"task": "workers.report_dead_letters", "schedule": 60.0},
    # The sweeps that make PostgreSQL, not the Celery broker, the record of owed work: they expire rather
    # than pile up while their worker is down (the next one does the same work).
    "enqueue-due-reminders": {
        "task": "notifications.enqueue_due_reminders",
        "schedule": env.float("REMINDER_SCAN_SECONDS", default=1.0),
        "options": {"expires": 30},
    },
    "create-owed-occurrences": {
        "task": "recurrence.create_owed_occurrences",
        "schedule": env.float("RECURRENCE_SWEEP_SECONDS", default=2.0),
        "options": {"expires": 30},
    },
}

# --- Outbox ---------------------------------------------------------------------------------------
# Published rows are kept this long (for audits and replays), then deleted by `workers.prune_outbox`.
OUTBOX_RETENTION_HOURS = env.int("OUTBOX_RETENTION_HOURS", default=72)
# Processed-event records absorb duplicates this long (the reference's 24 h state TTL).
PROCESSED_EVENTS_RETENTION_HOURS = env.int("PROCESSED_EVENTS_RETENTION_HOURS", default=24)
# An Idempotency-Key replays its first response this long.
IDEMPOTENCY_KEY_RETENTION_HOURS = env.int("IDEMPOTENCY_KEY_RETENTION_HOURS", default=24)

# --- Recurrence -----------------------------------------------------------------------------------
# A completed recurring task whose next occurrence is still missing this long after the completion (its
# event lost with a killed worker or a restarted broker, or stuck behind a backlog) gets it from the sweep.
RECURRENCE_OWED_AFTER_SECONDS = env.float("RECURRENCE_OWED_AFTER_SECONDS", default=4.0)

# --- Reminders ------------------------------------------------------------------------------------
# Reminders due within the horizon become Celery ETA tasks; it must stay far below the broker's
# visibility timeout. A reminder still unclaimed this long after it fell due (the worker holding its ETA
# task was killed, or the broker lost it), or a task's reminder whose event never made a schedule row, is
# enqueued again by the scan; a row being sent is locked by its sender and never counts as lost.
REMINDER_HORIZON_SECONDS = env.int("REMINDER_HORIZON_SECONDS", default=300)
REMINDER_LOST_AFTER_SECONDS = env.float("REMINDER_LOST_AFTER_SECONDS", default=2.0)
# How far back the scan looks for tasks whose reminder has no schedule row at all (its event was lost):
# the scan runs every second, so only a scan stopped longer than this could miss one.
REMINDER_RECOVERY_WINDOW_SECONDS = env.int("REMINDER_RECOVERY_WINDOW_SECONDS", default=3600)
# A delivery task claims (and records) due reminders this many at a time; a full batch calls in another
# worker process to share the burst.
REMINDER_DELIVERY_BATCH = env.int("REMINDER_DELIVERY_BATCH", default=50)

# --- Email (reminders) ----------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Todo <reminders@localhost>")

# --- REST framework and OpenAPI -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "todo_project.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Todo platform API",
    "DESCRIPTION": "Tasks with priorities, tags, due dates, recurrence and reminders.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Health probes --------------------------------------------------------------------------------
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=2.0)

# --- Logging: one line per record to stderr; never log secrets or tokens --------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
    },
}

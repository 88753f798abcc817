# The backend image: one image for every Python process of the Procfile (API, live updates, relay, bridges,
# Celery workers, beat, Flower). Its default command is the API (gunicorn); the Helm chart picks another
# process by overriding the command, e.g. `python manage.py run_outbox_relay --metrics-port 9101` or
# `celery -A todo_project worker -Q reminders,sweeps ...` (the Procfile lists them all).
#
# Base image pinned by digest: a rebuild months from now starts from the very image this was written against.
# Both stages use the same one. To move it, change the tag and its digest together, on both FROM lines.

# --- build: the virtualenv and the static files ----------------------------------------------------------
FROM python:3.13.6-slim-bookworm@sha256:2b09112b54420d2e3e814f2cbe34e8e54d32b8c5abd4e72e89cda4758fc6400a AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Every dependency ships a manylinux wheel for CPython 3.13 (amd64 and arm64: psycopg[binary] bundles libpq,
# confluent-kafka bundles librdkafka), so no compiler is needed here. Should one ever need building, install
# build-essential in this stage only: the final stage copies the venv, never the tools.
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY manage.py ./
COPY todo_project/ todo_project/
COPY tasks_app/ tasks_app/
COPY recurrence_app/ recurrence_app/
COPY notifications_app/ notifications_app/
COPY live_updates_app/ live_updates_app/
COPY calendar_feed_app/ calendar_feed_app/
COPY webhooks_app/ webhooks_app/
COPY portability_app/ portability_app/
COPY assistant_app/ assistant_app/
COPY workers/ workers/

# Non-editable install of the project: pip resolves the dependencies from pyproject.toml. The project's own
# package is then taken out of the venv again (the dependencies stay): the code lives once, in /app of the
# final stage (PYTHONPATH), where todo_project/settings.py's BASE_DIR finds the collected static files.
RUN pip install --no-cache-dir . \
    && pip uninstall --yes todo-platform

# The admin's and Swagger UI's assets (whitenoise's compressed manifest storage needs its manifest at run
# time), collected here so nothing is written at run time. Settings only need to import: DJANGO_DEBUG=true
# spares the JWKS_URL/BETTER_AUTH_SECRET requirement, and this DJANGO_SECRET_KEY exists for this one command
# only. It signs nothing (collectstatic signs no session, cookie or token) and is in no layer's environment.
RUN DJANGO_DEBUG=true \
    DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    python manage.py collectstatic --noinput

# --- final: the venv, the code, the static files; no compiler, no pip cache ----------------------------------
FROM python:3.13.6-slim-bookworm@sha256:2b09112b54420d2e3e814f2cbe34e8e54d32b8c5abd4e72e89cda4758fc6400a AS final

# HOME and TMPDIR point at /tmp: the image runs with a read-only root filesystem, /tmp being the one writable
# path (an emptyDir on Kubernetes). What writes there: gunicorn's worker heartbeat files and its control socket
# ($HOME/.gunicorn/gunicorn.ctl), the Celery workers' Prometheus multiprocess files (WORKER_METRICS_DIR).
# Nothing else writes to disk: bytecode is compiled below at build time, static files were collected, beat
# keeps its schedule in PostgreSQL (django-celery-beat), Flower runs without --persistent.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TMPDIR=/tmp \
    WORKER_METRICS_DIR=/tmp/todo-worker-metrics \
    DJANGO_SETTINGS_MODULE=todo_project.settings

# The account the processes run as: uid/gid 10001, no login shell, owning nothing in the image.
RUN groupadd --system --gid 10001 todo \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
        --shell /usr/sbin/nologin todo

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
COPY manage.py ./
COPY todo_project/ todo_project/
COPY tasks_app/ tasks_app/
COPY recurrence_app/ recurrence_app/
COPY notifications_app/ notifications_app/
COPY live_updates_app/ live_updates_app/
COPY calendar_feed_app/ calendar_feed_app/
COPY webhooks_app/ webhooks_app/
COPY portability_app/ portability_app/
COPY assistant_app/ assistant_app/
COPY workers/ workers/
COPY --from=build /src/staticfiles/ staticfiles/

# Bytecode now, as root into the image, since the read-only filesystem keeps Python from caching it later.
RUN python -m compileall -q /app

USER 10001:10001

# 8000: the API (gunicorn); 8001: the live-updates server; 5555: Flower. The metrics ports (9101-9123,
# 9110-9119 for gunicorn's workers) listen on METRICS_ADDRESS, 127.0.0.1 unless the chart sets it.
EXPOSE 8000 8001 5555

# No HEALTHCHECK: Kubernetes probes the processes (/health/live, /health/ready on the API and live updates).

CMD ["gunicorn", "todo_project.wsgi", "-c", "python:todo_project.gunicorn_conf", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "3", "--threads", "3", "--access-logfile", "-", "--graceful-timeout", "20"]

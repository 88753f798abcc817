"""Django's PostgreSQL backend with timestamps parsed by psycopg's optimised loader (`ENGINE =
"workers.postgresql"`); `base.py` says why."""

"""The environment of the reminder workers the tests start: `make run`'s, with a short horizon and short
SMTP retry delays."""

from tests.support.smtp import SmtpSink

HORIZON = 3  # seconds: "beyond the horizon" needs only a few seconds of waiting


def reminder_env(smtp: SmtpSink, **extra: str) -> dict[str, str]:
    """The workers' settings: `make run`'s, except a short horizon and short SMTP retry delays.

    The scan interval, the lost-reminder threshold and Celery's visibility timeout stay at their defaults:
    recovery from a killed worker is tested as it runs in production.
    """
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "REMINDER_HORIZON_SECONDS": str(HORIZON),
        "RETRY_DELAY_SCALE": "0.002",
        **extra,
    }

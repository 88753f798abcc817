"""Telemetry every process shares: OpenTelemetry tracing (tracing.py) and trace ids in log lines (logs.py)."""

"""The body of every API error: `{"error": {"code", "message", "details"}}`."""

from typing import Any


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}

"""Where things are: the repository's root, and the folder the tests' processes and reports log to."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / ".cache" / "logs" / "tests"

"""The Procfile's processes and their commands, read without importing Django (the benchmarks read them
too)."""

import shlex

from tests.support.paths import ROOT


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if command.strip() and not line.startswith("#"):
            entries[name.strip()] = command.strip()
    return entries


def procfile_command(name: str) -> list[str]:
    """The Procfile's command for `name`, without its metrics port: a `make run` on this machine may hold
    the port, and the tests that run one process alone need none."""
    args = shlex.split(procfile()[name])
    if "--metrics-port" in args:
        at = args.index("--metrics-port")
        del args[at : at + 2]
    return args

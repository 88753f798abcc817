"""Free loopback ports for the servers the suite and the benches start, picked below the kernel's
ephemeral range.

A port picked from the ephemeral range (what `bind(("127.0.0.1", 0))` hands out) is free only until some
process opens an outgoing connection: the kernel may give that connection the same port as its local end,
and a server that binds it later fails with EADDRINUSE for as long as the connection lasts. A Kafka or
PostgreSQL connection lasts the whole test, and a faults run once went without its webhooks bridge because
of it. Ports below the range are never handed to outgoing connections, and this process never hands out
the same port twice.
"""

import random
import socket
import threading
from pathlib import Path

LOWEST = 10_000  # above the well-known and registered ports services here listen on (5432, 6379, 9092…)
_handed_out: set[int] = set()
_lock = threading.Lock()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32_768, 60_999  # Linux's default


def _candidates() -> range:
    low, high = _ephemeral_range()
    below = range(LOWEST, low)
    return below if len(below) >= 1_000 else range(high + 1, 65_536)


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ports(count: int) -> range:
    """`count` consecutive ports free on 127.0.0.1 now, outside the ephemeral range, not handed out before
    by this process."""
    candidates = _candidates()
    with _lock:
        for _ in range(200):
            first = random.randrange(candidates.start, candidates.stop - count + 1)
            ports = range(first, first + count)
            if not _handed_out.intersection(ports) and all(_free(port) for port in ports):
                _handed_out.update(ports)
                return ports
    raise AssertionError(f"no {count} consecutive free ports in {candidates}")


def free_port() -> int:
    """One port free on 127.0.0.1 now (see `free_ports`)."""
    return free_ports(1).start

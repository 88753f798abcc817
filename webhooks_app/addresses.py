"""Which webhook targets are allowed (SSRF): checked when an endpoint is registered and again at every
delivery, on the addresses the delivery then connects to.

- `https` only; `http` and non-public addresses only with WEBHOOKS_ALLOW_PRIVATE_TARGETS (local development
  and tests).
- No credentials in the URL, no fragment, a host name or a canonical IP address (the decimal, octal, hex and
  short forms the C resolver accepts, such as `2130706433` or `0x7f.1` for 127.0.0.1, are refused as such).
- The host must resolve, and every address it resolves to must be public: loopback, private (RFC 1918,
  IPv6 ULA), link-local, shared (CGNAT), multicast, reserved, unspecified and documentation ranges are
  refused, IPv4-mapped IPv6 addresses by the IPv4 address they carry. `localhost` and `*.localhost` are
  refused by name.

The delivery connects to the very address checked here (`Target.address`), never resolving the name a
second time, so a DNS answer that changes between the check and the connection (DNS rebinding) reaches
nothing it was not allowed to.
"""

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# Looks like an IPv4 address in some form (digits, dots, hex): only the dotted-quad form is accepted.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]*|[0-9]*))*\.?$", re.IGNORECASE)


class TargetRefusedError(ValueError):
    """The URL may not be a webhook target; the message says why, for the user."""


class UnresolvableHostError(TargetRefusedError):
    """The host does not resolve (now): refused at registration, retried at delivery."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`, already checked) and what to say to it."""

    scheme: str
    host: str  # as in the URL (for the Host header and TLS's SNI and certificate check)
    port: int
    path: str  # with the query
    address: str  # the IP address to connect to

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (the system's resolver), in its order of preference."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnresolvableHostError(f"The host {host} cannot be resolved.") from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def private_allowed() -> bool:
    return bool(settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS)


def check_url(url: str) -> SplitResult:
    """The URL's parts when its form is allowed (before any resolution); else TargetRefusedError."""
    if any(character.isspace() or ord(character) < 0x20 for character in url):
        raise TargetRefusedError("The URL must not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefusedError(f"Not a valid URL: {error}.") from error
    allowed_schemes = ("https", "http") if private_allowed() else ("https",)
    if parts.scheme not in allowed_schemes:
        raise TargetRefusedError("The URL must use https.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise TargetRefusedError("The URL must not contain credentials.")
    if parts.fragment or url.endswith("#"):
        raise TargetRefusedError("The URL must not have a fragment.")
    host = parts.hostname
    if not host:
        raise TargetRefusedError("The URL must name a host.")
    if port == 0:
        raise TargetRefusedError("The URL's port must be between 1 and 65535.")
    if not private_allowed():
        if host == "localhost" or host.endswith((".localhost", ".localhost.")) or host == "localhost.":
            raise TargetRefusedError("The host must not be localhost.")
        if _NUMERIC_HOST.match(host) and not _is_ip(host):
            raise TargetRefusedError(f"The host {host} is not a canonical IP address.")
    return parts


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def refusal(address: IPAddress) -> str | None:
    """Why an address may not be a webhook target, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal(address.ipv4_mapped)
    for kind, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if flag:
            return kind
    if not address.is_global:  # shared (100.64/10), documentation, benchmarking, ...
        return "not public"
    return None


def resolve_target(url: str, *, resolver: Resolver | None = None) -> Target:
    """Check `url` and resolve its host: the address to connect to, every address the name has being
    allowed. Raises TargetRefusedError."""
    parts = check_url(url)
    host = parts.hostname
    assert host is not None  # check_url refuses a URL without one
    scheme = parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    addresses = [host] if _is_ip(host) else (resolver or system_resolver)(host, port)
    if not addresses:
        raise UnresolvableHostError(f"The host {host} cannot be resolved.")
    parsed = [ipaddress.ip_address(address.split("%", 1)[0]) for address in addresses]
    if not private_allowed():
        for address in parsed:
            reason = refusal(address)
            if reason is not None:
                raise TargetRefusedError(
                    f"The host {host} resolves to {address}, a {reason} address: webhooks go to public "
                    "addresses only."
                )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(parsed[0]))

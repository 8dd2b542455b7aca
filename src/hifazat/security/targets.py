"""Outbound targets (webhook receivers): an address inside the network is refused unless allowed.

A URL supplied by a user is a request the server will make on their behalf. Left unchecked it reaches the
server's own loopback, the private network behind it and cloud metadata endpoints (server-side request
forgery). The rule: the URL's host must be, or resolve only to, globally routable unicast addresses; an
operator's allow-list (hosts or networks) admits internal receivers on purpose.

Every spelling of an address counts, because the system resolver reads them all as numbers: `2130706433`,
`0x7f.1`, `0177.0.0.1`, `127.1` and `127.0.0.1.` are loopback; IPv6 is unwrapped when it carries an IPv4
address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64, 6to4, Teredo) and both are judged.

`checked(url, allow)` is the check at registration (a name that does not resolve yet is let through; the
send checks again). `pinned(url, allow)` is the check at send time: it resolves once and returns the one
address it judged, so the caller connects to exactly that address (a second lookup could be answered
differently: DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REFUSED = (
    "must not point inside the network (loopback, private, link-local, multicast, reserved or unspecified "
    "address, in any spelling or by a name resolving to one); an operator may allow internal receivers "
    "with HIFAZAT_WEBHOOK_ALLOW"
)
_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
# Not globally reachable per the IANA registries, though this Python's `is_global` misses some of them.
_DENIED: tuple[IPNetwork, ...] = (
    ipaddress.IPv4Network("192.0.0.0/24"),
    ipaddress.IPv4Network("192.88.99.0/24"),
    ipaddress.IPv4Network("198.18.0.0/15"),
    ipaddress.IPv6Network("100::/64"),
    ipaddress.IPv6Network("2001::/23"),
    ipaddress.IPv6Network("2001:db8::/32"),
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


class TargetRefused(ValueError):
    """The target may not be contacted; the message says why in words fit for the person who supplied it."""


@dataclass(frozen=True)
class Allow:
    """The operator's allow-list: exact host names and networks that may be internal."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    def admits_name(self, host: str) -> bool:
        return host in self.names

    def admits(self, ip: IPAddress) -> bool:
        return any(ip.version == n.version and ip in n for n in self.networks)


def parse_allow_entry(entry: str) -> str | IPNetwork:
    """One allow-list entry as a network (an address is a /32 or /128) or a lower-case host name."""
    text = entry.strip().lower().rstrip(".")
    try:
        return ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        pass
    if _NAME.match(text) and not _looks_numeric(text.rsplit(".", 1)[-1]):
        return text
    raise ValueError(f"{entry!r} is neither a host name nor an IP address or CIDR network")


@lru_cache(maxsize=8)
def allow_list(entries: tuple[str, ...]) -> Allow:
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for e in entries:
        parsed = parse_allow_entry(e)
        if isinstance(parsed, str):
            names.add(parsed)
        else:
            networks.append(parsed)
    return Allow(frozenset(names), tuple(networks))


def _looks_numeric(part: str) -> bool:
    return part.isdigit() or (part[:2] == "0x" and all(c in "0123456789abcdef" for c in part[2:]))


def _number(part: str) -> int:
    if part[:2] == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part[0] == "0":
        if any(c not in "01234567" for c in part):
            raise TargetRefused("has a host that is not a valid address")
        return int(part, 8)
    return int(part, 10)


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells the way inet_aton and URL parsers read it, or None for a name.

    One to four dot-separated parts, each decimal, octal (leading 0) or hex (0x); the last part fills the
    remaining bytes (`127.1` is 127.0.0.1, `2130706433` too). A host whose last label is numeric but is no
    valid address is refused rather than treated as a name, as browsers do."""
    labels = host.lower().split(".")
    if labels and labels[-1] == "" and len(labels) > 1:
        labels = labels[:-1]  # one trailing dot: the root
    if not labels or not _looks_numeric(labels[-1]):
        return None
    if len(labels) > 4 or not all(_looks_numeric(p) for p in labels):
        raise TargetRefused("has a host that is not a valid address")
    nums = [_number(p) for p in labels]
    *head, last = nums
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(nums)):
        raise TargetRefused("has a host that is not a valid address")
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def literal_ip(host: str) -> IPAddress | None:
    """The address a (lower-case, unbracketed) host is written as, or None when it is a name."""
    if ":" in host:
        if "%" in host:
            raise TargetRefused("must not carry an IPv6 zone")
        try:
            return ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise TargetRefused("has a host that is not a valid address") from exc
    return parse_ipv4(host)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo client), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64 or ip in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    packed = int(ip)
    if packed >> 32 == 0 and packed > 1:  # deprecated IPv4-compatible ::a.b.c.d (not :: or ::1)
        return ipaddress.IPv4Address(packed)
    return None


def _routable(ip: IPAddress) -> bool:
    if any(ip.version == n.version and ip in n for n in _DENIED):
        return False
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
    )


def is_public(ip: IPAddress) -> bool:
    """A globally routable unicast address (and, for IPv6 carrying an IPv4 address, that one as well)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None and not _routable(inner):
            return False
    return _routable(ip)


def permitted(ip: IPAddress, allow: Allow) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None and allow.admits(ip.ipv4_mapped):
        return True
    return allow.admits(ip) or is_public(ip)


@dataclass(frozen=True)
class Target:
    """A checked URL: its scheme, normalised host and port, and the address judged (None: not resolved)."""

    scheme: str
    host: str
    port: int
    address: IPAddress | None


def split(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, the host lower-case without brackets or trailing dot."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TargetRefused("must be an http:// or https:// URL with a host")
    host = parts.hostname.rstrip(".")
    if not host or not host.isascii():
        raise TargetRefused("must name its host in ASCII (use the xn-- form of an international name)")
    if "%" in host or any(c.isspace() for c in host):
        raise TargetRefused("has a host that is not a valid address")
    try:
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("has an invalid port") from exc
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for a name (tests replace this function)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _judge(host: str, port: int, allow: Allow, *, must_resolve: bool) -> IPAddress | None:
    literal = literal_ip(host)
    if literal is not None:
        if not permitted(literal, allow):
            raise TargetRefused(REFUSED)
        return literal
    if not _NAME.match(host):
        raise TargetRefused("has a host that is not a valid name")
    by_name = allow.admits_name(host)
    if not by_name and (host == "localhost" or host.endswith(".localhost")):
        raise TargetRefused(REFUSED)  # RFC 6761: always loopback, whatever a resolver says
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        if must_resolve:
            raise TargetRefused("does not resolve") from exc
        return None
    if not addresses:
        if must_resolve:
            raise TargetRefused("does not resolve")
        return None
    # Every address must pass, not only the first: the resolver's order is not ours to rely on.
    if not by_name and not all(permitted(a, allow) for a in addresses):
        raise TargetRefused(REFUSED)
    return addresses[0]


def checked(url: str, allow: Allow) -> Target:
    """The check at registration. Raises TargetRefused; a name that does not resolve now passes."""
    scheme, host, port = split(url)
    return Target(scheme, host, port, _judge(host, port, allow, must_resolve=False))


def pinned(url: str, allow: Allow) -> Target:
    """The check at send time: resolve once, judge, and return the address to connect to."""
    scheme, host, port = split(url)
    address = _judge(host, port, allow, must_resolve=True)
    assert address is not None  # must_resolve
    return Target(scheme, host, port, address)


def entries(values: Iterable[str]) -> tuple[str, ...]:
    """Allow-list entries checked (ValueError names a bad one), as a hashable tuple for `allow_list`."""
    out = tuple(values)
    for e in out:
        parse_allow_entry(e)
    return out

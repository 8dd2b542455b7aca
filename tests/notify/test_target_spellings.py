"""Property: however an address is spelled, the check reads it as the system resolver would, and an internal
address is refused in every spelling (decimal, octal, hex, shortened, trailing dot, IPv4 inside IPv6)."""

from __future__ import annotations

import ipaddress
import socket
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hifazat.security import targets

INTERNAL_V4 = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
]
INTERNAL_V6 = ["::1/128", "::/128", "fe80::/10", "fc00::/7", "fec0::/10", "ff00::/8", "2001:db8::/32"]
internal_v6 = st.sampled_from(INTERNAL_V6).flatmap(lambda n: st.ip_addresses(v=6, network=n))
internal_v4 = st.sampled_from(INTERNAL_V4).flatmap(lambda n: st.ip_addresses(v=4, network=n))
public_v4 = st.ip_addresses(v=4).filter(targets.is_public)


def _part(draw: st.DrawFn, value: int) -> str:
    base = draw(st.sampled_from(["dec", "oct", "hex", "HEX"]))
    if base == "oct":
        return "0" + format(value, "o") if value else draw(st.sampled_from(["0", "00"]))
    if base in ("hex", "HEX"):
        digits = format(value, "x" if base == "hex" else "X")
        return draw(st.sampled_from(["0x", "0X"])) + "0" * draw(st.integers(0, 2)) + digits
    return str(value)


@st.composite
def ipv4_spelling(draw: st.DrawFn, address: ipaddress.IPv4Address) -> str:
    """One of the many ways inet_aton and URL parsers accept an IPv4 address."""
    value, parts = int(address), draw(st.integers(1, 4))
    head = [(value >> (8 * (3 - i))) & 0xFF for i in range(parts - 1)]
    tail = value & ((1 << (8 * (5 - parts))) - 1)
    return ".".join(_part(draw, v) for v in [*head, tail])


@st.composite
def ipv6_wrapping(draw: st.DrawFn, address: ipaddress.IPv4Address) -> str:
    """The IPv4 address carried inside IPv6: mapped, compatible, NAT64, 6to4, dotted or in hex words."""
    n = int(address)
    prefix = draw(st.sampled_from([0xFFFF << 32, 0, 0x64FF9B << 96]))
    if draw(st.booleans()):
        six = ipaddress.IPv6Address((0x2002 << 112) | (n << 80))
    else:
        six = ipaddress.IPv6Address(prefix | n)
    text = draw(st.sampled_from([six.compressed, six.exploded, six.compressed.upper()]))
    if six.ipv4_mapped is not None and draw(st.booleans()):
        text = f"::ffff:{address}"
    return f"[{text}]"


def _public_resolver(host: str, port: int) -> list[targets.IPAddress]:
    return [ipaddress.ip_address("93.184.215.14")]  # if a spelling were taken for a name, it would pass


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_an_internal_ipv4_is_refused_in_every_spelling(data: st.DataObject) -> None:
    address = data.draw(internal_v4)
    host = data.draw(st.one_of(ipv4_spelling(address), ipv6_wrapping(address)))
    host += data.draw(st.sampled_from(["", "."])) if not host.startswith("[") else ""
    with mock.patch.object(targets, "resolve", _public_resolver):
        for check in (targets.checked, targets.pinned):
            try:
                check(f"http://{host}:8080/hook", targets.Allow())
            except targets.TargetRefused:
                continue
            raise AssertionError(f"{host} ({address}) was let through by {check.__name__}")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_an_internal_ipv6_is_refused_in_every_spelling(data: st.DataObject) -> None:
    address = data.draw(internal_v6)
    text = data.draw(st.sampled_from([address.compressed, address.exploded, address.exploded.upper()]))
    with mock.patch.object(targets, "resolve", _public_resolver), pytest.raises(targets.TargetRefused):
        targets.pinned(f"https://[{text}]:8443/hook", targets.Allow())


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_spellings_read_as_the_system_resolver_reads_them(data: st.DataObject) -> None:
    address = data.draw(st.one_of(internal_v4, public_v4))
    spelling = data.draw(ipv4_spelling(address))
    assert targets.parse_ipv4(spelling) == address
    assert targets.parse_ipv4(spelling + ".") == address
    assert socket.inet_aton(spelling) == address.packed  # the C library agrees with our reading


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_public_address_passes_in_any_spelling_and_is_the_one_connected_to(data: st.DataObject) -> None:
    address = data.draw(public_v4)
    host = data.draw(ipv4_spelling(address))
    with mock.patch.object(targets, "resolve", side_effect=AssertionError("a literal is not resolved")):
        target = targets.pinned(f"https://{host}/hook", targets.Allow())
    assert target.address == address

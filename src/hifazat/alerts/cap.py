"""OASIS CAP 1.2 for one alert, and an Atom feed of the public and restricted ones.

CAP times carry an explicit offset and no fraction (the XSD's `sent` pattern); we give them in Pakistan
Standard Time (+05:00) because CAP forbids "Z" and spells UTC only as "-00:00".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from hifazat.alerts.models import Alert, AlertStatus
from hifazat.core.validators import PROVINCES

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
PKT = ZoneInfo("Asia/Karachi")
SEVERITY = {"critical": "Extreme", "high": "Severe", "medium": "Moderate", "low": "Minor"}
SCOPE = {"public": "Public", "restricted": "Restricted", "private": "Private"}
EVENT = {
    "sos": "SOS distress call",
    "need_help": "Person needs help",
    "attack": "Attack",
    "red_zone_entry": "Entry into a red zone",
    "unaccompanied": "Unescorted movement",
}
RESTRICTION = "For Hifazat member agencies and their sharing-agreement partners only; not for public release."


def cap_time(dt: datetime) -> str:
    """2024-11-07T15:04:05+05:00 — seconds precision, explicit offset."""
    return dt.astimezone(PKT).replace(microsecond=0).isoformat()


def sender_of(host: str) -> str:
    return f"hifazat@{host or 'localhost'}"


def identifier(alert: Alert) -> str:
    """Each state of the alert is its own CAP message; the first one is the alert id itself."""
    if alert.updated_at <= alert.created_at or alert.status == AlertStatus.new:
        return f"urn:hifazat:alert:{alert.id}"
    return f"urn:hifazat:alert:{alert.id}:{int(alert.updated_at.timestamp() * 1000)}"


# Characters XML 1.0 cannot carry; text typed into an alert may hold them, a feed must still render.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """The text with the characters XML cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = xml_text(text)
    return el


def cap_element(
    alert: Alert, *, host: str, sender_name: str, addresses: Iterable[str] = ()
) -> etree._Element:
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    sender = sender_of(host)
    _sub(root, "identifier", identifier(alert))
    _sub(root, "sender", sender)
    _sub(root, "sent", cap_time(alert.updated_at))
    _sub(root, "status", "Actual")
    first = identifier(alert) == f"urn:hifazat:alert:{alert.id}"
    msg_type = "Alert" if first else ("Cancel" if alert.status == AlertStatus.false_alarm else "Update")
    _sub(root, "msgType", msg_type)
    _sub(root, "source", "Hifazat")
    scope = SCOPE.get(alert.cap_scope, "Restricted")
    _sub(root, "scope", scope)
    if scope == "Restricted":
        _sub(root, "restriction", RESTRICTION)
    if scope == "Private":
        addrs = " ".join(f'"{a}"' if " " in a else a for a in addresses) or alert.agency_id
        _sub(root, "addresses", addrs)
    _sub(root, "note", f"status {alert.status}; escalation level {alert.escalation_level}")
    if not first:
        _sub(root, "references", f"{sender},urn:hifazat:alert:{alert.id},{cap_time(alert.created_at)}")
    _sub(root, "incidents", alert.id)
    info = _sub(root, "info")
    _sub(info, "language", "en-US")
    _sub(info, "category", "Security")
    _sub(info, "event", EVENT.get(alert.kind, alert.kind.replace("_", " ").capitalize()))
    closed = alert.status in (AlertStatus.resolved, AlertStatus.false_alarm)
    _sub(info, "responseType", "AllClear" if closed else "Monitor")
    _sub(info, "urgency", "Past" if closed else "Immediate")
    _sub(info, "severity", SEVERITY.get(alert.severity, "Unknown"))
    certainty = "Unlikely" if alert.status == AlertStatus.false_alarm else "Observed"
    _sub(info, "certainty", certainty)
    _sub(info, "effective", cap_time(alert.created_at))
    _sub(info, "senderName", sender_name)
    _sub(info, "headline", alert.title[:160])
    if alert.description:
        _sub(info, "description", alert.description)
    _sub(info, "instruction", "Follow the instructions of security personnel and the control room.")
    param = _sub(info, "parameter")
    _sub(param, "valueName", "hifazat:status")
    _sub(param, "value", alert.status)
    area = _sub(info, "area")
    desc = PROVINCES.get(alert.province or "", alert.province or "Pakistan")
    if alert.lat is not None and alert.lon is not None:
        desc = f"Reported position, {desc}"
    _sub(area, "areaDesc", desc)
    if alert.lat is not None and alert.lon is not None:
        _sub(area, "circle", f"{alert.lat:.5f},{alert.lon:.5f} 0.5")
    if alert.province:
        geo = _sub(area, "geocode")
        _sub(geo, "valueName", "ISO3166-2")
        _sub(geo, "value", alert.province)
    return root


def cap_xml(alert: Alert, *, host: str, sender_name: str, addresses: Iterable[str] = ()) -> bytes:
    el = cap_element(alert, host=host, sender_name=sender_name, addresses=addresses)
    return bytes(etree.tostring(el, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _atom(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", **attrs)
    if text is not None:
        el.text = xml_text(text)
    return el


def atom_feed(alerts: list[tuple[Alert, str]], *, base_url: str, host: str, now: datetime) -> bytes:
    """An Atom feed; each entry links to and embeds the alert's CAP message."""
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _atom(feed, "id", f"urn:hifazat:cap-feed:{host}")
    _atom(feed, "title", "Hifazat alerts (CAP 1.2)")
    updated = max((a.updated_at for a, _ in alerts), default=now)
    _atom(feed, "updated", cap_time(updated))
    author = _atom(feed, "author")
    _atom(author, "name", "Hifazat")
    _atom(feed, "link", rel="self", href=f"{base_url}/api/v1/cap/feed.atom")
    for alert, sender_name in alerts:
        entry = _atom(feed, "entry")
        _atom(entry, "id", f"urn:hifazat:alert:{alert.id}")
        _atom(entry, "title", alert.title)
        _atom(entry, "updated", cap_time(alert.updated_at))
        _atom(entry, "published", cap_time(alert.created_at))
        _atom(
            entry,
            "link",
            rel="alternate",
            type="application/cap+xml",
            href=f"{base_url}/api/v1/alerts/{alert.id}/cap",
        )
        _atom(entry, "category", term=alert.kind)
        _atom(entry, "summary", f"{SEVERITY.get(alert.severity, 'Unknown')} — {alert.status}")
        content = _atom(entry, "content", type="application/cap+xml")
        content.append(cap_element(alert, host=host, sender_name=sender_name))
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True))

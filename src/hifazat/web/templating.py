"""Jinja2 environment, page rendering and the security headers every HTML page carries.

The page shell knows no domain: the layout shows a `Viewer` and its `AgencyLabel`, which the caller passes
(domains render signed-in pages through `hifazat.auth.web_session.render`, which looks the agency up).
Domains keep their templates in their own folder and register it with `add_template_dir(path)`; their
templates extend `base.html`.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from hifazat import __version__
from hifazat.config import Settings, get_settings
from hifazat.core.validators import PROVINCES
from hifazat.web.nav import visible_nav

TEMPLATE_DIR = Path(__file__).parent / "templates"
_loaders: list[FileSystemLoader] = [FileSystemLoader(str(TEMPLATE_DIR))]

env = Environment(
    loader=ChoiceLoader(_loaders),
    autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml"), default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class Viewer(Protocol):
    """Who the layout's header shows as signed in (auth's Principal is one)."""

    @property
    def user_id(self) -> str | None: ...
    @property
    def username(self) -> str: ...
    @property
    def roles(self) -> frozenset[str]: ...


class AgencyLabel(Protocol):
    """The viewer's agency as the header names it (auth's Agency is one)."""

    @property
    def name(self) -> str: ...
    @property
    def short_name(self) -> str | None: ...


def add_template_dir(path: Path) -> None:
    """Let another package ship templates (searched after ours, so `base.html` stays this one)."""
    loader = FileSystemLoader(str(path))
    if all(str(path) not in lo.searchpath for lo in _loaders):
        _loaders.append(loader)
        env.loader = ChoiceLoader(list(_loaders))


LABELS = {
    "id": "ID",
    "cnic": "CNIC",
    "cctv": "CCTV",
    "cpec": "CPEC",
    "center_lat": "Centre latitude",
    "center_lon": "Centre longitude",
    "radius_m": "Radius (m)",
    "width_m": "Width (m)",
    "agency_id": "Agency",
    "employer_agency_id": "Employer",
}


def humanize(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    label = name.removesuffix("_id").replace("_", " ").strip()
    return (label[:1].upper() + label[1:]) if label else name


def when(value: Any) -> str:
    """An ISO timestamp as "YYYY-MM-DD HH:MM UTC" (the `when` filter)."""
    if not value:
        return "—"
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return dt.strftime("%Y-%m-%d %H:%M UTC")


def _json_attr(value: Any) -> str:
    """Serialise for a data-* attribute (autoescape then escapes the quotes)."""
    return json.dumps(value, separators=(",", ":"), default=str)


env.filters["humanize"] = humanize
env.filters["json_attr"] = _json_attr
env.filters["when"] = when
env.globals["PROVINCES"] = PROVINCES
env.globals["version"] = __version__


def _tile_sources(tile_url: str) -> list[str]:
    """CSP source expression(s) for the configured tile server ({s} subdomains become a wildcard)."""
    if not tile_url or tile_url.startswith("/"):
        return []
    parts = urlsplit(tile_url.replace("{s}", "tilesub"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return []
    host = parts.hostname
    if "tilesub" in host:
        host = host.replace("tilesub", "*")
    port = f":{parts.port}" if parts.port else ""
    return [f"{parts.scheme}://{host}{port}"]


def content_security_policy(settings: Settings) -> str:
    img = " ".join(["'self'", "data:", *_tile_sources(settings.tile_url)])
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src {img}",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(settings: Settings) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def _settings(request: Request) -> Settings:
    s = getattr(request.app.state, "settings", None)
    return s if isinstance(s, Settings) else get_settings()


def render(
    request: Request,
    template: str,
    *,
    viewer: Viewer | None = None,
    agency: AgencyLabel | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page with the layout context (nav, user, agency) and the security headers."""
    settings = _settings(request)
    ctx: dict[str, Any] = {
        "request": request,
        "path": request.url.path,
        "principal": viewer,
        "agency": agency,
        "nav": visible_nav(viewer.roles) if viewer is not None else [],
        "tile_url": settings.tile_url,
        "tile_attribution": settings.tile_attribution,
        **context,
    }
    html = env.get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status_code, headers=security_headers(settings))


__all__ = [
    "AgencyLabel",
    "Viewer",
    "add_template_dir",
    "content_security_policy",
    "env",
    "humanize",
    "render",
    "security_headers",
]

"""Every link the navigation shows a user opens for that user: no role is offered a page it is refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.web.conftest import cookie_login

USERS = ("police-admin", "police-operator", "psc-admin", "psc-operator", "liaison")


@pytest.mark.parametrize("username", USERS)
def test_every_navigation_link_opens_for_its_user(client: TestClient, world: World, username: str) -> None:
    web = cookie_login(client, username)
    home = web.get("/")
    assert home.status_code == 200, home.text
    nav = re.search(r"<nav.*?</nav>", home.text, re.S)
    assert nav is not None
    links = re.findall(r'href="(/[^"#?]*)"', nav.group(0))
    assert "/" in links
    assert "/alerts" in links
    refused = {path: web.get(path).status_code for path in links}
    assert {p: s for p, s in refused.items() if s != 200} == {}

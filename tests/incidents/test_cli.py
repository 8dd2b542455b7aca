"""`hifazat incidents list [--status] [--province] [--json]`: the operator's scriptable list."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from hifazat.cli import app
from tests.alerts.conftest import Scene
from tests.incidents.conftest import file


def test_list_as_json_and_lines(scene: Scene, incident: dict[str, Any]) -> None:
    other = file(scene, type="crime", summary="Phone snatched", lat=31.5204, lon=74.3587)
    runner = CliRunner()
    r = runner.invoke(app, ["incidents", "list", "--json"])
    assert r.exit_code == 0, r.output
    items = json.loads(r.output)["items"]
    assert [i["id"] for i in items] == [other["id"], incident["id"]]
    assert items[1]["casualties"] == {"CN": {"injured": 2, "killed": 0}}
    r = runner.invoke(app, ["incidents", "list", "--json", "--province", "PK-PB"])
    assert [i["id"] for i in json.loads(r.output)["items"]] == [other["id"]]
    r = runner.invoke(app, ["incidents", "list", "--status", "verified"])
    assert r.exit_code == 0
    assert r.output == ""
    r = runner.invoke(app, ["incidents", "list"])
    assert "CN 2/0  Guard opened fire on two Chinese workers" in r.output
    assert "reported" in r.output

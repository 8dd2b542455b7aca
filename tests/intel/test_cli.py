"""`hifazat intel extract FILE... --json`: one object per line per file, exactly the contract's keys, no
database needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from hifazat.cli import app

KEYS = [
    "file",
    "event_date",
    "location",
    "admin1",
    "lat",
    "lon",
    "killed",
    "injured",
    "victim_nationalities",
    "attack_type",
    "perpetrator",
    "confidence",
]
REPORT = (
    "date 2021-07-15\nNine Chinese nationals and four Pakistanis were killed on Wednesday when a bus "
    "carrying engineers to the Dasu project was hit by a blast. At least 28 people were injured.\n"
)


def test_one_line_per_file_with_exact_keys(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(REPORT, encoding="utf-8")
    b.write_text(
        "date 2024-11-07\nA security guard opened fire on Chinese nationals in Karachi on Tuesday, "
        "injuring two.",
        encoding="utf-8",
    )
    out = CliRunner().invoke(app, ["intel", "extract", str(a), str(b), "--json"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [list(r) for r in rows] == [KEYS, KEYS]
    assert rows[0]["file"] == str(a)
    assert rows[0]["killed"] == 13
    assert rows[0]["location"] == "Dasu"
    assert rows[1]["attack_type"] == "insider_attack"
    assert rows[1]["event_date"] == "2024-11-05"


def test_a_bad_file_keeps_its_line_all_null_and_the_exit_code_says_so(tmp_path: Path) -> None:
    good, empty, binary = tmp_path / "good.txt", tmp_path / "empty.txt", tmp_path / "x.bin"
    good.write_text(REPORT, encoding="utf-8")
    empty.write_bytes(b"")
    binary.write_bytes(b"\x00\x9f\x00" * 50)
    missing = tmp_path / "missing.txt"
    out = CliRunner().invoke(
        app, ["intel", "extract", str(good), str(empty), str(binary), str(missing), "--json"]
    )
    assert out.exit_code == 1
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["file"] for r in rows] == [str(good), str(empty), str(binary), str(missing)]
    assert rows[0]["killed"] == 13
    for r in rows[1:]:
        assert list(r) == KEYS
        assert all(r[k] is None for k in KEYS[1:-1])
    assert "empty" in out.stderr
    assert "binary" in out.stderr
    assert "cannot read" in out.stderr


def test_runs_as_a_process_without_any_database(tmp_path: Path) -> None:
    f = tmp_path / "r.txt"
    f.write_text(REPORT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIFAZAT_")}
    env["HIFAZAT_DATA_DIR"] = str(tmp_path / "nowhere")  # no database there, and none is made
    hifazat = str(Path(sys.executable).parent / "hifazat")
    run = subprocess.run(
        [hifazat, "intel", "extract", str(f), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert list(json.loads(run.stdout.strip())) == KEYS
    assert not (tmp_path / "nowhere").exists() or not any((tmp_path / "nowhere").rglob("*.db"))

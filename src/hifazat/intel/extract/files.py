"""Files -> one JSON line each (the `hifazat intel extract FILE... --json` contract)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hifazat.intel.extract.engine import MAX_CHARS, ExtractError, decode, empty_result, extract_text


def extract_file(path: Path) -> dict[str, Any]:
    """The event of one file, `file` first; raises ExtractError for a file that is not a report."""
    try:
        size = path.stat().st_size
        if size > MAX_CHARS * 4:
            raise ExtractError(f"too large: {size} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractError(f"cannot read: {exc.strerror or exc}") from exc
    return {"file": str(path), **extract_text(decode(data))}


def lines(paths: list[Path]) -> Iterator[tuple[str, str | None]]:
    """(JSON line, error or None) per file, in order; a file that fails still gets its line, all null."""
    for p in paths:
        try:
            row, err = extract_file(p), None
        except ExtractError as exc:
            row, err = {"file": str(p), **empty_result()}, str(exc)
        yield json.dumps(row, ensure_ascii=False), err

"""Literal substring search: `%`, `_` and the escape character in a user's term match themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func

ESCAPE = "\\"


def escape_like(term: str) -> str:
    """The term with LIKE wildcards and the escape character escaped (use with escape=ESCAPE)."""
    return term.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains_ci(column: Any, term: str) -> Any:
    """A case-insensitive `column contains term` condition where term is matched literally."""
    return func.lower(column).like(f"%{escape_like(term.lower())}%", escape=ESCAPE)

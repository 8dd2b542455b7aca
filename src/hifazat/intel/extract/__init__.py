"""The offline extraction engine: a report's text -> a structured event (rules and shipped word lists;
nothing downloaded, no database). See docs/intel.md for the rules and the counting conventions."""

from __future__ import annotations

from hifazat.intel.extract.engine import FIELDS, ExtractError, decode, empty_result, extract_text

__all__ = ["FIELDS", "ExtractError", "decode", "empty_result", "extract_text"]

"""The personnel domain's services, by concern: `licences`, `people` (personnel and their CNIC), `checks`
(and the clearance they add up to). Plain functions taking the session and the principal; they flush,
never commit."""

from __future__ import annotations

from hifazat.personnel import checks, licences, people

__all__ = ["checks", "licences", "people"]

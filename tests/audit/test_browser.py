"""The audit page's verify button in a real browser: intact with its checkpoints, then a cut-off tail."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from hifazat.platform.audit.keeper import checkpoint_now
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import get_engine
from tests.web.test_browser import Tab
from tests.web.test_browser import browser as browser  # module-scoped chromium
from tests.web.test_browser import tab as tab  # page on the live server, fails on JS errors / CSP

pytestmark = pytest.mark.browser


def test_the_verify_button_reports_checkpoints_and_a_cut_off_tail(tab: Tab) -> None:
    tab.login("/audit")
    cp = checkpoint_now(force=True)  # the login's entries are the head now
    assert cp is not None
    tab.page.click("#verify-chain")
    out = tab.page.locator("#verify-result")
    out.filter(has_text="Intact").wait_for()
    assert "signed checkpoints agree" in out.inner_text()
    with get_engine().begin() as conn:
        conn.execute(delete(AuditEntry.__table__).where(AuditEntry.seq >= cp.seq))
    tab.page.click("#verify-chain")
    out.filter(has_text="BROKEN").wait_for()
    assert f"BROKEN at entry {cp.seq}" in out.inner_text()
    assert "cut off" in out.inner_text()

"""Bad input gets a clear answer, never a hang: unknown numbers, wrong passwords, unknown agents."""

from __future__ import annotations

import pytest

from hotline.sipp.runner import AgentPhone, AgentPhoneError, run_call
from tests.integration.center import Center

pytestmark = pytest.mark.integration


def test_unknown_dialed_number_is_refused_with_404(center: Center) -> None:
    before = len(center.calls())
    result = run_call(center.settings, caller="13800138004", to="99999", scenario="call-rejected")
    assert result.ok, result.report()
    assert len(center.calls()) == before


def test_agent_phone_with_a_wrong_password_cannot_register(center: Center) -> None:
    phone = AgentPhone(center.settings, "agent8003", password="not-the-password")
    with pytest.raises(AgentPhoneError):
        phone.start()
    phone.stop(unregister=False)
    assert "agent8003" not in center.cli("pjsip show contacts")


def test_login_of_an_unknown_agent_says_what_is_wrong(center: Center) -> None:
    done = center.hotline("agent", "login", "9999")
    assert done.returncode == 2
    assert "no agent named '9999'" in done.stderr

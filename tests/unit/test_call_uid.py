"""The call id the dialplan chooses (SHA1 of Asterisk's own values) is taken; anything else is not."""

from __future__ import annotations

import hashlib

import pytest

from hotline import vocabulary as v
from hotline.db.session import Database
from hotline.services import calls

DIALPLAN_UID = hashlib.sha1(b"1700000000.1-1700000000-12345").hexdigest()


@pytest.mark.parametrize(
    ("proposed", "kept"),
    [(DIALPLAN_UID, True), ("../../etc/passwd", False), ("ABCDEF" * 6, False), ("", False), (None, False)],
)
def test_a_proposed_call_id_is_kept_only_when_it_is_hex(demo_database: Database, proposed: str | None,
                                                        kept: bool) -> None:  # fmt: skip
    with demo_database.session() as session:
        entry = calls.CallEntry("1.1", "1.1", "13800138001", "10109366", v.VIA_ARI, "city", uid=proposed)
        uid = calls.register_call(session, entry).uid
        assert (uid == proposed) is kept
        assert calls.is_call_uid(uid)
        assert calls.call_exists(session, uid)
        assert not calls.call_exists(session, "0" * 40)

"""Queue accounting from queue_log lines: events stored, calls accounted, outcomes balanced, the
follower resumes from its cursor and never reads a line twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hotline import vocabulary as v
from hotline.acd import queuelog
from hotline.acd.follower import QueueLogFollower, read_new
from hotline.db.models import Agent, AgentStateChange, Call, Queue, QueueEvent
from hotline.db.session import Database
from hotline.services.calls import CallEntry, register_call
from tests.unit.clitools import cli_env, hotline

T = 1764770000


@pytest.fixture(autouse=True)
def seeded(database: Database) -> None:
    with database.session() as session:
        session.add_all([Queue(name="futian"), Queue(name="city")])
        session.add(Agent(name="8002", display_name="李娜", endpoint="agent8002", state="ready"))


def line(dt: int, callid: str, queue: str, agent: str, verb: str, *data: object) -> str:
    return "|".join([str(T + dt), callid, queue, agent, verb, *map(str, data)]) + "\n"


ANSWERED = [
    line(0, "1.1", "futian", "NONE", "ENTERQUEUE", "", "13800138000", 1),
    line(1, "1.1", "futian", "8001", "RINGNOANSWER", 15000),
    line(9, "1.1", "futian", "8002", "CONNECT", 9, "1.7", 2),
    line(40, "1.1", "futian", "8002", "COMPLETECALLER", 9, 31, 1),
]
ABANDONED = [
    line(2, "2.1", "futian", "NONE", "ENTERQUEUE", "", "13800138001", 2),
    line(12, "2.1", "futian", "NONE", "ABANDON", 1, 2, 10),
]
OVERFLOW = [
    line(3, "3.1", "futian", "NONE", "ENTERQUEUE", "", "13800138002", 3),
    line(63, "3.1", "futian", "NONE", "EXITWITHTIMEOUT", 1, 3, 60),
    line(63, "3.1", "city", "NONE", "ENTERQUEUE", "", "13800138002", 1),
    line(70, "3.1", "city", "8002", "CONNECT", 7, "1.9", 1),
    line(90, "3.1", "city", "8002", "BLINDTRANSFER", "8003", "from-agents", 7, 20, 1),
]


def _call(database: Database, channel: str) -> None:
    with database.session() as session:
        register_call(session, CallEntry(channel, channel, "13800138000", "12345", v.VIA_ARI, "futian"))


def _calls(database: Database) -> dict[str, Call]:
    with database.session() as session:
        return {c.channel_id or "": c for c in session.scalars(select(Call))}


def test_parse_line_takes_every_field_and_refuses_garbage() -> None:
    parsed = queuelog.parse_line(line(0, "1.1", "futian", "8002", "CONNECT", 9, "1.7", 2))
    assert parsed is not None
    assert (parsed.callid, parsed.queue, parsed.agent, parsed.event, parsed.data) == (
        "1.1", "futian", "8002", "CONNECT", ("9", "1.7", "2"),
    )  # fmt: skip
    assert parsed.at.timestamp() == T
    for bad in ("", "\n", "abc|1|q|a|X", "123|1.1|futian", "123|1.1|futian|NONE|"):
        assert queuelog.parse_line(bad) is None


def test_ingest_accounts_wait_agent_talk_and_outcome_on_the_calls(database: Database) -> None:
    for channel in ("1.1", "2.1", "3.1"):
        _call(database, channel)
    lines = [queuelog.parse_line(x) for x in sorted(ANSWERED + ABANDONED + OVERFLOW)]
    with database.session() as session:
        done = queuelog.ingest(session, [p for p in lines if p])
    assert done.events == 11
    assert done.ended == [("8002", "futian"), ("8002", "city")]
    calls = _calls(database)
    answered, abandoned, overflowed = calls["1.1"], calls["2.1"], calls["3.1"]
    with database.session() as session:
        agent_id = session.scalar(select(Agent.id).where(Agent.name == "8002"))
    assert (answered.wait_s, answered.talk_s, answered.queue_outcome, answered.agent_id) == (
        9.0, 31.0, "COMPLETECALLER", agent_id,
    )  # fmt: skip
    assert (abandoned.wait_s, abandoned.talk_s, abandoned.queue_outcome) == (10.0, None, "ABANDON")
    assert (overflowed.wait_s, overflowed.talk_s, overflowed.queue_outcome, overflowed.queue_name) == (
        67.0, 20.0, "BLINDTRANSFER", "city",
    )  # fmt: skip
    with database.session() as session:
        totals = queuelog.balance(session)
        linked = session.scalars(select(QueueEvent).where(QueueEvent.event == "ENTERQUEUE")).all()
    assert all(e.call_id is not None for e in linked)
    assert totals.entered == 4
    assert totals.outcomes == {"COMPLETECALLER": 1, "ABANDON": 1, "EXITWITHTIMEOUT": 1, "BLINDTRANSFER": 1}
    assert totals.open == [] and totals.orphans == [] and totals.adds_up


def test_balance_shows_open_entries_and_outcomes_without_an_entry(database: Database) -> None:
    lines = [
        line(0, "9.1", "futian", "NONE", "ENTERQUEUE", "", "1", 1),
        line(5, "9.2", "futian", "NONE", "ABANDON", 1, 1, 5),
    ]
    with database.session() as session:
        queuelog.ingest(session, [p for p in map(queuelog.parse_line, lines) if p])
        totals = queuelog.balance(session)
    assert totals.open == [("9.1", "futian")]
    assert totals.orphans == [("9.2", "futian", "ABANDON")]
    assert not totals.adds_up


def test_read_new_returns_only_complete_lines_and_restarts_on_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    assert read_new(path, None, 0) is None
    path.write_text(ANSWERED[0] + ANSWERED[1][:7])
    inode, offset, lines = read_new(path, None, 0) or (0, 0, [])
    assert lines == [ANSWERED[0].rstrip("\n")] and offset == len(ANSWERED[0])
    with path.open("a") as fh:
        fh.write(ANSWERED[1][7:])
    _, offset2, lines = read_new(path, inode, offset) or (0, 0, [])
    assert lines == [ANSWERED[1].rstrip("\n")] and offset2 == len(ANSWERED[0]) + len(ANSWERED[1])
    path.write_text(ABANDONED[0])  # truncated and rewritten: read again from the start
    _, offset3, lines = read_new(path, inode, offset2) or (0, 0, [])
    assert lines == [ABANDONED[0].rstrip("\n")] and offset3 == len(ABANDONED[0])


def test_follower_resumes_from_its_cursor_and_stores_each_line_once(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text("".join(ANSWERED[:2]))
    assert QueueLogFollower(database, path).step() == 2
    with path.open("a") as fh:
        fh.write("".join(ANSWERED[2:]))
    again = QueueLogFollower(database, path)  # a restarted process
    assert again.step() == 2
    assert again.step() == 0
    with database.session() as session:
        verbs = list(session.scalars(select(QueueEvent.event).order_by(QueueEvent.id)))
    assert verbs == ["ENTERQUEUE", "RINGNOANSWER", "CONNECT", "COMPLETECALLER"]


def test_an_agent_is_in_wrap_up_after_a_call_until_the_queue_wrap_up_time_passes(
    database: Database, tmp_path: Path
) -> None:
    with database.session() as session:
        session.execute(update(Queue).where(Queue.name == "futian").values(wrapup_time=3600))
    path = tmp_path / "queue_log"
    path.write_text("".join(ANSWERED))
    follower = QueueLogFollower(database, path)
    follower.step()
    with database.session() as session:
        agent = session.scalars(select(Agent).where(Agent.name == "8002")).one()
        assert agent.state == "wrapup"
        session.execute(update(Queue).values(wrapup_time=0))
    follower.step()  # the wrap-up time is over (now 0 s)
    with database.session() as session:
        agent = session.scalars(select(Agent).where(Agent.name == "8002")).one()
        moves = [
            (c.from_state, c.to_state, c.source)
            for c in session.scalars(
                select(AgentStateChange)
                .where(AgentStateChange.agent_id == agent.id)
                .order_by(AgentStateChange.id)
            )
        ]
    assert agent.state == "ready"
    assert moves[-2:] == [("ready", "wrapup", "acd"), ("wrapup", "ready", "acd")]


def test_queue_log_cli_prints_events_and_whether_they_add_up(database: Database, tmp_path: Path) -> None:
    env = cli_env(database, tmp_path)
    _call(database, "1.1")
    with database.session() as session:
        queuelog.ingest(session, [p for p in map(queuelog.parse_line, ANSWERED + ABANDONED) if p])
    text = hotline(env, "queue", "log")
    assert text.exit_code == 0, text.output
    assert "COMPLETECALLER" in text.output and "RINGNOANSWER" in text.output
    assert "2 entered: 1 ABANDON, 1 COMPLETECALLER, 0 still open; adds up" in text.output
    rows = json.loads(hotline(env, "queue", "log", "--json").output)
    assert [r["event"] for r in rows] == ["ENTERQUEUE", "RINGNOANSWER", "CONNECT", "COMPLETECALLER",
                                          "ENTERQUEUE", "ABANDON"]  # fmt: skip
    assert {r["call"] is not None for r in rows if r["channel_id"] == "1.1"} == {True}
    later = json.loads(hotline(env, "queue", "log", "--json", "--since", "2099-01-01").output)
    assert later == []
    bad = hotline(env, "queue", "log", "--since", "yesterday")
    assert bad.exit_code == 2 and "is not a time" in bad.output

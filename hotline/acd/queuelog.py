"""Queue accounting: Asterisk's queue_log lines into the queue_events table and onto the call rows.

app_queue writes one line per queue event, `time|callid|queue|agent|VERB|data1|data2|...`, with the
call id the caller channel's unique id (calls.channel_id). Every ENTERQUEUE ends in exactly one
outcome verb (TERMINAL); CONNECT is not an outcome, the COMPLETE* or TRANSFER after it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.acd.callbacks import calls_for_channels
from hotline.db.models import Agent, Call, QueueEvent

ENTER = "ENTERQUEUE"
CONNECT = "CONNECT"
ANSWERED = ("COMPLETECALLER", "COMPLETEAGENT", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")
UNANSWERED = ("ABANDON", "EXITWITHTIMEOUT", "EXITWITHKEY", "EXITEMPTY")
TERMINAL = ANSWERED + UNANSWERED
# The application's own lines (app_queue has no agent login of its own: it sees members added)
AGENTLOGIN, AGENTLOGOFF = "AGENTLOGIN", "AGENTLOGOFF"
SOURCE_ASTERISK, SOURCE_HOTLINE = "asterisk", "hotline"
NO_CALL = "NONE"


@dataclass(frozen=True)
class QueueLogLine:
    at: datetime
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]

    def number(self, index: int) -> float | None:
        """data[index] as a number of seconds (None when absent or not a number)."""
        try:
            return float(self.data[index])
        except (IndexError, ValueError):
            return None


def parse_line(line: str) -> QueueLogLine | None:
    """One queue_log line; None for a blank, partial or malformed line (never raises)."""
    parts = line.rstrip("\r\n").split("|")
    if len(parts) < 5 or not parts[0].isdigit() or not parts[4]:
        return None
    at = datetime.fromtimestamp(int(parts[0]), UTC)
    return QueueLogLine(at, parts[1], parts[2], parts[3], parts[4], tuple(parts[5:]))


def _wait_of(line: QueueLogLine) -> float | None:
    """Seconds the caller waited, from a verb that says it."""
    if line.event == CONNECT:
        return line.number(0)
    if line.event in UNANSWERED:
        return line.number(-1)  # ... |waittime is the last field of all four
    return None


def _talk_of(line: QueueLogLine) -> float | None:
    if line.event in ("COMPLETECALLER", "COMPLETEAGENT"):
        return line.number(1)
    if line.event in ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"):
        return line.number(-2)  # ... |holdtime|calltime|origposition
    return None


@dataclass
class Ingested:
    """What one batch did: its events, and the calls and agents whose calls ended."""

    events: int = 0
    ended: list[tuple[str, str]] = field(default_factory=list)  # (agent name, queue) after a talk


def ingest(session: Session, lines: Iterable[QueueLogLine]) -> Ingested:
    """Store the lines as queue events and account them on their calls (wait, agent, talk, outcome)."""
    done = Ingested()
    lines = list(lines)
    agents: dict[str, int | None] = {}
    with session.no_autoflush:  # the events added so far need no flush before each lookup
        calls = _calls_of(session, {line.callid for line in lines if line.callid and line.callid != NO_CALL})
        for line in lines:
            _ingest_line(session, line, calls.get(line.callid), agents, done)
    return done


def _calls_of(session: Session, channel_ids: set[str]) -> dict[str, Call | None]:
    """The call of each queue_log call id (a channel id), in one query for the whole batch: the
    newest call on that channel, or the call whose callback placeholder it is."""
    calls: dict[str, Call | None] = dict.fromkeys(channel_ids)
    for chunk in _chunks(sorted(channel_ids), 500):
        for call in session.scalars(select(Call).where(Call.channel_id.in_(chunk)).order_by(Call.id)):
            calls[call.channel_id or ""] = call  # ordered by id: the newest wins
    for chunk in _chunks([c for c, call in calls.items() if call is None], 500):
        calls.update(calls_for_channels(session, chunk))
    return calls


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ingest_line(session: Session, line: QueueLogLine, call: Call | None, agents: dict[str, int | None],
                 done: Ingested) -> None:  # fmt: skip
    agent = line.agent if line.agent and line.agent != NO_CALL else None
    session.add(
        QueueEvent(
            at=line.at, call_id=call.id if call else None, channel_id=_none(line.callid),
            queue=line.queue, agent=agent, event=line.event, data=list(line.data), source=SOURCE_ASTERISK,
        )
    )  # fmt: skip
    done.events += 1
    if line.event in ANSWERED and agent:
        done.ended.append((agent, line.queue))
    if call is not None:
        _account(session, call, line, agent, agents)


def _none(callid: str) -> str | None:
    return None if not callid or callid == NO_CALL else callid


def _account(session: Session, call: Call, line: QueueLogLine, agent: str | None,
             agents: dict[str, int | None]) -> None:  # fmt: skip
    if line.event == ENTER:
        call.queue_name = line.queue
        call.queue_outcome = None
        return
    wait = _wait_of(line)
    if wait is not None:
        call.wait_s = (call.wait_s or 0.0) + wait
    talk = _talk_of(line)
    if talk is not None:
        call.talk_s = (call.talk_s or 0.0) + talk
    if line.event == CONNECT and agent:
        if agent not in agents:
            agents[agent] = session.scalar(select(Agent.id).where(Agent.name == agent))
        # the answering hook has usually named the agent already (and knows a pickup's real agent)
        call.agent_id = call.agent_id or agents[agent]
    if line.event in TERMINAL or line.event == CONNECT:
        call.queue_outcome = line.event


def log_agent(session: Session, agent: str, event: str, queues: Sequence[str], reason: str | None = None,
              at: datetime | None = None) -> None:  # fmt: skip
    """An application queue event (AGENTLOGIN, AGENTLOGOFF) for each of the agent's queues."""
    now = at or datetime.now(UTC)
    for queue in queues:
        session.add(
            QueueEvent(
                at=now, call_id=None, channel_id=None, queue=queue, agent=agent, event=event,
                data=[reason] if reason else [], source=SOURCE_HOTLINE,
            )
        )  # fmt: skip


@dataclass(frozen=True)
class Balance:
    """Do the queue events add up? Every ENTERQUEUE has exactly one outcome, or is still open."""

    entered: int
    outcomes: dict[str, int]
    open: list[tuple[str, str]]  # (call id, queue) entries with no outcome yet
    orphans: list[tuple[str, str, str]]  # (call id, queue, verb) outcomes with no entry

    @property
    def adds_up(self) -> bool:
        return not self.orphans and self.entered == sum(self.outcomes.values()) + len(self.open)


def balance(session: Session, since: datetime | None = None) -> Balance:
    """Walk the queue events in order: each outcome closes the open entry of its call in its queue."""
    stmt = select(QueueEvent.channel_id, QueueEvent.queue, QueueEvent.event).where(
        QueueEvent.event.in_((ENTER, *TERMINAL))
    )
    if since is not None:
        stmt = stmt.where(QueueEvent.at >= since)
    entered = 0
    outcomes: Counter[str] = Counter()
    waiting: Counter[tuple[str, str]] = Counter()
    orphans: list[tuple[str, str, str]] = []
    for channel, queue, event in session.execute(stmt.order_by(QueueEvent.id)):
        key = (channel or "", queue)
        if event == ENTER:
            entered += 1
            waiting[key] += 1
        elif waiting[key] > 0:
            waiting[key] -= 1
            outcomes[event] += 1
        else:
            orphans.append((key[0], queue, event))
    still = [key for key, n in waiting.items() for _ in range(n)]
    return Balance(entered, dict(outcomes), still, orphans)


def recent_events(session: Session, since: datetime | None = None, limit: int = 1000) -> list[QueueEvent]:
    stmt = select(QueueEvent)
    if since is not None:
        stmt = stmt.where(QueueEvent.at >= since)
    return list(session.scalars(stmt.order_by(QueueEvent.id).limit(limit)))


def event_to_dict(event: QueueEvent, call_uid: str | None = None) -> dict[str, object]:
    return {
        "at": event.at.isoformat(),
        "call": call_uid,
        "channel_id": event.channel_id,
        "queue": event.queue,
        "agent": event.agent,
        "event": event.event,
        "data": list(event.data),
        "source": event.source,
    }

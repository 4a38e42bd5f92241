"""The center's clock for tickets: urgencies and the due dates they give, when return visits fall due,
and the local day (center's time zone, hotline.settings.timezone) that numbers and date filters use."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.db.base import utcnow
from hotline.settings import get_settings

URGENCIES = ("normal", "urgent", "critical")

# How long a ticket may stay open, by type and urgency: the due date is opened + this
DUE_AFTER: dict[str, dict[str, timedelta]] = {
    "consultation": {
        "normal": timedelta(hours=4),
        "urgent": timedelta(hours=1),
        "critical": timedelta(minutes=30),
    },
    "service": {"normal": timedelta(hours=72), "urgent": timedelta(hours=24), "critical": timedelta(hours=4)},
    "complaint": {
        "normal": timedelta(hours=72),
        "urgent": timedelta(hours=24),
        "critical": timedelta(hours=8),
    },
    "suggestion": {"normal": timedelta(days=7), "urgent": timedelta(days=3), "critical": timedelta(days=1)},
}

# Return visits (build plan, service flow): 10 minutes after dispatch the member is asked whether the
# merchant made contact, 24 hours after dispatch the service is rated.
CONTACT_CHECK_AFTER = timedelta(minutes=10)
FINAL_VISIT_AFTER = timedelta(hours=24)
RECHECK_AFTER = timedelta(minutes=10)  # the merchant says it will call: ask the member again then
MEASURE_CHECK_AFTER = timedelta(minutes=30)  # complaint: does the member accept the ordered measure?
COMPLAINT_FINAL_AFTER = timedelta(hours=1)  # complaint: after the merchant carried out the measure
REPLY_AFTER = timedelta(0)  # suggestion: tell the suggester as soon as the answer is recorded
VISIT_GRACE = timedelta(minutes=30)  # a visit not done this long after it fell due is overdue


def center_zone(tz: str | None = None) -> ZoneInfo:
    """The center's time zone (`tz`, or the configured one: Asia/Shanghai by default)."""
    return ZoneInfo(tz or get_settings().timezone)


def now_utc(now: datetime | None = None) -> datetime:
    """`now` (must be aware) as UTC, or the current time."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime given; use an aware datetime")
    return now.astimezone(UTC)


def local_day(at: datetime, tz: str | None = None) -> date:
    """The center's calendar day of an instant."""
    return now_utc(at).astimezone(center_zone(tz)).date()


def day_start(day: date, tz: str | None = None) -> datetime:
    """The UTC instant a local day begins."""
    return datetime.combine(day, time(0), center_zone(tz)).astimezone(UTC)


def due_at(ticket_type: str, urgency: str, opened: datetime) -> datetime:
    """When a ticket of this type and urgency opened at `opened` is due."""
    return opened + DUE_AFTER[ticket_type][urgency]


def is_overdue_visit(due: datetime, now: datetime) -> bool:
    """A return visit is overdue once its grace period has passed."""
    return due + VISIT_GRACE < now

"""The ticket pages' forms read into what the core takes: search arguments into a TicketQuery, the
new-ticket form into a TicketDraft, an action's form into apply()'s fields. Only the shape is checked
here (numbers, dates, money); what the values mean is the core's to judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from hotline.tickets import TicketDraft, TicketQuery, ValidationFailed, workflow
from hotline.tickets.timing import URGENCIES
from webconsole.i18n import N_, _

Form = MultiDict[str, str]

SEARCH_FIELDS = ("number", "phone", "status", "type", "urgency", "county", "merchant", "from", "to")
DRAFT_TEXTS = ("summary", "contact_name", "contact_phone", "address", "answer")

# The form fields of each action besides the note: (form name, kind); the core's field is the same
# name, except fee -> fee_cents and deadline -> deadline_at
ACTION_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "answer": (("answer", "text"),),
    "dispatch": (("merchant_id", "int"), ("deadline", "local"), ("fee", "yuan"), ("allow_refused", "check")),
    "final_visit": (("satisfaction", "int"), ("timely", "text"), ("fee_paid", "text"), ("fee", "yuan")),
    "order_measure": (("measure", "text"), ("answer", "text"), ("merchant_id", "int"), ("upheld", "text")),
    "close_satisfied": (("satisfaction", "int"),),
    "return_unsatisfied": (("satisfaction", "int"),),
    "forward": (("to", "text"),),
    "record_reply": (("answer", "text"),),
}
CORE_NAMES = {"fee": "fee_cents", "deadline": "deadline_at"}
CENT = Decimal("0.01")


def _integer(form: Form, name: str, errors: dict[str, str]) -> int | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit():
        errors[name] = _("must be a whole number")
        return None
    return int(text)


def _day(form: Form, name: str, errors: dict[str, str], key: str | None = None) -> date | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[key or name] = _("must be a date (yyyy-mm-dd)")
        return None


@dataclass
class Search:
    """A search form as typed (to fill the form again) and the query it makes."""

    values: dict[str, str]
    query: TicketQuery
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether any filter was given."""
        return any(self.values.get(name) for name in (*SEARCH_FIELDS, "open", "overdue"))


def search(args: Form) -> Search:
    """The search arguments of the tickets page."""
    errors: dict[str, str] = {}
    values = {name: args.get(name, "").strip() for name in (*SEARCH_FIELDS, "open", "overdue")}
    status, kind, urgency = values["status"], values["type"], values["urgency"]
    if status and status not in workflow.ALL_STATUSES:
        errors["status"] = _("unknown status")
    if kind and kind not in workflow.TYPES:
        errors["type"] = _("unknown type")
    if urgency and urgency not in URGENCIES:
        errors["urgency"] = _("unknown urgency")
    query = TicketQuery(
        number=values["number"] or None,
        phone=values["phone"] or None,
        statuses=(status,) if status and "status" not in errors else (),
        type=kind if kind in workflow.TYPES else None,
        urgency=urgency if urgency in URGENCIES else None,
        county_id=_integer(args, "county", errors),
        merchant_id=_integer(args, "merchant", errors),
        created_from=_day(args, "from", errors),
        created_to=_day(args, "to", errors, "to_day"),
        open_only=bool(values["open"]),
        overdue=bool(values["overdue"]),
    )
    page = _integer(args, "page", {}) or 1
    return Search(values, query, page, errors)


def draft(form: Form) -> tuple[TicketDraft, dict[str, str]]:
    """The new-ticket form as a draft; the errors of its numeric fields."""
    errors: dict[str, str] = {}
    texts = {name: form.get(name, "") for name in DRAFT_TEXTS}
    result = TicketDraft(
        type=form.get("type", "service"),
        urgency=form.get("urgency", "normal"),
        category_code=form.get("category_code", "").strip() or None,
        county_id=_integer(form, "county_id", errors),
        member_id=_integer(form, "member_id", errors),
        call_id=_integer(form, "call_id", errors),
        source="phone",  # typed in by an agent on the phone, linked to the call or not
        summary=texts["summary"],
        contact_name=texts["contact_name"] or None,
        contact_phone=texts["contact_phone"].strip() or None,
        address=texts["address"] or None,
        answer=texts["answer"] if texts["answer"].strip() else None,
    )
    return result, errors


def _yuan(text: str) -> int:
    try:
        amount = Decimal(text.replace(",", "").lstrip("¥"))
        exact = amount.is_finite() and amount >= 0 and amount == amount.quantize(CENT)
    except InvalidOperation:
        exact = False
    if not exact:
        raise ValueError(text)
    return int(amount * 100)


def _local_moment(text: str, tz: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _value(kind: str, text: str, tz: ZoneInfo) -> object:
    """A form value in the type the core takes; ValueError when it cannot be one."""
    if kind == "int":
        if not text.isdigit():
            raise ValueError(text)
        return int(text)
    if kind == "yuan":
        return _yuan(text)
    if kind == "local":
        return _local_moment(text, tz)
    if kind == "check":
        return True
    return text


WRONG = {"int": N_("must be a whole number"), "yuan": N_("must be an amount in yuan, like 120.50"),
         "local": N_("must be a date and time")}  # fmt: skip


def action_fields(action: str, form: Form, tz: ZoneInfo) -> tuple[int, str | None, dict[str, object]]:
    """(version, note, fields) of an action's form; ValidationFailed when one is not well-formed."""
    errors: dict[str, str] = {}
    version = _integer(form, "version", errors)
    if version is None and "version" not in errors:
        errors["version"] = "is required"
    fields: dict[str, object] = {}
    for name, kind in ACTION_FIELDS.get(action, ()):
        text = form.get(name, "").strip()
        if not text:
            continue
        core = CORE_NAMES.get(name, name)
        try:
            fields[core] = _value(kind, text, tz)
        except ValueError:
            errors[core] = _(WRONG[kind])
    if errors:
        raise ValidationFailed(errors)
    assert version is not None
    return version, form.get("note", "").strip() or None, fields

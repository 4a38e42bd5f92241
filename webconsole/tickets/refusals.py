"""What the user reads when the ticket core refuses a request: each TicketError in the user's language,
with the ticket's statuses, actions and roles named by their labels."""

from __future__ import annotations

from flask import Response

from hotline.tickets import (
    IllegalTransition,
    MerchantNotEligible,
    NoOpenDispatch,
    NotAllowed,
    NotFound,
    StaleTicket,
    TicketError,
    ValidationFailed,
)
from webconsole.errors import error_response
from webconsole.i18n import _
from webconsole.tickets.present import Labels, current_labels

# The core's English for a missing field, the commonest refusal of a form
_REQUIRED = "is required"


def field_names() -> dict[str, str]:
    """The forms' field labels, to name a wrong field."""
    return {
        "type": _("Type"), "summary": _("Summary"), "urgency": _("Urgency"), "county_id": _("County"),
        "category_code": _("Service category"), "contact_name": _("Contact name"),
        "contact_phone": _("Contact phone"), "address": _("Address"), "answer": _("Answer"),
        "note": _("Note"), "merchant_id": _("Merchant"), "deadline_at": _("Deadline"), "fee_cents": _("Fee"),
        "satisfaction": _("Satisfaction"), "timely": _("On time"), "fee_paid": _("Fee paid"),
        "measure": _("Measure"), "to": _("Forward to"), "version": _("Version"), "visit_id": _("Visit"),
        "created_from": _("From"), "created_to": _("To"), "statuses": _("Status"), "status": _("Status"),
        "from": _("From"), "to_day": _("To"), "county": _("County"), "merchant": _("Merchant"),
    }  # fmt: skip


def field_errors(errors: dict[str, str], *, keep_names: bool = False) -> dict[str, str]:
    """The core's field errors in the user's language, keyed by the fields' labels (or their names)."""
    names = {} if keep_names else field_names()
    return {
        names.get(name, name): (_("is required") if why == _REQUIRED else why) for name, why in errors.items()
    }


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list | tuple) else []


def _illegal(exc: IllegalTransition, labels: Labels) -> str:
    d = exc.details
    ticket_type = str(d["type"])
    possible = ", ".join(labels.action(a) for a in _strings(d.get("allowed")) if a != "comment") or _("none")
    return _(
        "Ticket %(number)s (%(type)s) is “%(status)s”: “%(action)s” is not possible now (possible: %(possible)s).",  # noqa: E501
        number=d["number"],
        type=labels.type(ticket_type),
        status=labels.status(str(d["status"]), ticket_type),
        action=labels.action(str(d["action"])),
        possible=possible,
    )


def _not_allowed(exc: NotAllowed, labels: Labels) -> str:
    roles = ", ".join(labels.role(r) for r in _strings(exc.details.get("roles")))
    action = str(exc.details["action"])
    return _(
        "Your roles do not allow “%(action)s”: it needs one of %(roles)s.",
        action=labels.action(action) if action != "open" else _("Open a ticket"),
        roles=roles,
    )


def _not_eligible(exc: MerchantNotEligible) -> str:
    merchant = exc.details["merchant"]
    if "refused" in str(exc.details.get("reason", "")):
        return _(
            "Merchant %(merchant)s refused this ticket before; tick “Dispatch to it again” to offer it again.",  # noqa: E501
            merchant=merchant,
        )
    return _("Merchant %(merchant)s cannot take tickets: its contract is not active.", merchant=merchant)


def message(exc: TicketError) -> str:
    """The refusal in the user's language."""
    labels = current_labels()
    if isinstance(exc, IllegalTransition):
        return _illegal(exc, labels)
    if isinstance(exc, NotAllowed):
        return _not_allowed(exc, labels)
    if isinstance(exc, StaleTicket):
        return _(
            "Ticket %(number)s was changed by someone else meanwhile: reload it and try again.",
            number=exc.details["number"],
        )
    if isinstance(exc, ValidationFailed):
        wrong = "; ".join(f"{name}: {why}" for name, why in field_errors(exc.errors).items())
        return _("Please correct: %(errors)s", errors=wrong)
    if isinstance(exc, MerchantNotEligible):
        return _not_eligible(exc)
    if isinstance(exc, NoOpenDispatch):
        wanted = labels.dispatch_status(str(exc.details["wanted"]))
        return _(
            "Ticket %(number)s has no dispatch “%(wanted)s”.", number=exc.details["number"], wanted=wanted
        )
    if isinstance(exc, NotFound):
        return _("Page not found")
    return exc.message


def error_page(exc: TicketError) -> Response:
    """The error page (or JSON) of a refusal, with the core's status code and error_id."""
    return error_response(exc.status_code, exc.error_id, message(exc))

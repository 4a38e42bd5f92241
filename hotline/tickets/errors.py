"""What can go wrong with a ticket, a member, a merchant or a web order: one class each, carrying its
HTTP contract (status_code, a kebab-case error_id, a message and details) for the web edge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class TicketError(Exception):
    """A request the ticket core refuses; `to_dict()` is the JSON body the HTTP edge answers."""

    status_code = 400
    error_id = "ticket-error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, object]:
        """{"error": error_id, "message": ..., **details}."""
        return {"error": self.error_id, "message": self.message, **self.details}


class NotFound(TicketError, LookupError):
    """No such ticket, member, merchant, visit or web order."""

    status_code = 404
    error_id = "not-found"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"no {kind.replace('_', ' ')} {key}", kind=kind, key=str(key))
        self.error_id = f"{kind.replace('_', '-')}-not-found"


class ValidationFailed(TicketError, ValueError):
    """One or more fields are missing or wrong; `errors` maps each field to what is wrong with it."""

    status_code = 422
    error_id = "invalid-input"

    def __init__(self, errors: Mapping[str, str]) -> None:
        text = "; ".join(f"{field}: {why}" for field, why in errors.items())
        super().__init__(text, errors=dict(errors))
        self.errors = dict(errors)


class UnknownAction(TicketError, ValueError):
    """An action name the workflow does not know at all."""

    status_code = 422
    error_id = "unknown-action"

    def __init__(self, action: str) -> None:
        super().__init__(f"there is no ticket action {action!r}", action=action)


class IllegalTransition(TicketError):
    """The action does not apply to a ticket of this type in this status."""

    status_code = 409
    error_id = "illegal-transition"

    def __init__(
        self, number: str, ticket_type: str, status: str, action: str, allowed: Sequence[str]
    ) -> None:
        listed = ", ".join(allowed) or "none"
        super().__init__(
            f"ticket {number} ({ticket_type}) is {status}: {action} is not possible (possible: {listed})",
            number=number,
            type=ticket_type,
            status=status,
            action=action,
            allowed=list(allowed),
        )


class NotAllowed(TicketError, PermissionError):
    """The user's roles do not include one that may perform the action."""

    status_code = 403
    error_id = "not-allowed"

    def __init__(self, who: str, action: str, roles: Sequence[str]) -> None:
        super().__init__(
            f"{who} may not {action}: it needs one of the roles {', '.join(roles)}",
            user=who,
            action=action,
            roles=list(roles),
        )


class StaleTicket(TicketError):
    """Somebody else changed the ticket since the user loaded it."""

    status_code = 409
    error_id = "ticket-changed"

    def __init__(self, number: str, expected: int | None = None, actual: int | None = None) -> None:
        super().__init__(
            f"ticket {number} was changed by somebody else meanwhile; reload it and try again",
            number=number,
            expected_version=expected,
            version=actual,
        )


class MerchantNotEligible(TicketError):
    """The merchant cannot take this ticket (contract not active, or it refused this ticket before)."""

    status_code = 409
    error_id = "merchant-not-eligible"

    def __init__(self, merchant: str, why: str) -> None:
        super().__init__(f"merchant {merchant} cannot take this ticket: {why}", merchant=merchant, reason=why)


class DuplicatePhone(TicketError):
    """Another member already has this phone number."""

    status_code = 409
    error_id = "duplicate-phone"

    def __init__(self, phone: str, member_id: int) -> None:
        super().__init__(f"member {member_id} already has phone {phone}", phone=phone, member_id=member_id)


class WebOrderClosed(TicketError):
    """The web order was verified or rejected already."""

    status_code = 409
    error_id = "web-order-not-pending"

    def __init__(self, order_id: int, status: str) -> None:
        super().__init__(f"web order {order_id} is {status}, not pending", order_id=order_id, status=status)


class NoOpenDispatch(TicketError):
    """The ticket has no dispatch in the state the action needs (an offer to answer, an accepted order)."""

    status_code = 409
    error_id = "no-open-dispatch"

    def __init__(self, number: str, wanted: str) -> None:
        super().__init__(f"ticket {number} has no {wanted} dispatch", number=number, wanted=wanted)

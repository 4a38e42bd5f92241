"""The effects of the desk actions that are not dispatch nor return visits: answering a consultation,
handling a complaint (the measure ordered, then carried out), a suggestion's way to the managers and
back, cancelling and commenting."""

from __future__ import annotations

from sqlalchemy import select

from hotline.db.models import Merchant
from hotline.db.service_models import CreditEvent
from hotline.tickets import merchants
from hotline.tickets.context import ActionContext
from hotline.tickets.dispatching import withdraw_open_dispatches
from hotline.tickets.errors import ValidationFailed
from hotline.tickets.timing import COMPLAINT_FINAL_AFTER, MEASURE_CHECK_AFTER, REPLY_AFTER
from hotline.tickets.visits import close_open_visits, schedule_visit

MEASURES = ("redo", "apology", "explanation", "other")  # 返工, 道歉, 解释说明, 其他
UPHELD_BY_DEFAULT = ("redo", "apology")


def answer(ctx: ActionContext) -> dict[str, object]:
    """Consultation: the intake agent's answer, recorded on the ticket."""
    text = ctx.text("answer", required=True)
    ctx.validate()
    ctx.ticket.answer = text
    return {}


def _complaint_merchant(ctx: ActionContext, merchant_id: int | None) -> Merchant | None:
    target = merchant_id if merchant_id is not None else ctx.ticket.merchant_id
    if target is None:
        return None
    merchant = ctx.session.get(Merchant, target)
    if merchant is None:
        raise ValidationFailed({"merchant_id": f"there is no merchant {target}"})
    return merchant


def _uphold(ctx: ActionContext, merchant: Merchant) -> int:
    """Lower the merchant's credit for an upheld complaint, once per ticket."""
    earlier = ctx.session.scalar(
        select(CreditEvent.id).where(
            CreditEvent.ticket_id == ctx.ticket.id,
            CreditEvent.merchant_id == merchant.id,
            CreditEvent.reason == "complaint_upheld",
        )
    )
    if earlier is not None:
        return 0
    merchants.add_credit(
        ctx.session,
        merchant.id,
        merchants.COMPLAINT_UPHELD_POINTS,
        "complaint_upheld",
        ticket_id=ctx.ticket.id,
        at=ctx.now,
    )
    return merchants.COMPLAINT_UPHELD_POINTS


def order_measure(ctx: ActionContext) -> dict[str, object]:
    """Complaint: after asking the merchant (or other target), the dispatcher orders a measure (redo,
    apology...) described in `answer`; an upheld complaint against a merchant costs it credit."""
    measure = ctx.choice("measure", MEASURES, required=True)
    text = ctx.text("answer", required=True)
    merchant_id, upheld = ctx.integer("merchant_id"), ctx.boolean("upheld")
    ctx.validate()
    merchant = _complaint_merchant(ctx, merchant_id)
    if upheld is None:
        upheld = measure in UPHELD_BY_DEFAULT
    ctx.ticket.answer = text
    credit = 0
    if merchant is not None:
        ctx.ticket.merchant_id = merchant.id
        if upheld:
            credit = _uphold(ctx, merchant)
    visit = schedule_visit(ctx.session, ctx.ticket, "measure_check", ctx.now + MEASURE_CHECK_AFTER)
    return {
        "measure": measure,
        "merchant_id": None if merchant is None else merchant.id,
        "upheld": upheld,
        "credit": credit,
        "visit_id": visit.id,
    }


def complete_measure(ctx: ActionContext) -> dict[str, object]:
    """Complaint: the merchant carried out the measure; the final visit falls due."""
    call_id = ctx.integer("call_id")
    ctx.validate()
    visit = schedule_visit(ctx.session, ctx.ticket, "final", ctx.now + COMPLAINT_FINAL_AFTER)
    data: dict[str, object] = {"visit_id": visit.id}
    if call_id is not None:
        data["call_id"] = call_id
    return data


def forward(ctx: ActionContext) -> dict[str, object]:
    """Suggestion: the dispatcher forwards it to the center's managers (`to`: whom)."""
    to = ctx.text("to", max_len=128)
    ctx.validate()
    return {"to": to} if to else {}


def record_reply(ctx: ActionContext) -> dict[str, object]:
    """Suggestion: the managers' answer, recorded; the suggester is to be told (a reply visit)."""
    text = ctx.text("answer", required=True)
    ctx.validate()
    ctx.ticket.answer = text
    visit = schedule_visit(ctx.session, ctx.ticket, "reply", ctx.now + REPLY_AFTER)
    return {"visit_id": visit.id}


def cancel(ctx: ActionContext) -> dict[str, object]:
    """Cancel an open ticket (the note says why): open dispatches withdrawn, open visits cancelled."""
    ctx.require_note()
    ctx.validate()
    return {
        "withdrawn": withdraw_open_dispatches(ctx),
        "cancelled_visits": close_open_visits(ctx, "cancelled"),
    }


def comment(ctx: ActionContext) -> dict[str, object]:
    """A note on the timeline; the status does not change."""
    ctx.require_note()
    ctx.validate()
    return {}

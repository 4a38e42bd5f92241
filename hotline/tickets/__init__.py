"""The ticket core: the workflow of the four ticket types as data, numbering, opening, dispatch, return
visits, merchant credit, members, web orders and search. The console's views and the JSON API call
these functions inside a transaction; a TicketError they raise carries its HTTP status and error_id.

    workflow     the transition table, roles, available actions
    actions      apply() / perform() / record_visit(): the one way a ticket changes
    opening      TicketDraft, draft_from_call(), open_ticket()
    dispatching  dispatch candidates and the dispatch effects
    visits       return-visit scheduling, work list and outcome effects
    handling     consultation, complaint, suggestion, cancel and comment effects
    merchants    credit points, levels (hearts, diamonds), ranking, profile
    members      get-or-create by normalised phone, update, history
    weborders    web form orders: create, verify into a ticket, reject
    search       filtered, paginated ticket search; timeline
    numbering    yyyymmdd-NNNN numbers from the day's counter
    labels       zh-CN / English labels of everything the console shows
    errors       the exceptions and their HTTP contract
"""

from hotline.tickets.actions import apply, apply_fields, load_ticket, perform, record_visit
from hotline.tickets.dispatching import Candidate, dispatch_candidates
from hotline.tickets.errors import (
    DuplicatePhone,
    IllegalTransition,
    MerchantNotEligible,
    NoOpenDispatch,
    NotAllowed,
    NotFound,
    StaleTicket,
    TicketError,
    UnknownAction,
    ValidationFailed,
    WebOrderClosed,
)
from hotline.tickets.members import find_member, get_or_create_member, member_history, update_member
from hotline.tickets.merchants import credit_level, merchant_profile, merchant_ranking
from hotline.tickets.opening import TicketDraft, draft_from_call, open_ticket
from hotline.tickets.search import Page, TicketQuery, search_tickets, timeline
from hotline.tickets.visits import VisitItem, visit_counts, visit_worklist
from hotline.tickets.weborders import create_web_order, pending_web_orders, reject_web_order, verify_web_order
from hotline.tickets.workflow import available_actions

__all__ = [
    "Candidate",
    "DuplicatePhone",
    "IllegalTransition",
    "MerchantNotEligible",
    "NoOpenDispatch",
    "NotAllowed",
    "NotFound",
    "Page",
    "StaleTicket",
    "TicketDraft",
    "TicketError",
    "TicketQuery",
    "UnknownAction",
    "ValidationFailed",
    "VisitItem",
    "WebOrderClosed",
    "apply",
    "apply_fields",
    "available_actions",
    "create_web_order",
    "credit_level",
    "dispatch_candidates",
    "draft_from_call",
    "find_member",
    "get_or_create_member",
    "load_ticket",
    "member_history",
    "merchant_profile",
    "merchant_ranking",
    "open_ticket",
    "pending_web_orders",
    "perform",
    "record_visit",
    "reject_web_order",
    "search_tickets",
    "timeline",
    "update_member",
    "verify_web_order",
    "visit_counts",
    "visit_worklist",
]

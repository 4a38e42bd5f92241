"""Managing merchants (area managers and admins): the record, categories and counties served, staff
and their certificates, the contract status and manual credit adjustments. Plain functions on a
session; the views validate what the user typed first, these keep the data consistent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.db.models import County, Merchant, ServiceCategory
from hotline.db.service_models import CreditEvent, MerchantStaff
from hotline.tickets import NotFound, ValidationFailed
from hotline.tickets.merchants import add_credit
from webconsole.merchants.display import CONTRACT_STATUSES

logger = logging.getLogger(__name__)

ADJUSTMENT = "adjustment"


@dataclass(frozen=True)
class MerchantFields:
    """What the merchant form edits; the main county and category are served too."""

    name: str
    phone: str
    contact_name: str | None
    address: str | None
    county_id: int | None
    category_id: int | None
    category_ids: list[int]
    county_ids: list[int]


def get_merchant(session: Session, merchant_id: int) -> Merchant:
    """The merchant, or NotFound."""
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("merchant", merchant_id)
    return merchant


def save_merchant(session: Session, merchant_id: int | None, fields: MerchantFields) -> Merchant:
    """Create (merchant_id None, contract active, no points) or update a merchant; a name another
    merchant has is refused (ValidationFailed on "name")."""
    taken = select(Merchant.id).where(Merchant.name == fields.name)
    if merchant_id is not None:
        taken = taken.where(Merchant.id != merchant_id)
    if session.scalar(taken) is not None:
        raise ValidationFailed({"name": "another merchant has this name"})
    category_ids = {*fields.category_ids, *([fields.category_id] if fields.category_id else [])}
    county_ids = {*fields.county_ids, *([fields.county_id] if fields.county_id else [])}
    categories = list(session.scalars(select(ServiceCategory).where(ServiceCategory.id.in_(category_ids))))
    counties = list(session.scalars(select(County).where(County.id.in_(county_ids))))
    if merchant_id is None:
        merchant = Merchant(contract_status="active", credit_points=0)
        session.add(merchant)
    else:
        merchant = get_merchant(session, merchant_id)
    try:
        with session.no_autoflush:  # one flush below, where a name clash is caught
            merchant.name, merchant.phone = fields.name, fields.phone
            merchant.contact_name, merchant.address = fields.contact_name, fields.address
            merchant.county_id, merchant.category_id = fields.county_id, fields.category_id
            merchant.categories, merchant.counties = categories, counties
        session.flush()
    except IntegrityError as clash:  # the same name saved meanwhile by somebody else
        raise ValidationFailed({"name": "another merchant has this name"}) from clash
    logger.info("merchant %s: %s", merchant.id, "created" if merchant_id is None else "updated")
    return merchant


def set_contract(session: Session, merchant_id: int, status: str) -> str:
    """Change a merchant's contract status; returns the one before."""
    if status not in CONTRACT_STATUSES:
        raise ValidationFailed({"status": f"must be one of {', '.join(CONTRACT_STATUSES)}"})
    merchant = get_merchant(session, merchant_id)
    before, merchant.contract_status = merchant.contract_status, status
    session.flush()
    logger.info("merchant %s: contract %s -> %s", merchant_id, before, status)
    return before


def save_staff(
    session: Session,
    merchant_id: int,
    staff_id: int | None,
    *,
    name: str,
    certificate: str | None,
    certificate_no: str | None,
    valid_until: date | None,
) -> MerchantStaff:
    """Add a staff member to a merchant (staff_id None) or change one of its staff."""
    get_merchant(session, merchant_id)
    if staff_id is None:
        person = MerchantStaff(merchant_id=merchant_id)
        session.add(person)
    else:
        person = get_staff(session, merchant_id, staff_id)
    person.name, person.certificate = name, certificate
    person.certificate_no, person.valid_until = certificate_no, valid_until
    session.flush()
    return person


def get_staff(session: Session, merchant_id: int, staff_id: int) -> MerchantStaff:
    """A staff member of this merchant, or NotFound."""
    person = session.scalar(
        select(MerchantStaff).where(MerchantStaff.id == staff_id, MerchantStaff.merchant_id == merchant_id)
    )
    if person is None:
        raise NotFound("merchant_staff", staff_id)
    return person


def remove_staff(session: Session, merchant_id: int, staff_id: int) -> str:
    """Take a staff member off a merchant's list; returns their name."""
    person = get_staff(session, merchant_id, staff_id)
    session.delete(person)
    session.flush()
    return person.name


def adjust_credit(session: Session, merchant_id: int, points: int, note: str) -> CreditEvent | None:
    """A manual credit adjustment (reason "adjustment"), with why."""
    get_merchant(session, merchant_id)
    return add_credit(session, merchant_id, points, ADJUSTMENT, note=note)

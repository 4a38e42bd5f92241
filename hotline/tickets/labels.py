"""Every name the console shows, in one place: (zh-CN, English) labels of ticket types, statuses,
actions, urgencies, visit kinds and outcomes, dispatch and web-order statuses, roles, credit reasons."""

from __future__ import annotations

from collections.abc import Mapping

Label = tuple[str, str]  # (zh-CN, English)

TYPE_LABELS: dict[str, Label] = {
    "consultation": ("咨询", "Consultation"),
    "service": ("服务", "Service"),
    "complaint": ("投诉", "Complaint"),
    "suggestion": ("建议", "Suggestion"),
}

STATUS_LABELS: dict[str, Label] = {
    "new": ("待派单", "To dispatch"),
    "dispatched": ("已派单，待商户确认", "Offered to a merchant"),
    "accepted": ("商户已接单", "Accepted by the merchant"),
    "in_service": ("已响应，服务中", "Responded, in service"),
    "measure_ordered": ("已责成处理，待回访", "Measure ordered"),
    "measure_accepted": ("会员认可，待商户落实", "Measure accepted, merchant to carry it out"),
    "measure_done": ("已落实，待回访", "Measure carried out, to visit"),
    "forwarded": ("已转管理人员", "Forwarded to the managers"),
    "replied": ("已有处理意见，待告知", "Answered, suggester to be told"),
    "closed": ("已办结", "Closed"),
    "cancelled": ("已撤销", "Cancelled"),
}

# Where a status means something else for one type (a new consultation waits for its answer)
TYPE_STATUS_LABELS: dict[tuple[str, str], Label] = {
    ("consultation", "new"): ("待答复", "To answer"),
}

ACTION_LABELS: dict[str, Label] = {
    "open": ("新建工单", "Open"),
    "answer": ("答复并办结", "Answer and close"),
    "dispatch": ("派单", "Dispatch"),
    "accept": ("商户接单", "Merchant accepts"),
    "refuse": ("商户拒单", "Merchant refuses"),
    "confirm_contact": ("已联系会员（响应标记）", "Merchant made contact"),
    "recheck_contact": ("商户将联系，稍后再访", "Merchant will call, check again later"),
    "redispatch": ("商户无法服务，重新派单", "Merchant cannot serve, re-dispatch"),
    "final_visit": ("服务回访评定", "Final visit and rating"),
    "order_measure": ("责成处理（返工/道歉）", "Order a measure (redo/apology)"),
    "accept_measure": ("会员认可处理措施", "Member accepts the measure"),
    "reject_measure": ("会员不认可处理措施", "Member rejects the measure"),
    "complete_measure": ("商户已落实措施", "Merchant carried out the measure"),
    "close_satisfied": ("会员满意，办结", "Member satisfied, close"),
    "return_unsatisfied": ("会员不满意，退回派单", "Member unsatisfied, back to dispatch"),
    "forward": ("转交管理人员", "Forward to the managers"),
    "record_reply": ("登记处理意见", "Record the managers' answer"),
    "inform_suggester": ("已告知建议人，办结", "Suggester told, close"),
    "cancel": ("撤销工单", "Cancel"),
    "comment": ("添加备注", "Add a note"),
}

URGENCY_LABELS: dict[str, Label] = {
    "normal": ("普通", "Normal"),
    "urgent": ("紧急", "Urgent"),
    "critical": ("特急", "Critical"),
}

SOURCE_LABELS: dict[str, Label] = {
    "phone": ("电话", "Phone"),
    "web": ("网站", "Web"),
    "api": ("接口", "API"),
}

VISIT_KIND_LABELS: dict[str, Label] = {
    "contact_check": ("首次回访（商户是否联系）", "Contact check"),
    "final": ("结果回访", "Final visit"),
    "measure_check": ("措施回访", "Measure check"),
    "reply": ("建议反馈", "Reply to the suggester"),
}

VISIT_OUTCOME_LABELS: dict[str, Label] = {
    "contacted": ("已联系", "Contacted"),
    "retry": ("待再访", "To check again"),
    "not_served": ("商户无法服务", "Merchant cannot serve"),
    "rated": ("已评定", "Rated"),
    "accepted": ("认可", "Accepted"),
    "rejected": ("不认可", "Rejected"),
    "satisfied": ("满意", "Satisfied"),
    "unsatisfied": ("不满意", "Unsatisfied"),
    "informed": ("已告知", "Informed"),
    "skipped": ("未做", "Skipped"),
    "cancelled": ("已取消", "Cancelled"),
}

DISPATCH_STATUS_LABELS: dict[str, Label] = {
    "offered": ("待商户确认", "Offered"),
    "accepted": ("已接单", "Accepted"),
    "refused": ("已拒单", "Refused"),
    "withdrawn": ("已撤回", "Withdrawn"),
}

WEB_ORDER_STATUS_LABELS: dict[str, Label] = {
    "pending": ("待核实", "To verify"),
    "verified": ("已核实", "Verified"),
    "rejected": ("已驳回", "Rejected"),
}

ROLE_LABELS: dict[str, Label] = {
    "intake": ("受理座席", "Intake agent"),
    "dispatcher": ("派单座席", "Dispatcher"),
    "visitor": ("回访座席", "Return-visit agent"),
    "supervisor": ("班长座席", "Supervisor"),
    "area_manager": ("片区经理", "Area manager"),
    "admin": ("管理员", "Administrator"),
}

CREDIT_REASON_LABELS: dict[str, Label] = {
    "opening": ("初始积分", "Opening balance"),
    "rating": ("回访评价", "Return-visit rating"),
    "timely": ("服务及时", "On time"),
    "late": ("服务不及时", "Late"),
    "complaint_upheld": ("投诉属实", "Complaint upheld"),
    "not_served": ("接单后未服务", "Accepted but did not serve"),
    "adjustment": ("人工调整", "Manual adjustment"),
}

LEVEL_KIND_LABELS: dict[str, Label] = {
    "none": ("暂无等级", "No level yet"),
    "heart": ("红心", "Heart"),
    "diamond": ("钻石", "Diamond"),
}


def pick(labels: Mapping[str, Label], key: str, lang: str = "zh") -> str:
    """The label of `key` in `lang` ("zh" or "en"); the key itself when it has none."""
    pair = labels.get(key)
    if pair is None:
        return key
    return pair[1] if lang.startswith("en") else pair[0]


def status_label(status: str, lang: str = "zh", ticket_type: str | None = None) -> str:
    """A ticket status as the console shows it (type-specific where the type changes its meaning)."""
    pair = TYPE_STATUS_LABELS.get((ticket_type or "", status))
    if pair is not None:
        return pair[1] if lang.startswith("en") else pair[0]
    return pick(STATUS_LABELS, status, lang)


def action_label(action: str, lang: str = "zh") -> str:
    """A ticket action as its button says it."""
    return pick(ACTION_LABELS, action, lang)

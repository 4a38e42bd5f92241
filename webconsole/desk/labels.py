"""The desk's words in the user's language: agent states, pause reasons, and what the pop script shows."""

from __future__ import annotations

from typing import Any

from webconsole.i18n import _, current_language


def agent_states() -> dict[str, str]:
    return {"logged_out": _("Logged out"), "ready": _("Ready"), "paused": _("Paused"), "wrapup": _("Wrap-up")}


def pause_reasons() -> dict[str, str]:
    return {
        "break": _("Break"), "meal": _("Meal"), "training": _("Training"), "meeting": _("Meeting"),
        "after_call": _("After-call work"), "technical": _("Technical problem"), "other": _("Other"),
    }  # fmt: skip


def pop_labels() -> dict[str, Any]:
    """Strings desk.js needs (it writes them with textContent)."""
    return {
        "lang": current_language(),
        "none": _("None"),
        "new_caller": _("New caller: no member record yet"),
        "recording": _("recording"),
        "kinds": {"ring": _("Ringing"), "answer": _("On the call"), "end": _("Call ended")},
        "types": {"consultation": _("Consultation"), "service": _("Service"), "complaint": _("Complaint"),
                  "suggestion": _("Suggestion")},
        "reasons": {
            "did": _("the county's own number was dialled"), "member": _("a member registered in the county"),
            "prefix": _("the caller's number prefix"), "geo": _("the caller's number location"),
            "choice": _("the caller chose the district"), "default": _("no county found: the city center"),
        },
    }  # fmt: skip

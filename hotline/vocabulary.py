"""Names shared by the dialplan, ari_app and agi: spelled once here, imported everywhere."""

from __future__ import annotations

# Channel variables
VAR_CALL_ID = "HOTLINE_CALL_ID"
VAR_QUEUE = "HOTLINE_QUEUE"
VAR_DIALED = "HOTLINE_DIALED"
VAR_CALLER = "HOTLINE_CALLER"
VAR_VIA = "HOTLINE_VIA"
VAR_AGENT = "HOTLINE_AGENT"
VAR_RECORDING = "HOTLINE_RECORDING"
VAR_MIXMON_ID = "HOTLINE_MIXMON_ID"
VAR_COUNTY = "HOTLINE_COUNTY"
VAR_OVERFLOW_QUEUE = "HOTLINE_OVERFLOW_QUEUE"
VAR_OVERFLOW_WAIT = "HOTLINE_OVERFLOW_WAIT"
VAR_TRANSFER_TO = "HOTLINE_TRANSFER_TO"
VAR_MESSAGE = "HOTLINE_MESSAGE"  # the file (no extension) of a message left when no agent could answer
# Per-queue settings the dialplan reads, as globals <prefix><queue name>
GLOBAL_QUEUE_MAX_WAIT = "HOTLINE_QMAXWAIT_"
GLOBAL_QUEUE_MESSAGE = "HOTLINE_QMESSAGE_"
# ari_app's hand-off, queue:overflow queue:overflow wait:language:county. It travels in the extension
# ari_app continues to (ROUTE_EXTEN_PREFIX + value): no extra request to set a variable.
VAR_ROUTE = "HOTLINE_ROUTE"
ROUTE_EXTEN_PREFIX = "r"

# Dialplan contexts
CTX_FROM_CARRIER = "from-carrier"
CTX_FROM_AGENTS = "from-agents"
CTX_INBOUND = "hotline-inbound"
CTX_ACD = "hotline-acd"
CTX_FAILOPEN = "hotline-failopen"
CTX_AGENT_CONNECT = "hotline-agent-connect"
CTX_HANGUP = "hotline-hangup"
CTX_TRANSFER = "hotline-transfer"
CTX_QUEUE_EXIT = "hotline-queue-exit"  # a waiting caller's key press (1: callback)
CTX_CALLBACK_QUEUE = "hotline-callback-queue"  # a callback's placeholder waits in the queue
CTX_CALLBACK_DIAL = "hotline-callback-dial"  # an agent took it: dial the caller
CTX_TRANSFER_QUEUE = "hotline-transfer-queue"  # an agent sent its caller to a queue (blind)

# Stasis arguments: the first one names the feature (ari_app routes on it)
FEATURE_INBOUND = "inbound"

# How a call reached the queue
VIA_ARI = "ari"
VIA_FAILOPEN = "failopen"

# FastAGI scripts (agi://host:port/<script>)
AGI_CALL_REGISTER = "call_register"
AGI_CALL_CONNECTED = "call_connected"
AGI_CALL_ENDED = "call_ended"
AGI_CALLBACK_REQUEST = "callback_request"
AGI_CALLBACK_PLACEMENT = "callback_placement"
AGI_CALLBACK_RESULT = "callback_result"
AGI_RECORDING_DONE = "recording_done"  # a recording closed before the call ends (queue transfer)
VAR_CALLBACK_POSITION = "HOTLINE_CALLBACK_POSITION"
VAR_CALLBACK_NUMBER = "HOTLINE_CALLBACK_NUMBER"

# Call dispositions
DISP_ANSWERED = "answered"
DISP_ABANDONED = "abandoned"
DISP_REJECTED = "rejected"
DISP_FAILED = "failed"
DISP_ACTIVE = "active"
DISP_TRANSFERRED = "transferred"  # the IVR sent it to an outside number
DISP_MESSAGE = "message"  # no agent could answer: the caller left a message (a pending item)
DISP_CALLBACK = "callback"  # the caller asked to be called back, keeping their place

# ARI object ids: deterministic, derived from the call uid
PLAYBACK_ID = "play-{call}-{name}"


def route_value(queue: str, overflow_queue: str | None, overflow_wait: int | None, language: str,
                county: str | None) -> str:  # fmt: skip
    """The value of VAR_ROUTE; the dialplan (hotline-acd) splits it with CUT(...,:,n)."""
    return ":".join([queue, overflow_queue or "", str(overflow_wait or ""), language, county or ""])


def route_exten(route: str) -> str:
    """The hotline-acd extension that carries a route_value() into VAR_ROUTE."""
    return ROUTE_EXTEN_PREFIX + route


def playback_id(call_uid: str, name: str) -> str:
    return PLAYBACK_ID.format(call=call_uid, name=name)


def queue_name(county_code: str) -> str:
    """The app_queue name of a county's intake queue."""
    return county_code


# Localized routing (属地化): why a call went to its county, in the order they are tried
REASON_DID = "did"  # the dialled number is a county's own number
REASON_MEMBER = "member"  # a known member's registered county
REASON_PREFIX = "prefix"  # the caller number's fixed-line or mobile prefix (county prefix table)
REASON_GEO = "geo"  # phonenumbers' geocoding of the caller number names a county's place
REASON_CHOICE = "choice"  # the caller chose a district in the IVR
REASON_DEFAULT = "default"  # nothing decided (no choice made): the city center
REASON_ASK = "ask"  # a decision not final yet: the IVR must ask the caller

# Languages the IVR speaks (Asterisk language codes)
LANGUAGES = ("zh", "en")

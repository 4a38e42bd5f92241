"""One small generator per configuration file: each returns the variables its template lays out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hotline import vocabulary
from hotline.acd import callbacks, transfers

# Modules Asterisk loads (modules.conf has autoload=no): what the center uses, nothing else.
MODULES: dict[str, list[str]] = {
    "dialplan and applications": [
        "pbx_config.so",
        "app_dial.so",
        "app_directed_pickup.so",
        "app_echo.so",
        "app_exec.so",
        "app_mixmonitor.so",
        "app_playback.so",
        "app_queue.so",
        "app_read.so",
        "app_record.so",
        "app_stack.so",
        "app_stasis.so",
        "app_verbose.so",
        "res_agi.so",
        "res_musiconhold.so",
        "res_speech.so",
    ],
    "functions": [
        "func_callerid.so",
        "func_channel.so",
        "func_cut.so",
        "func_global.so",
        "func_logic.so",
        "func_math.so",
        "func_rand.so",
        "func_sha1.so",
        "func_strings.so",
        "func_timeout.so",
        "func_uri.so",
    ],
    "SIP (PJSIP)": [
        "res_pjproject.so",
        "res_sorcery_astdb.so",
        "res_sorcery_config.so",
        "res_sorcery_memory.so",
        "res_pjsip.so",
        "res_pjsip_session.so",
        "chan_pjsip.so",
        "res_pjsip_authenticator_digest.so",
        "res_pjsip_caller_id.so",
        "res_pjsip_dtmf_info.so",
        "res_pjsip_endpoint_identifier_ip.so",
        "res_pjsip_endpoint_identifier_user.so",
        "res_pjsip_logger.so",
        "res_pjsip_pubsub.so",
        "res_pjsip_outbound_authenticator_digest.so",
        "res_pjsip_registrar.so",
        "res_pjsip_sdp_rtp.so",
        "res_rtp_asterisk.so",
        "res_timing_timerfd.so",
    ],
    "ARI and Stasis": [
        "res_http_websocket.so",
        "res_websocket_client.so",
        "res_stasis.so",
        "res_stasis_answer.so",
        "res_stasis_device_state.so",
        "res_stasis_playback.so",
        "res_stasis_recording.so",
        "res_stasis_snoop.so",
        "res_ari.so",
        "res_ari_model.so",
        "res_ari_applications.so",
        "res_ari_asterisk.so",
        "res_ari_bridges.so",
        "res_ari_channels.so",
        "res_ari_device_states.so",
        "res_ari_endpoints.so",
        "res_ari_events.so",
        "res_ari_playbacks.so",
        "res_ari_recordings.so",
        "res_ari_sounds.so",
    ],
    "bridges": [
        "bridge_builtin_features.so",
        "bridge_holding.so",
        "bridge_native_rtp.so",
        "bridge_simple.so",
        "bridge_softmix.so",
    ],
    "codecs and formats": [
        "codec_alaw.so",
        "codec_gsm.so",
        "codec_ulaw.so",
        "format_gsm.so",
        "format_pcm.so",
        "format_sln.so",
        "format_wav.so",
    ],
}


@dataclass(frozen=True)
class AgentAccount:
    name: str
    display_name: str
    endpoint: str
    password: str


@dataclass(frozen=True)
class QueueConf:
    name: str
    strategy: str = "rrmemory"
    ring_timeout: int = 15
    wrapup_time: int = 0
    max_wait: int | None = None
    announce_frequency: int = 30
    announce_holdtime: bool = True
    callback: bool = True
    message_when_empty: bool = True


@dataclass(frozen=True)
class ConfigInput:
    """Everything the templates need; built from settings, the database and the Asterisk runtime."""

    bind_host: str
    sip_port: int
    http_port: int
    ami_port: int
    agi_port: int
    rtp_start: int
    rtp_end: int
    hotline_numbers: list[str]
    carrier_addresses: list[str]
    default_queue: str
    ari_app: str
    language: str
    recording_format: str
    recordings_inner: str
    directories: dict[str, str]
    ari_password: str
    ami_secret: str
    agents: list[AgentAccount] = field(default_factory=list)
    queues: list[QueueConf] = field(default_factory=list)
    dids: list[str] = field(default_factory=list)  # counties' own numbers (routing data)
    carrier_contact: str = "sip:127.0.0.2:5060"  # SIP URI of the carrier for outgoing calls


def _common(data: ConfigInput) -> dict[str, Any]:
    # ref.VAR_X renders as ${VAR_X_VALUE}: a dialplan reference to a vocabulary channel variable
    refs = {k: f"${{{getattr(vocabulary, k)}}}" for k in dir(vocabulary) if k.startswith("VAR_")}
    return {"c": data, "v": vocabulary, "ref": refs}


def modules(data: ConfigInput) -> dict[str, Any]:
    return {"groups": MODULES}


def extensions(data: ConfigInput) -> dict[str, Any]:
    agi = f"agi://{data.bind_host}:{data.agi_port}"
    return {
        "agi": agi,
        "queues": queues(data)["queues"],
        "callback_prefix": callbacks.EXTEN_PREFIX,
        "queue_prefix": transfers.QUEUE_PREFIX,
    }


def queues(data: ConfigInput) -> dict[str, Any]:
    names = {q.name for q in data.queues}
    extra = [] if data.default_queue in names else [QueueConf(data.default_queue)]
    return {"queues": sorted([*data.queues, *extra], key=lambda q: q.name)}


def nothing(data: ConfigInput) -> dict[str, Any]:
    return {}


# file name -> generator; the template is templates/<file name>.jinja
GENERATORS: dict[str, Callable[[ConfigInput], dict[str, Any]]] = {
    "asterisk.conf": nothing,
    "modules.conf": modules,
    "logger.conf": nothing,
    "pjsip.conf": nothing,
    "rtp.conf": nothing,
    "extensions.conf": extensions,
    "http.conf": nothing,
    "ari.conf": nothing,
    "manager.conf": nothing,
    "queues.conf": queues,
    "musiconhold.conf": nothing,
    "indications.conf": nothing,
    "features.conf": nothing,
    "cdr.conf": nothing,
    "cel.conf": nothing,
    "acl.conf": nothing,
    "ccss.conf": nothing,
    "udptl.conf": nothing,
    "pjproject.conf": nothing,
    "websocket_client.conf": nothing,
    "stasis.conf": nothing,
}


def context_for(name: str, data: ConfigInput) -> dict[str, Any]:
    return {**_common(data), **GENERATORS[name](data)}

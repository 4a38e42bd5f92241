"""What every feature handler gets: the ARI client, the stores, routing, IVR flows and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ari_app.client import AriClient
from hotline.ivr.store import FlowCache
from hotline.routing.service import Router
from hotline.services.callstore import CallStore
from hotline.settings import Settings


@dataclass(frozen=True)
class AppContext:
    ari: AriClient
    store: CallStore
    settings: Settings
    router: Router
    flows: FlowCache
    spool_recordings: Path  # where ARI live recordings land, as the host sees it


def spool_recordings_dir(settings: Settings) -> Path:
    """The host path of Asterisk's `recording` spool directory (ARI's live recordings)."""
    from hotline.asterisk.runtime import AsteriskRuntime

    runtime = AsteriskRuntime.from_settings(settings)
    return runtime.host_path(runtime.directories()["astspooldir"] + "/recording")

"""What every feature handler gets: the ARI client, the call store and the settings."""

from __future__ import annotations

from dataclasses import dataclass

from ari_app.client import AriClient
from hotline.services.callstore import CallStore
from hotline.settings import Settings


@dataclass(frozen=True)
class AppContext:
    ari: AriClient
    store: CallStore
    settings: Settings

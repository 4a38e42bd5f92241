"""One typed settings object, read from HOTLINE_* environment variables and an optional TOML file."""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _config_file() -> Path:
    explicit = os.environ.get("HOTLINE_CONFIG")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("HOTLINE_HOME", "var")) / "hotline.toml"


class Settings(BaseSettings):
    """Everything the center needs to know about where it runs; defaults bind to 127.0.0.1."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    home: Path = Field(default=Path("var"), description="state directory")
    database_url: str = ""
    cache_dir: Path | None = None

    bind_host: str = "127.0.0.1"
    sip_port: int = 5060
    http_port: int = 8088
    ami_port: int = 5038
    agi_port: int = 4573
    console_port: int = 5000
    # Worker threads of the console (waitress): an open Server-Sent Events stream (a desk, a wall
    # board) holds one for as long as it is open, so this bounds the streams plus requests at once.
    console_threads: int = Field(default=48, ge=4, le=1024)
    # UDP port on bind_host where ari_app tells the console which agents' phones changed (the desk
    # streams then read the database at once; without it they notice within a second)
    console_wake_port: int = 5001
    # ari_app follows the agents' phones for the desk's screen-pop (endpoint subscriptions); off: no
    # pops, and Asterisk builds no events of the agents' channels for ari_app
    desk_events: bool = True
    # the asyncio event loop of ari_app and agi: uvloop (libuv, less CPU per event and request) or
    # the standard library's
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    # the scheduling priority (Linux nice) ari_app and agi run at: below 0, a caller's key gets their
    # small CPU need served before Asterisk's bulk media work on a busy machine; 0: the normal one
    control_nice: int = Field(default=-10, ge=-20, le=19)
    rtp_start: int = 10000
    rtp_end: int = 20000

    hotline_numbers: Annotated[list[str], NoDecode] = ["10109366"]
    carrier_addresses: Annotated[list[str], NoDecode] = ["127.0.0.2"]
    # SIP URI calls out through the carrier go to (IVR transfers); default: first carrier address, 5060
    carrier_contact: str = ""
    default_queue: str = "city"
    ari_app: str = "hotline"
    # Send the ARI requests Asterisk answers at once (play, stop, continue, hang up) over the event
    # WebSocket (Asterisk >= 22.3) instead of HTTP; false: every request on HTTP.
    ari_rest_over_websocket: bool = True
    # How many WebSockets carry those requests (the event socket and request-only ones): Asterisk
    # serves one socket's requests one after the other.
    ari_rest_lanes: int = Field(default=3, ge=1, le=16)
    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    welcome_prompt: str = "welcome"
    # The IVR flow new calls run (its newest loaded version); empty: welcome, then the county queue.
    ivr_flow: str = "main"
    # A fixed start for the center's clock (ISO 8601, e.g. 2026-10-01T10:00:00+08:00) for trying
    # business hours and holidays; it then runs on from there. Empty: the real time.
    clock: str = ""

    asterisk_mode: Literal["auto", "system", "chroot"] = "auto"
    debian_mirror: str = "http://deb.debian.org/debian"
    recording_format: str = "wav"
    # Days a call recording (file and row) is kept; `hotline recordings purge` deletes older ones.
    recording_retention_days: int = 180
    # Callback-in-queue: attempts to reach the caller, seconds between them, and how long a callback
    # may wait in its queue for an agent before it is given up.
    callback_max_attempts: int = Field(default=3, ge=1, le=10)
    callback_retry_s: int = Field(default=60, ge=1, le=3600)
    callback_wait_max_s: int = Field(default=3600, ge=60, le=86400)

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("recording_retention_days", mode="after")
    @classmethod
    def _positive_retention(cls, value: int) -> int:
        if value < 1:
            raise ValueError(
                f"recording_retention_days (HOTLINE_RECORDING_RETENTION_DAYS) must be 1 or more, "
                f"not {value}: 0 or less would purge every recording, even a call just finished"
            )
        return value

    @field_validator("hotline_numbers", "carrier_addresses", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    @cached_property
    def db_url(self) -> str:
        """The database URL; SQLite in the state directory unless HOTLINE_DATABASE_URL says otherwise."""
        return self.database_url or f"sqlite:///{self.home / 'hotline.db'}"

    @property
    def cache(self) -> Path:
        return (self.cache_dir or self.home / "cache").expanduser().resolve()

    @property
    def log_dir(self) -> Path:
        return self.home / "log"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def recordings_dir(self) -> Path:
        return self.home / "recordings"

    @property
    def sounds_dir(self) -> Path:
        return self.home / "sounds"

    @property
    def ari_url(self) -> str:
        return f"http://{self.bind_host}:{self.http_port}"

    @property
    def console_url(self) -> str:
        return f"http://{self.bind_host}:{self.console_port}/"


def get_settings(**overrides: object) -> Settings:
    """Build settings now (environment is re-read on every call; nothing is cached at import)."""
    return Settings(**overrides)  # type: ignore[arg-type]

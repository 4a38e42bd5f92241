"""Secrets generated on first use and kept in the state directory with mode 0600."""

from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path

_LOCK = threading.Lock()


class SecretStore:
    """A JSON file of generated secrets; nothing here has a default value in code."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_home(cls, home: Path) -> SecretStore:
        return cls(home / "secrets.json")

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        if not isinstance(data, dict):
            raise ValueError(f"{self.path} is not a JSON object")
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def get(self, name: str, nbytes: int = 18) -> str:
        """Return the secret `name`, generating and saving it if it does not exist yet."""
        with _LOCK:
            data = self._load()
            if name not in data:
                data[name] = secrets.token_urlsafe(nbytes)
                self._save(data)
            return data[name]

    def ari_password(self) -> str:
        return self.get("ari_password")

    def ami_secret(self) -> str:
        return self.get("ami_secret")

    def console_secret_key(self) -> str:
        return self.get("console_secret_key", 32)

    def sip_password(self, endpoint: str) -> str:
        return self.get(f"sip:{endpoint}", 12)

"""Asterisk 22 for one state directory: installed (system or Debian sid chroot), started, stopped."""

from hotline.asterisk.errors import AsteriskNotRunning, ProvisionError
from hotline.asterisk.runtime import AsteriskRuntime

__all__ = ["AsteriskNotRunning", "AsteriskRuntime", "ProvisionError"]

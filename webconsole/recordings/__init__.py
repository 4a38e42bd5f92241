"""The recordings blueprint: a call's audio, played in the browser (HTTP range requests) or
downloaded, by the roles allowed, every play and download written to the audit log."""

from webconsole.recordings.views import RECORDING_ROLES, bp, serve_recording

__all__ = ["RECORDING_ROLES", "bp", "serve_recording"]

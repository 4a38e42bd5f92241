"""Recordings played in the browser (HTTP range requests) and downloaded, only by the roles allowed,
every play and download audited once, and a recording row pointing outside the recordings directory
refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline.db.session import Database
from tests.unit.calltools import add_call, audit_entries, recordings_dir, write_wav
from tests.unit.consoletools import add_user, client_of, find, token_of

PLAY, DOWNLOAD, REFUSED = "recording.play", "recording.download", "recording.refused"


@pytest.fixture
def wav(console_app: Flask, console_db: Database) -> tuple[int, int, bytes]:
    """(call id, recording id, file bytes) of a call whose recording is a real WAV file."""
    data = write_wav(recordings_dir(console_app) / "2026/11/20/abc.wav")
    call_id, (rec_id,) = add_call(console_db, recordings=[("2026/11/20/abc.wav", "ok")])
    return call_id, rec_id, data


@pytest.fixture
def agent(console_app: Flask, console_db: Database) -> FlaskClient:
    return client_of(console_app, console_db, "li", ["intake"])


def test_a_recording_plays_in_full_as_audio_wav(agent: FlaskClient, wav: tuple[int, int, bytes]) -> None:
    _call, rec_id, data = wav

    response = agent.get(f"/recordings/{rec_id}")

    assert response.status_code == 200
    assert response.data == data and data[:4] == b"RIFF"
    assert response.mimetype == "audio/wav"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Length"] == str(len(data))
    assert "inline" in response.headers.get("Content-Disposition", "inline")
    assert "no-store" in response.headers["Cache-Control"]


def test_a_range_request_gets_206_with_those_bytes(agent: FlaskClient, wav: tuple[int, int, bytes]) -> None:
    _call, rec_id, data = wav

    response = agent.get(f"/recordings/{rec_id}", headers={"Range": "bytes=100-199"})

    assert response.status_code == 206
    assert response.data == data[100:200]
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert response.headers["Content-Length"] == "100"
    assert response.mimetype == "audio/wav"

    tail = agent.get(f"/recordings/{rec_id}", headers={"Range": "bytes=16000-"})
    assert tail.status_code == 206 and tail.data == data[16000:]
    assert tail.headers["Content-Range"] == f"bytes 16000-{len(data) - 1}/{len(data)}"


def test_a_range_past_the_end_is_416(agent: FlaskClient, wav: tuple[int, int, bytes]) -> None:
    _call, rec_id, data = wav

    response = agent.get(f"/recordings/{rec_id}", headers={"Range": f"bytes={len(data) + 10}-"})

    assert response.status_code == 416


def test_each_play_is_audited_once_not_each_chunk(
    console_db: Database, agent: FlaskClient, wav: tuple[int, int, bytes]
) -> None:
    call_id, rec_id, data = wav

    for _play in range(2):  # what a browser does: from byte 0, then the chunks and seeks it needs
        assert agent.get(f"/recordings/{rec_id}", headers={"Range": "bytes=0-"}).status_code == 206
        assert agent.get(f"/recordings/{rec_id}", headers={"Range": "bytes=8000-"}).status_code == 206
        assert agent.get(f"/recordings/{rec_id}", headers={"Range": "bytes=12000-12999"}).status_code == 206
    assert agent.head(f"/recordings/{rec_id}").status_code == 200
    safari = [("bytes=0-1", 2), (f"bytes=0-{len(data) - 1}", len(data)), ("bytes=9000-9999", 1000)]
    for wanted, length in safari:  # Safari probes two bytes, then asks for the whole file
        response = agent.get(f"/recordings/{rec_id}", headers={"Range": wanted})
        assert response.status_code == 206 and len(response.data) == length

    plays = audit_entries(console_db, PLAY)
    assert len(plays) == 3
    user_id = find(console_db, "li").id
    for entry in plays:
        assert (entry.user_id, entry.object_type, entry.object_id) == (user_id, "recording", str(rec_id))
        assert (
            entry.detail is not None
            and entry.detail["call_id"] == call_id
            and entry.detail["via"] == "console"
        )
    assert audit_entries(console_db, DOWNLOAD) == []


def test_a_download_is_an_attachment_audited_each_time(
    console_db: Database, agent: FlaskClient, wav: tuple[int, int, bytes]
) -> None:
    call_id, rec_id, data = wav

    first = agent.get(f"/recordings/{rec_id}/download")
    second = agent.get(f"/recordings/{rec_id}/download")

    assert first.status_code == 200 and first.data == data and second.data == data
    disposition = first.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"call-{call_id}-inbound-recording-{rec_id}.wav" in disposition
    downloads = audit_entries(console_db, DOWNLOAD)
    assert [e.object_id for e in downloads] == [str(rec_id), str(rec_id)]
    assert audit_entries(console_db, PLAY) == []


@pytest.mark.parametrize("roles", [["area_manager"], ["admin"], ["area_manager", "admin"]])
def test_other_roles_may_not_play_nor_download(
    console_app: Flask, console_db: Database, wav: tuple[int, int, bytes], roles: list[str]
) -> None:
    _call, rec_id, _data = wav
    client = client_of(console_app, console_db, "other", roles)

    for url in (f"/recordings/{rec_id}", f"/recordings/{rec_id}/download"):
        response = client.get(url)
        assert response.status_code == 403 and b'data-error-id="forbidden"' in response.data
    assert audit_entries(console_db, PLAY) == audit_entries(console_db, DOWNLOAD) == []


@pytest.mark.parametrize("role", ["intake", "dispatcher", "visitor", "supervisor"])
def test_the_seats_and_supervisors_may_play(
    console_app: Flask, console_db: Database, wav: tuple[int, int, bytes], role: str
) -> None:
    _call, rec_id, data = wav
    client = client_of(console_app, console_db, f"u-{role}", [role])

    assert client.get(f"/recordings/{rec_id}").data == data


def test_an_anonymous_visitor_is_sent_to_log_in(console_app: Flask, wav: tuple[int, int, bytes]) -> None:
    _call, rec_id, _data = wav

    response = console_app.test_client().get(f"/recordings/{rec_id}")

    assert response.status_code == 302 and response.location.startswith("/login?next=")


def test_an_absolute_path_inside_the_directory_plays(
    console_app: Flask, console_db: Database, agent: FlaskClient
) -> None:
    path = recordings_dir(console_app) / "2026/11/21/def.wav"  # Asterisk stores the absolute path
    data = write_wav(path, seconds=0.5)
    _call, (rec_id,) = add_call(console_db, recordings=[(str(path), "ok")])

    assert agent.get(f"/recordings/{rec_id}").data == data


def crafted_paths(app: Flask, tmp_path: Path) -> list[str]:
    """Rows a tamperer (or a bug) could leave: out by dots, absolute elsewhere, a link leading out."""
    outside = tmp_path / "outside.wav"
    write_wav(outside)
    link = recordings_dir(app) / "2026/11/20/link.wav"
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, link)
    dir_link = recordings_dir(app) / "escape"
    os.symlink(tmp_path, dir_link)
    return [
        "../../etc/passwd",
        "../outside.wav",
        "/etc/passwd",
        str(outside),
        "2026/11/20/link.wav",
        "escape/outside.wav",
        str(recordings_dir(app)),  # the directory itself
        ".",
    ]


def test_a_recording_outside_the_recordings_directory_is_refused_and_audited(
    console_app: Flask, console_db: Database, agent: FlaskClient, tmp_path: Path
) -> None:
    paths = crafted_paths(console_app, tmp_path)
    _call, rec_ids = add_call(console_db, recordings=[(p, "ok") for p in paths])

    for rec_id, path in zip(rec_ids, paths, strict=True):
        for url in (f"/recordings/{rec_id}", f"/recordings/{rec_id}/download"):
            response = agent.get(url)
            assert response.status_code == 403, path
            assert b'data-error-id="recording-path-refused"' in response.data, path
            assert b"RIFF" not in response.data and b"root:" not in response.data

    refused = audit_entries(console_db, REFUSED)
    assert len(refused) == 2 * len(paths)
    assert refused[0].detail is not None and refused[0].detail["path"] == "../../etc/passwd"
    assert audit_entries(console_db, PLAY) == audit_entries(console_db, DOWNLOAD) == []


def test_a_refusal_in_json_for_a_client_asking_json(
    console_app: Flask, console_db: Database, agent: FlaskClient
) -> None:
    _call, (rec_id,) = add_call(console_db, recordings=[("../../etc/passwd", "ok")])

    response = agent.get(f"/recordings/{rec_id}", headers={"Accept": "application/json"})

    assert response.status_code == 403
    assert response.get_json()["error_id"] == "recording-path-refused"


def test_missing_empty_and_unknown_recordings_are_404(
    console_app: Flask, console_db: Database, agent: FlaskClient
) -> None:
    write_wav(recordings_dir(console_app) / "flagged-missing.wav")
    write_wav(recordings_dir(console_app) / "flagged-empty.wav")
    _call, (gone, flagged_missing, flagged_empty) = add_call(
        console_db,
        recordings=[("gone.wav", "ok"), ("flagged-missing.wav", "missing"), ("flagged-empty.wav", "empty")],
    )
    (recordings_dir(console_app) / "a-directory.wav").mkdir()
    _call2, (directory,) = add_call(console_db, recordings=[("a-directory.wav", "ok")])

    cases = {
        gone: "recording-missing",
        flagged_missing: "recording-missing",
        flagged_empty: "recording-empty",
        directory: "recording-missing",
        99999: "recording-not-found",
    }
    for rec_id, error_id in cases.items():
        for url in (f"/recordings/{rec_id}", f"/recordings/{rec_id}/download"):
            response = agent.get(url)
            assert response.status_code == 404, url
            assert f'data-error-id="{error_id}"'.encode() in response.data, url
    assert audit_entries(console_db, PLAY) == audit_entries(console_db, DOWNLOAD) == []
    english = agent.get(f"/recordings/{gone}?lang=en").get_data(as_text=True)
    assert f"The file of recording {gone} is missing" in english


def test_the_api_token_downloads_a_recording_audited_as_the_api(
    console_app: Flask, console_db: Database, wav: tuple[int, int, bytes]
) -> None:
    _call, rec_id, data = wav
    add_user(console_db, "crm", ["supervisor"])
    auth = {"Authorization": f"Bearer {token_of(console_db, 'crm')}"}
    client = console_app.test_client()

    whole = client.get(f"/api/v1/recordings/{rec_id}", headers=auth)
    part = client.get(f"/api/v1/recordings/{rec_id}", headers={**auth, "Range": "bytes=0-43"})

    assert whole.status_code == 200 and whole.data == data and whole.mimetype == "audio/wav"
    assert part.status_code == 206 and part.data == data[:44]
    downloads = audit_entries(console_db, DOWNLOAD)
    assert len(downloads) == 2 and all(e.detail and e.detail["via"] == "api" for e in downloads)
    login_client = client_of(console_app, console_db, "browser", ["supervisor"])
    assert login_client.get(f"/api/v1/recordings/{rec_id}").status_code == 401  # a cookie is not a token

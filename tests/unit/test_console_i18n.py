"""The console in Chinese (default) and English: how a request's language is chosen, and a catalog
that translates every message of the code and templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from flask import Flask

from hotline.db.session import Database
from tests.unit.consoletools import add_user, login
from webconsole.i18n import LANG_COOKIE, read_catalog

WEBCONSOLE = Path(__file__).resolve().parents[2] / "webconsole"
KEYWORDS = {"_": None, "_l": None, "N_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def heading(html: str) -> str:
    found = re.search(r"<h2>(.*?)</h2>", html)
    assert found, html[:400]
    return found.group(1)


@pytest.mark.parametrize(
    ("headers", "expected", "html_lang"),
    [
        ({}, "登录", "zh-CN"),
        ({"Accept-Language": "en-US,en;q=0.9"}, "Log in", "en"),
        ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}, "登录", "zh-CN"),
        ({"Accept-Language": "fr-FR"}, "登录", "zh-CN"),
    ],
)
def test_the_browsers_language_is_followed(
    console_app: Flask, headers: dict[str, str], expected: str, html_lang: str
) -> None:
    html = console_app.test_client().get("/login", headers=headers).get_data(as_text=True)

    assert heading(html) == expected and f'<html lang="{html_lang}">' in html


def test_lang_switches_and_is_remembered_in_a_cookie(console_app: Flask) -> None:
    client = console_app.test_client()
    chinese = {"Accept-Language": "zh-CN"}

    switched = client.get("/login?lang=en&next=/overview", headers=chinese)
    assert heading(switched.get_data(as_text=True)) == "Log in"
    assert any(c.startswith(f"{LANG_COOKIE}=en;") for c in switched.headers.getlist("Set-Cookie"))
    assert heading(client.get("/login", headers=chinese).get_data(as_text=True)) == "Log in"

    ignored = client.get("/login?lang=fr", headers=chinese)
    assert heading(ignored.get_data(as_text=True)) == "Log in"
    assert not any(LANG_COOKIE in c for c in ignored.headers.getlist("Set-Cookie"))


def test_the_switch_links_keep_the_page_and_its_arguments(console_app: Flask) -> None:
    html = console_app.test_client().get("/login?next=/overview").get_data(as_text=True)

    assert '<strong lang="zh">中文</strong>' in html
    assert '<a href="/login?lang=en&amp;next=%2Foverview" hreflang="en" lang="en">English</a>' in html


def test_a_users_own_language_comes_before_the_browsers(console_app: Flask, console_db: Database) -> None:
    add_user(console_db, "bob", ["visitor"], language="en")
    client = console_app.test_client()
    chinese = {"Accept-Language": "zh-CN"}
    login(client, "bob")

    assert "<h2>Agents</h2>" in client.get("/overview", headers=chinese).get_data(as_text=True)
    client.get("/overview?lang=zh")  # the switch (its cookie) wins over the user's language
    assert "<h2>坐席</h2>" in client.get("/overview", headers=chinese).get_data(as_text=True)


def test_errors_are_translated_once_at_the_edge(console_app: Flask) -> None:
    client = console_app.test_client()

    chinese = client.get("/nowhere").get_data(as_text=True)
    english = client.get("/nowhere", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert 'data-error-id="not-found"' in chinese and "页面不存在" in chinese
    assert "Page not found" in english


def test_every_message_has_its_chinese_translation() -> None:
    catalog = read_catalog("zh")
    found = extract_from_dir(str(WEBCONSOLE), METHODS, keywords=KEYWORDS, comment_tags=())
    missing, mismatched = [], []
    for filename, lineno, message, _comments, _context in found:
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        where = f"webconsole/{filename}:{lineno}: {msgid!r}"
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(where)
            continue
        translated = entry.string if isinstance(entry.string, str) else entry.string[0]
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(translated)):
            mismatched.append(where)
    assert not missing, "add to webconsole/translations/zh/LC_MESSAGES/<feature>.po:\n" + "\n".join(missing)
    assert not mismatched, "placeholders differ in the translation of:\n" + "\n".join(mismatched)

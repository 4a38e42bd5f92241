"""Languages of the console: zh (the default) and en, with Flask-Babel.

Messages are written in English in the code and templates (`_("...")`, `_l("...")` for lazy ones,
`N_("...")` to only mark a message translated where it is shown); the Chinese catalog is the
plain-text webconsole/translations/zh/LC_MESSAGES/messages.po, compiled in memory on first use, so
there is no build step. The language of a request: ?lang=, then the language cookie (set by ?lang=),
then the user's own language, then Accept-Language, then zh.
"""

from __future__ import annotations

import functools
import logging
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import support
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, g, request
from flask_babel import Babel, Domain, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

logger = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}  # each in its own language, never translated
LANG_PARAM = "lang"
LANG_COOKIE = "hotline_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
CATALOGS = Path(__file__).parent / "translations"

__all__ = ["LANGUAGES", "N_", "_", "_l", "current_language", "init_app"]


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark `message` for the catalog without translating it here; it is translated where shown."""
    return message


def catalog_files(language: str) -> list[Path]:
    """The .po files of `language`: messages.po, then one per feature (desk.po, tickets.po...), so
    features are translated side by side without editing one shared file."""
    folder = CATALOGS / language / "LC_MESSAGES"
    files = sorted(folder.glob("*.po"), key=lambda p: (p.name != "messages.po", p.name))
    return [p for p in files if p.is_file()]


def read_catalog(language: str) -> Catalog:
    """Every .po file of `language` merged into one catalog; a message translated twice, differently,
    is an error (which translation wins would depend on file order)."""
    merged = Catalog(locale=language)
    for path in catalog_files(language):
        with path.open("rb") as fh:
            part = read_po(fh, locale=language)
        for message in part:
            if not message.id:
                continue
            known = merged.get(message.id)
            if known is not None and known.string != message.string:
                raise ValueError(f"{path.name}: {message.id!r} is already translated differently")
            merged[message.id] = message
    return merged


@functools.cache
def catalog(language: str) -> support.NullTranslations:
    """The translations of `language`, compiled from its .po files (none for the source language)."""
    messages = read_catalog(language)
    if not len(messages):
        return support.NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, messages, use_fuzzy=False)
    compiled.seek(0)
    return support.Translations(fp=compiled, domain="messages")


class CatalogDomain(Domain):
    """Flask-Babel's domain, reading our in-memory catalogs instead of compiled .mo files."""

    def get_translations(self) -> support.NullTranslations:
        return catalog(current_language())


class ConsoleBabel(Babel):
    @functools.cached_property
    def domain_instance(self) -> Domain:
        return CatalogDomain()


def _user_language() -> str | None:
    # Only a user already loaded for this request: choosing a language never opens the database.
    user = g.get("_login_user")
    if user is None or not user.is_authenticated:
        return None
    language = getattr(user, "language", None)
    return language if language in LANGUAGES else None


def select_language() -> str:
    """The language of this request (see the module's docstring)."""
    asked = request.args.get(LANG_PARAM)
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    own = _user_language()
    if own:
        return own
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of the current request, zh outside one."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def _remember_language(response: Response) -> Response:
    asked = request.args.get(LANG_PARAM)
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=LANG_COOKIE_MAX_AGE, httponly=True, samesite="Lax")
    return response


def lang_url(language: str) -> str:
    """This page in `language` (its other query arguments kept)."""
    args = request.args.to_dict()
    args[LANG_PARAM] = language
    return f"{request.path}?{urlencode(sorted(args.items()))}"


def _template_context() -> dict[str, Any]:
    language = current_language()
    return {
        "current_language": language,
        "html_lang": HTML_LANG[language],
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "lang_url": lang_url,
    }


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    ConsoleBabel(app, locale_selector=select_language)
    app.after_request(_remember_language)
    app.context_processor(_template_context)

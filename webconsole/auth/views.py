"""Routes of the auth blueprint: log in, log out, change one's own password."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from hotline import users
from hotline.users.passwords import MIN_LENGTH, verify_password
from webconsole import console
from webconsole.auth.access import public, signed_in
from webconsole.auth.forms import LoginForm, PasswordForm
from webconsole.auth.identity import ConsoleUser, audit_here
from webconsole.auth.limiter import AttemptLimiter
from webconsole.auth.nav import landing_endpoint
from webconsole.errors import ConsoleError, TooManyAttempts
from webconsole.i18n import N_, _

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

LIMITER = "hotline.login_limiter"


class LoginFailed(ConsoleError):
    status_code = 401
    error_id = "login-failed"
    message = N_("Wrong username or password")


def limiter() -> AttemptLimiter:
    found = current_app.extensions[LIMITER]
    assert isinstance(found, AttemptLimiter)
    return found


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this console (never another site: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _landing() -> str:
    return url_for(landing_endpoint(current_user.roles))


def _attempt(username: str, password: str) -> ConsoleUser | ConsoleError:
    """Check a login: the user, or the error to show. Every outcome is audited but the refused ones
    past the limit (so a flood cannot fill the audit log)."""
    name = users.normalize_username(username)
    key = (name, request.remote_addr or "")
    if limiter().retry_after(key) > 0:
        logger.warning("console: login of %r from %s refused: too many failures", name, key[1])
        return TooManyAttempts()
    with console().database.session() as db:
        try:
            user = users.verify_login(db, name, password)
        except users.LoginRefused as refused:
            detail: dict[str, object] = {"reason": refused.reason}
            if limiter().failed(key):
                detail["blocked"] = True
            users.audit(db, refused.user, "login.failed", "user", name, key[1], detail)
            return LoginFailed()
        users.audit(db, user, "login", "user", user.username, key[1])
        limiter().succeeded(key)
        return ConsoleUser.from_row(user)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    """The login form; a logged-in user goes on to its landing page."""
    form = LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next(request.args.get("next")) or _landing())
        form.next.data = request.args.get("next", "")
    error: ConsoleError | None = None
    if form.validate_on_submit():
        outcome = _attempt(form.username.data, form.password.data)
        if isinstance(outcome, ConsoleUser):
            session.clear()  # a fresh session (and CSRF token) for the logged-in user
            login_user(outcome)
            return redirect(safe_next(form.next.data) or _landing())
        error = outcome
    status = error.status_code if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@signed_in
def logout() -> ResponseReturnValue:
    """End the session."""
    with console().database.session() as db:
        audit_here(db, "logout", "user", current_user.username)
    logout_user()
    session.clear()
    flash(_("You are logged out"))
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def password() -> ResponseReturnValue:
    """Change one's own password (the current one is asked again); other sessions of the user end."""
    form = PasswordForm()
    error: ConsoleError | None = None
    if form.validate_on_submit():
        outcome = _change_password(form.current.data, form.new.data)
        if isinstance(outcome, ConsoleUser):
            login_user(outcome)  # this session carries the new password's stamp
            flash(_("Your password is changed"))
            return redirect(_landing())
        error = outcome
    status = error.status_code if error else 200
    return render_template("auth/password.html", form=form, error=error), status


class WrongPassword(ConsoleError):
    status_code = 400
    error_id = "wrong-password"
    message = N_("The current password is wrong")


class PasswordRefused(ConsoleError):
    status_code = 400
    error_id = "weak-password"
    message = N_("Choose a password of at least %(min)d characters that is not your username")


def _change_password(current: str, new: str) -> ConsoleUser | ConsoleError:
    key = (current_user.username, request.remote_addr or "")
    if limiter().retry_after(key) > 0:
        return TooManyAttempts()
    with console().database.session() as db:
        user = users.find_user(db, current_user.username)
        ok, _rehash = verify_password(user.password_hash, current)
        if not ok:
            limiter().failed(key)
            audit_here(db, "password.failed", "user", user.username)
            return WrongPassword()
        try:
            users.set_password(db, user, new)
        except users.WeakPassword:
            return PasswordRefused(min=MIN_LENGTH)
        audit_here(db, "password.change", "user", user.username)
        return ConsoleUser.from_row(user)

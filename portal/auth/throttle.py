"""Login throttling that slows an attacker without locking the owner out.

Failures are counted three ways: per account and address together, per address, per account. An
attempt is refused only when its own account-and-address pair already has failures and one of the
three counts is full. A device that has logged in to an account before carries a signed cookie
naming it (set at each successful login, HttpOnly): it is never refused for that account, so
others' failures from behind the same office address, or anywhere else, cannot lock the owner out.
With the limiter switched off (RATELIMIT_ENABLED=False) nothing is counted or refused.
"""
import sys
from datetime import timedelta

from flask import Flask, Response, current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse

from ..extensions import limiter

DEVICE_COOKIE = "login_device"
DEVICE_ACCOUNTS = 8  # the accounts one device remembers (a shared office computer), the latest first
DEVICE_DAYS = 365


def _keys(account: str) -> dict[str, tuple[str, ...]]:
    address = get_remote_address() or "-"
    return {
        "LOGIN_FAILURES_PER_PAIR": ("login-pair", account, address),
        "LOGIN_FAILURES_PER_ADDRESS": ("login-address", address),
        "LOGIN_FAILURES_PER_ACCOUNT": ("login-account", account),
    }


def _item(setting: str):
    return parse(current_app.config[setting])


def _counting() -> bool:
    return limiter.enabled


def _devices() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="login-device")


def known_accounts() -> list[str]:
    """The accounts this device has logged in to (from its signed cookie; a forged or stale one names none)."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        accounts = _devices().loads(value)
    except BadSignature:
        return []
    return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


def login_refused(account: str) -> bool:
    """True if this device is not known to `account`, this address has failed on it and a failure count is full."""
    if not _counting() or account in known_accounts():
        return False
    keys = _keys(account)
    strategy = limiter.limiter
    pair = _item("LOGIN_FAILURES_PER_PAIR")
    if strategy.get_window_stats(pair, *keys["LOGIN_FAILURES_PER_PAIR"]).remaining >= pair.amount:
        return False  # no failure from here on this account: a device that has not failed passes
    return any(not strategy.test(_item(setting), *key) for setting, key in keys.items())


def record_failure(account: str) -> None:
    """Count a failed login for the pair, the address and the account."""
    if _counting():
        for setting, key in _keys(account).items():
            limiter.limiter.hit(_item(setting), *key)


def record_success(account: str, response: Response) -> None:
    """A correct password forgets this device's failures on the account, and the device is known to it from now on."""
    if _counting():
        limiter.limiter.clear(_item("LOGIN_FAILURES_PER_PAIR"), *_keys(account)["LOGIN_FAILURES_PER_PAIR"])
    accounts = [account, *(a for a in known_accounts() if a != account)][:DEVICE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE, _devices().dumps(accounts), max_age=int(timedelta(days=DEVICE_DAYS).total_seconds()),
        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def _gunicorn_workers() -> int:
    """The worker processes of the gunicorn server loading this app, as it was started (its command line,
    GUNICORN_CMD_ARGS, its config file); 1 outside gunicorn."""
    if "gunicorn" not in sys.modules:
        return 1
    from gunicorn.app.wsgiapp import WSGIApplication

    try:
        return WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg.workers
    except (SystemExit, Exception):  # started in some other way: nothing to read
        return 1


def refuse_private_counts_in_several_workers(app: Flask) -> None:
    """Refuse to start several gunicorn workers with the login counts in memory: each process would allow the full
    limit (the app's own guard, however gunicorn is started)."""
    storage = app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if app.config.get("RATELIMIT_ENABLED", True) and storage.startswith("memory://") and _gunicorn_workers() > 1:
        raise RuntimeError(
            "Several gunicorn workers need a shared store for the login limits: set RATELIMIT_STORAGE_URI=redis://… "
            "(or run one worker with threads, as deploy/gunicorn.conf.py does)."
        )

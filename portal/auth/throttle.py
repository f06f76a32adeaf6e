"""Login throttling that slows an attacker without locking anyone else out.

Failures are counted three ways: per account and address together, per address, per account.
An attempt is refused only when its own account-and-address pair already has failures and one of
the three counts is full, so a correct password from a device that has not failed always gets
through, whatever others did from elsewhere or from behind the same office address.
"""
from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse

from ..extensions import limiter


def _keys(account: str) -> dict[str, tuple[str, ...]]:
    address = get_remote_address() or "-"
    return {
        "LOGIN_FAILURES_PER_PAIR": ("login-pair", account, address),
        "LOGIN_FAILURES_PER_ADDRESS": ("login-address", address),
        "LOGIN_FAILURES_PER_ACCOUNT": ("login-account", account),
    }


def _item(setting: str):
    return parse(current_app.config[setting])


def login_refused(account: str) -> bool:
    """True if this address has failed on `account` and a failure count is full."""
    keys = _keys(account)
    strategy = limiter.limiter
    pair = _item("LOGIN_FAILURES_PER_PAIR")
    if strategy.get_window_stats(pair, *keys["LOGIN_FAILURES_PER_PAIR"]).remaining >= pair.amount:
        return False  # no failure from here on this account: the owner's own device passes
    return any(not strategy.test(_item(setting), *key) for setting, key in keys.items())


def record_failure(account: str) -> None:
    """Count a failed login for the pair, the address and the account."""
    for setting, key in _keys(account).items():
        limiter.limiter.hit(_item(setting), *key)


def record_success(account: str) -> None:
    """A correct password forgets this device's failures on the account."""
    limiter.limiter.clear(_item("LOGIN_FAILURES_PER_PAIR"), *_keys(account)["LOGIN_FAILURES_PER_PAIR"])



"""Gunicorn settings for `make run` and the systemd unit: workers and threads from the environment.

Login attempts are counted in Flask-Limiter's storage. The in-memory store is private to one
process, so without a shared store (RATELIMIT_STORAGE_URI=redis://…) the server runs ONE worker
process with several threads: the counts stay exact. With a shared store it runs several sync
workers. Several workers without a shared store are refused by the app itself (portal/auth/throttle.py),
however gunicorn is started, rather than silently multiplying the limits.
"""
import os

_storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
_shared = not _storage.startswith("memory://")

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_WORKERS") or (3 if _shared else 1))
threads = int(os.environ.get("WEB_THREADS") or (1 if _shared else 4))
worker_class = "sync" if threads == 1 else "gthread"
control_socket_disable = True
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

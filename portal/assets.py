"""Static files: versioned URLs (a content hash in the query string) cached for a year by the browser."""
import hashlib
import os

from flask import Flask, current_app, request, url_for

# A versioned URL names one content for ever: the browser keeps it a year and never asks again.
VERSIONED_CACHE_CONTROL = "public, max-age=31536000, immutable"

_hashes: dict[tuple[str, float], str] = {}


def _content_hash(filename: str) -> str:
    """The first 12 hex digits of the file's SHA-256, computed once per file version."""
    path = os.path.join(current_app.static_folder, filename)
    key = (path, os.stat(path).st_mtime)
    digest = _hashes.get(key)
    if digest is None:
        with open(path, "rb") as handle:
            digest = _hashes[key] = hashlib.sha256(handle.read()).hexdigest()[:12]
    return digest


def static_url(filename: str) -> str:
    """url_for('static', filename=…) with `v=` the file's content hash, so a changed file gets a new URL."""
    return url_for("static", filename=filename, v=_content_hash(filename))


def _cache_versioned(response):
    """A static file asked for by its current versioned URL is cached for a year; anything else revalidates."""
    if request.endpoint == "static" and response.status_code == 200 and "v" in request.args:
        if request.args["v"] == _content_hash(request.view_args["filename"]):
            response.headers["Cache-Control"] = VERSIONED_CACHE_CONTROL
    return response


def init_app(app: Flask) -> None:
    """Register the `static_url` template helper and the cache header."""
    app.jinja_env.globals["static_url"] = static_url
    app.after_request(_cache_versioned)

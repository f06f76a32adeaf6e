"""Liveness and readiness: public, cheap, plain text."""
from flask import Response

from ..permissions import public
from ..schema import readiness
from . import bp


def _plain(body: str, status: int) -> Response:
    response = Response(body + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
@public
def healthz():
    """The process answers; touches nothing else."""
    return _plain("ok", 200)


@bp.route("/readyz")
@public
def readyz():
    """200 when the database answers and its schema is at the newest migration, else 503."""
    ready, reason = readiness()
    return _plain(reason, 200 if ready else 503)

"""Liveness: public, cheap, plain text."""
from flask import Response

from ..permissions import public
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

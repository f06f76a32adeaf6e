"""The one place that reads htmx request headers and builds partial responses (and the URL templates they carry)."""
from collections.abc import Callable

from flask import Response, redirect, render_template, request, url_for


def is_htmx() -> bool:
    """True when the request was made by htmx (it sends `HX-Request: true`)."""
    return request.headers.get("HX-Request") == "true"


def render_page_or_partial(page_template: str, partial_template: str, /,
                           page_context: Callable[[], dict] | None = None, **context) -> str:
    """The full page for a normal request, the swappable partial for htmx.

    `page_context` builds what only the full page shows (its filters' choices): htmx never pays for it.
    """
    if is_htmx():
        return render_template(partial_template, **context)
    return render_template(page_template, **context, **(page_context() if page_context else {}))


def render_with_oob(partial: str, /, *oob_partials: str, **context) -> str:
    """A partial followed by out-of-band fragments (each carries hx-swap-oob itself)."""
    parts = [render_template(partial, **context)]
    parts += [render_template(name, oob=True, **context) for name in oob_partials]
    return "\n".join(parts)


def redirect_or_refresh(url: str) -> Response:
    """Redirect a plain request; tell htmx to navigate with HX-Location."""
    if is_htmx():
        response = Response(status=200)
        response.headers["HX-Location"] = url
        return response
    return redirect(url)


# An id no row has and no other part of a URL is likely to spell; url_template checks that it spells nothing else.
_SENTINEL_ID = 9_223_372_036_854_775_807


def url_template(endpoint: str, argument: str, /, **values) -> str:
    """`url_for(endpoint, **values)` with the int `argument` left as "{id}", for a template or script to fill in."""
    url = url_for(endpoint, **values, **{argument: _SENTINEL_ID})
    if url.count(str(_SENTINEL_ID)) != 1:
        raise ValueError(f"{endpoint}: cannot tell {argument} apart in {url}")
    return url.replace(str(_SENTINEL_ID), "{id}")

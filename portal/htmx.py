"""The one place that reads htmx request headers and builds partial responses."""
from flask import Response, redirect, render_template, request


def is_htmx() -> bool:
    """True when the request was made by htmx (it sends `HX-Request: true`)."""
    return request.headers.get("HX-Request") == "true"


def render_page_or_partial(page_template: str, partial_template: str, /, **context) -> str:
    """The full page for a normal request, the swappable partial for htmx."""
    return render_template(partial_template if is_htmx() else page_template, **context)


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

"""Templates are compiled once and kept: a second app (a new worker, a restart) reads them instead of compiling."""
import re

import jinja2
import pytest
from flask import render_template

from portal import _template_cache, create_app

from .conftest import test_config as config_for_tests


def _page(app) -> str:
    with app.test_request_context("/nowhere"):
        page = render_template("errors/error.html", code=404, message="")
    return re.sub(r"[\w-]{20,}\.[\w-]+\.[\w-]{20,}", "", page)  # the CSRF token differs from one request to the next


def test_a_second_app_reads_the_compiled_templates_and_other_options_compile_anew(tmp_path, monkeypatch):
    settings = config_for_tests(SQLALCHEMY_DATABASE_URI="sqlite://", TEMPLATE_CACHE_DIR=str(tmp_path))
    first = _page(create_app(settings))
    assert [path for path in tmp_path.iterdir() if path.suffix == ".cache"]

    def compile_refused(*_args, **_kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(jinja2.Environment, "compile", compile_refused)
    assert _page(create_app(settings)) == first  # every template the page needs came from the folder

    other = create_app(settings)
    other.jinja_env.lstrip_blocks = False  # code compiled under other options is never taken for these
    other.jinja_env.bytecode_cache = _template_cache(other)
    with pytest.raises(AssertionError, match="compiled again"):
        _page(other)

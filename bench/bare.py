"""The bare floor of `make bench`: a Flask app answering "hello", served by the same gunicorn as the portal."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    """The least a Flask request costs here."""
    return "hello"

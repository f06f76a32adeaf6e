"""WSGI entry point: `flask --app app run`, `gunicorn app:app`."""
from portal import create_app
from portal.allocator import return_large_blocks

return_large_blocks()  # a server's workers give large blocks back (portal/allocator.py)
app = create_app()

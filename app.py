"""WSGI entry point: `flask --app app run`, `gunicorn app:app`."""
import gc

from portal import create_app
from portal.allocator import return_large_blocks

return_large_blocks()  # a server's workers give large blocks back (portal/allocator.py)
app = create_app()
# What the app is made of (modules, routes, models, templates' loaders) lives as long as the worker: out of the
# collector's sight, a full collection during a large figure (a year's points table) scans a fraction of the objects.
gc.freeze()

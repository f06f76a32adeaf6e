"""Health check routes in the permission matrix: public, for every role alike."""

# The matrix's schema comes from create_all (no migration recorded), so /readyz answers 503.
ROUTES = {
    "health.healthz": ("GET", "/healthz", {"anonymous": 200, "deputy": 200, "staff": 200, "admin": 200}),
    "health.readyz": ("GET", "/readyz", {"anonymous": 503, "deputy": 503, "staff": 503, "admin": 503}),
}

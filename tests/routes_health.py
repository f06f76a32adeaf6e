"""Health check routes in the permission matrix: public, for every role alike."""

ROUTES = {
    "health.healthz": ("GET", "/healthz", {"anonymous": 200, "deputy": 200, "staff": 200, "admin": 200}),
}

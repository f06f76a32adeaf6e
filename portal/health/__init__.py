"""Health checks for the process supervisor and the load balancer: /healthz and /readyz."""
from flask import Blueprint

bp = Blueprint("health", __name__)

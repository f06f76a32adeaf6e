"""The benchmark: bulk district data (generate), gunicorn under wrk against the floor (run)."""

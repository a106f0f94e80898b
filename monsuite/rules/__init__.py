"""Prometheus rule files: reading them, scaling them in time, testing and checking them."""

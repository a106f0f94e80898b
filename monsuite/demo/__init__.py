"""The demo service: a stand-in for the Windmill platform API and its workers.

It serves business endpoints, Prometheus metrics with the names the platform's rules and dashboards
use, the health endpoints with the platform's semantics, JSON logs carrying a trace id, and a
fault-control API (127.0.0.1 only) through which the suites inject failures.
"""

"""Grafana dashboards checked the way Grafana runs them: every panel query, its variables expanded,
sent to Prometheus concurrently, with per-panel data and latency and the dashboard's load time."""

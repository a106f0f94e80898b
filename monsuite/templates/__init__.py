"""Notification templates: every receiver's fields rendered by a real Alertmanager for the alerts routing
brings to it, checked for what a reader would miss, and pinned by golden files."""

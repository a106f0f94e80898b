"""Live alert conformance: inject a fault per alert rule, follow it to a delivered notification,
and time every stage of the way."""

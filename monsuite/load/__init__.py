"""Load sessions with Locust: scenarios with thresholds, run headless in their own process."""

"""One endpoint as fast as possible (no wait time): a service's capacity or the load generator's
ceiling. MONSUITE_CAPACITY_PATH names the path (default: the demo service's business endpoint)."""

import os

from locust import FastHttpUser, task

PATH = os.environ.get("MONSUITE_CAPACITY_PATH", "/api/v1/automations")


class CapacityUser(FastHttpUser):
    @task
    def read(self):
        self.client.get(PATH)

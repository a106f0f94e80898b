"""One endpoint as fast as possible (no wait time): the service's capacity, for benchmarks/load.py."""

from locust import FastHttpUser, task


class CapacityUser(FastHttpUser):
    @task
    def read(self):
        self.client.get("/api/v1/automations")

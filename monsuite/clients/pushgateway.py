"""The Pushgateway: a group of series (job, instance) replaced and deleted."""

from __future__ import annotations

from monsuite.clients.http import ServiceClient, ServiceError


class PushgatewayClient(ServiceClient):
    service = "the Pushgateway"

    def put_group(self, job: str, instance: str, exposition: str) -> None:
        response = self.request("PUT", _group(job, instance), data=exposition)
        if response.status_code >= 300:
            raise ServiceError(f"{self.service} refused the series: HTTP {response.status_code} {response.text[:200]}")

    def delete_group(self, job: str, instance: str) -> None:
        self.request("DELETE", _group(job, instance))


def _group(job: str, instance: str) -> str:
    return f"/metrics/job/{job}/instance/{instance}"

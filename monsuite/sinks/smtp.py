"""The SMTP sink: a real SMTP server (aiosmtpd) that records every email as a delivery."""

from __future__ import annotations

import asyncio
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from monsuite.sinks.failures import FailureInjector
from monsuite.sinks.store import DeliveryStore


class RecordingHandler:
    def __init__(self, store: DeliveryStore, failures: FailureInjector):
        self.store = store
        self.failures = failures

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        arrived_at = time.time()
        receiver = envelope.rcpt_tos[0].split("@", 1)[0] if envelope.rcpt_tos else ""
        status, delay = self.failures.decide(receiver)
        if delay:
            await asyncio.sleep(delay)
        if status is not None:
            self.store.reject("email", receiver, 451)
            return "451 4.3.0 Injected temporary failure"
        message = message_from_bytes(envelope.content, policy=policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_content()
        body = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(message.get("Subject", "")),
            "headers": {k: str(v) for k, v in message.items()},
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
        }
        found = [] if body["html"] or body["text"] else ["email has neither a text/html nor a text/plain part"]
        for rcpt in envelope.rcpt_tos:
            self.store.add("email", rcpt.split("@", 1)[0], body, found, arrived_at=arrived_at)
        return "250 Message accepted for delivery"


def start_smtp(store: DeliveryStore, failures: FailureInjector, port: int, host: str = "127.0.0.1") -> Controller:
    controller = Controller(RecordingHandler(store, failures), hostname=host, port=port)
    controller.start()
    return controller

"""The external runtime: nothing is started; components are URLs of an existing stack."""

from __future__ import annotations

from monsuite.clients import access
from monsuite.clients.http import redacted
from monsuite.manifest import EXTERNAL_KINDS, Component
from monsuite.runtimes.base import Choice, Handle, Unavailable


def choose(component: Component, urls: dict[str, str]) -> Choice | Unavailable:
    if component.kind not in EXTERNAL_KINDS:
        return Unavailable(f"an external stack provides only {', '.join(EXTERNAL_KINDS)}; {component.name} is not started")
    url = urls.get(component.kind)
    if not url:
        return Unavailable(f"no --{component.kind}-url given")
    credentials = access.EndpointAccess.from_env(component.kind)  # a half-given credential fails here, before any wait
    uses = "" if credentials.empty else f" ({credentials.describe()})"
    return Choice("external", f"URL {redacted(url)}{uses}", url=url.rstrip("/"))


def handle(component: Component, choice: Choice) -> Handle:
    access.register(choice.url, access.EndpointAccess.from_env(component.kind))
    return Handle(name=component.name, kind=component.kind, runtime="external", detail=choice.detail, url=choice.url)

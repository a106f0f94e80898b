"""How to reach each endpoint of an existing stack: basic auth, a bearer token, TLS with a CA of its
own, a client certificate; one set per component kind, from the environment only:

    MONSUITE_<KIND>_USER / MONSUITE_<KIND>_PASSWORD    basic auth
    MONSUITE_<KIND>_TOKEN                              bearer token
    MONSUITE_<KIND>_CA_FILE                            CA bundle that signed the endpoint's certificate
    MONSUITE_<KIND>_CERT_FILE / MONSUITE_<KIND>_KEY_FILE   client certificate (mutual TLS)
    MONSUITE_<KIND>_TENANT                             X-Scope-OrgID of a multi-tenant Loki, Mimir, Cortex

(KIND: PROMETHEUS, ALERTMANAGER, GRAFANA, LOKI, JAEGER, PUSHGATEWAY.) Registered per URL when an
external stack starts, so every client of that URL (ServiceClient and whatever builds its session
with session_for) sends them. Secrets never reach a repr, a message or a report.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from monsuite.errors import UserError


def variable(kind: str, what: str) -> str:
    return f"MONSUITE_{kind.upper()}_{what}"


@dataclass(frozen=True)
class EndpointAccess:
    kind: str
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    tenant: str | None = None

    @classmethod
    def from_env(cls, kind: str, env: dict | None = None) -> "EndpointAccess":
        env = os.environ if env is None else env

        def get(what: str) -> str | None:
            return env.get(variable(kind, what)) or None

        access = cls(kind, get("USER"), get("PASSWORD"), get("TOKEN"), get("CA_FILE"), get("CERT_FILE"), get("KEY_FILE"),
                     get("TENANT"))
        access.validate()
        return access

    def validate(self) -> None:
        """A clear error for a half-given credential or a file that is not there (names the variable, never the value)."""
        if bool(self.username) != bool(self.password):
            given, missing = ("USER", "PASSWORD") if self.username else ("PASSWORD", "USER")
            raise UserError(f"{variable(self.kind, given)} is set but {variable(self.kind, missing)} is not: "
                            "basic auth needs both")
        if self.token and self.username:
            raise UserError(f"both {variable(self.kind, 'TOKEN')} and {variable(self.kind, 'USER')} are set: "
                            "give a bearer token or basic auth, not both")
        if bool(self.cert_file) != bool(self.key_file):
            raise UserError(f"{variable(self.kind, 'CERT_FILE')} and {variable(self.kind, 'KEY_FILE')} go together "
                            "(a client certificate and its key)")
        for what, path in (("CA_FILE", self.ca_file), ("CERT_FILE", self.cert_file), ("KEY_FILE", self.key_file)):
            if path and not Path(path).is_file():
                raise UserError(f"{variable(self.kind, what)}={path}: no such file")

    @property
    def empty(self) -> bool:
        return not any((self.username, self.token, self.ca_file, self.cert_file, self.tenant))

    def describe(self) -> str:
        """What is used, without a secret: e.g. 'basic auth, CA /etc/ca.pem'."""
        parts = ["basic auth" if self.username else "bearer token" if self.token else ""]
        parts += [f"CA {self.ca_file}" if self.ca_file else "", "client certificate" if self.cert_file else "",
                  f"tenant {self.tenant}" if self.tenant else ""]
        return ", ".join(p for p in parts if p) or "no credentials"

    def apply(self, session: requests.Session) -> requests.Session:
        if self.username:
            session.auth = (self.username, self.password)
        if self.token:
            session.headers["Authorization"] = f"Bearer {self.token}"
        if self.ca_file:
            session.verify = self.ca_file
        if self.cert_file:
            session.cert = (self.cert_file, self.key_file)
        if self.tenant:
            session.headers["X-Scope-OrgID"] = self.tenant
        return session


_registry: dict[str, EndpointAccess] = {}
_lock = threading.Lock()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def register(url: str, access: EndpointAccess) -> None:
    with _lock:
        if access.empty:
            _registry.pop(_origin(url), None)
        else:
            _registry[_origin(url)] = access


def register_from_env(kind: str, url: str) -> str:
    """For a URL given on a command line: its kind's credentials from the environment; returns the URL."""
    register(url, EndpointAccess.from_env(kind))
    return url


def unregister(url: str) -> None:
    with _lock:
        _registry.pop(_origin(url), None)


def access_for(url: str) -> EndpointAccess | None:
    with _lock:
        return _registry.get(_origin(url))


class _EndpointSession(requests.Session):
    """A session whose own CA bundle wins over REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE: requests lets those
    environment variables replace a session's `verify` (psf/requests#3829), which would check an
    endpoint's certificate against the wrong CA."""

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and isinstance(self.verify, str):
            settings["verify"] = self.verify
        return settings


def session_for(url: str) -> requests.Session:
    """A session that reaches this URL: with its endpoint's credentials and CA when it has some."""
    access = access_for(url)
    return access.apply(_EndpointSession()) if access else requests.Session()


def refusal_hint(url: str, status: int) -> str:
    """What to check when an endpoint answers 401/403: the variables of its kind (never their values)."""
    access = access_for(url)
    kind = access.kind if access else "<kind>"
    if access and (access.username or access.token):
        return (f"it refused the credentials (HTTP {status}): check {variable(kind, 'USER')}/"
                f"{variable(kind, 'PASSWORD')} or {variable(kind, 'TOKEN')}")
    return (f"it asks for credentials (HTTP {status}): set {variable(kind, 'USER')} and {variable(kind, 'PASSWORD')}, "
            f"or {variable(kind, 'TOKEN')}")


def tls_hint(url: str) -> str:
    access = access_for(url)
    kind = access.kind if access else "<kind>"
    if access and access.ca_file:
        return f"its TLS certificate is not signed by {variable(kind, 'CA_FILE')} ({access.ca_file}) or not for this host name"
    return f"its TLS certificate is not trusted here: set {variable(kind, 'CA_FILE')} to the CA that signed it"

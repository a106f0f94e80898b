"""One error path for the network: every client of a service (Prometheus, Alertmanager, Grafana, the
sinks, the demo service) sends through ServiceClient, which turns a refused connection, a timeout, an
answer that is not JSON or not the shape the service's API documents into one ServiceError naming the
URL and what to check. It is a UserError: the CLI prints the line and exits 2."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import requests

from monsuite.clients.access import refusal_hint, session_for, tls_hint
from monsuite.errors import UserError
from monsuite.userio.urls import check_url  # noqa: F401 - clients check the URL they are given


class ServiceError(UserError):
    """A service did not answer, or not as its API says."""


def check_reachable(url: str, what: str, timeout: float = 3.0) -> None:
    """A refused connection is known at once: say so now rather than after a readiness timeout."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except ConnectionRefusedError:
        raise UserError(f"{what} {redacted(url)}: connection refused (nothing listens on {parts.hostname}:{port}); "
                        "is it running, and is this its URL?") from None
    except socket.gaierror:
        raise UserError(f"{what} {redacted(url)}: unknown host {parts.hostname!r}") from None
    except OSError as exc:
        raise UserError(f"{what} {redacted(url)}: cannot connect ({exc.strerror or type(exc).__name__}); "
                        "is it running, and is this its URL?") from None


def root_cause(exc: BaseException) -> BaseException:
    """The innermost exception (requests wraps urllib3's, which wraps the socket's)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
    return exc


def redacted(url: str) -> str:
    """A URL fit to print: any user:password in it replaced."""
    from monsuite.userio.redact import redact

    return redact(url)


class ServiceClient:
    service = "the service"  # what to call it in messages
    hint = "is it running, and is this its URL?"

    def __init__(self, url: str, session: requests.Session | None = None, timeout: float = 5.0):
        self.url = check_url(url, f"{self.service} URL")
        self.session = session or session_for(self.url)
        self.timeout = timeout

    def __repr__(self) -> str:  # never shows credentials
        return f"{type(self).__name__}({redacted(self.url)!r})"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        where = f"{self.service} at {redacted(self.url)}"
        try:
            return self.session.request(method, f"{self.url}{path}", **kwargs)
        except requests.exceptions.SSLError:
            raise ServiceError(f"{where}: {tls_hint(self.url)}") from None
        except requests.Timeout:
            raise ServiceError(f"{where}: no answer to {method} {path} within {kwargs['timeout']:g}s; {self.hint}") from None
        except requests.ConnectionError as exc:
            refused = isinstance(root_cause(exc), ConnectionRefusedError)
            raise ServiceError(f"{where}: {'connection refused' if refused else 'cannot connect'}; {self.hint}") from None
        except requests.RequestException as exc:
            raise ServiceError(f"{where}: {method} {path} failed ({type(exc).__name__}); {self.hint}") from None

    def json(self, method: str, path: str, *, shape: type | tuple = (dict, list), ok: tuple = (200,), **kwargs):
        """The JSON body of a successful answer, of the documented shape."""
        response = self.request(method, path, **kwargs)
        if response.status_code in (401, 403) and response.status_code not in ok:
            raise ServiceError(f"{self.service} at {redacted(self.url)}: {method} {path}: {refusal_hint(self.url, response.status_code)}")
        if response.status_code not in ok:
            raise ServiceError(f"{self.service} at {redacted(self.url)}: {method} {path} answered HTTP "
                               f"{response.status_code} ({_snippet(response)}); is that really {self.service}?")
        return self.decoded(response, shape)

    def decoded(self, response: requests.Response, shape: type | tuple = (dict, list)):
        """The JSON body of an answer already received, of the documented shape."""
        where = f"{self.service} at {redacted(self.url)}: {response.request.method} {urlsplit(response.url).path}"
        try:
            body = response.json()
        except ValueError:
            raise ServiceError(f"{where} answered something that is not JSON ({_snippet(response)}); "
                               f"is that really {self.service}?") from None
        if not isinstance(body, shape):
            raise ServiceError(f"{where} answered JSON of an unexpected shape; is that really {self.service}?")
        return body


def _snippet(response: requests.Response) -> str:
    text = " ".join(response.text.split())
    return repr(text[:80] + ("..." if len(text) > 80 else "")) if text else "an empty body"

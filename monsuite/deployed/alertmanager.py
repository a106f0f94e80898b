"""An Alertmanager config as deployed: a plain file; a Secret holding it (`stringData` or base64 `data`,
key `alertmanager.yaml`); `AlertmanagerConfig` objects merged under that root config as the Prometheus
Operator merges them (its default matcher strategy, OnNamespace):

- objects in order of namespace/name; each one's top route gets the matcher namespace="<its namespace>"
  and `continue: true`, and the top routes go before the root config's own routes;
- every receiver, mute and active time interval name is prefixed "<namespace>/<name>/";
- each inhibit rule gets namespace="<its namespace>" on both its source and target matchers;
- CRD fields (camelCase) become Alertmanager's (snake_case); Secret references are read from Secrets in
  the same namespace among what was read, else a placeholder stands in and the count is reported.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from monsuite.deployed import workdir
from monsuite.deployed.documents import Document, inventory, plain

WHAT = "Alertmanager config"
CONFIG_KEYS = ("alertmanager.yaml", "alertmanager.yml")
ROOT_WHEN_NONE = {"route": {"receiver": "null"}, "receivers": [{"name": "null"}]}  # the operator's default
PLACEHOLDER_URL = "http://127.0.0.1:1/secret-not-provided"


@dataclass
class DeployedAlertmanager:
    path: Path  # the plain config the tools read
    origin: str
    configs: list[str] = field(default_factory=list)  # AlertmanagerConfig objects merged (kind/ns/name)
    missing_secrets: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)  # every object it was read from (kind/ns/name)


def _wanted(document: Document) -> bool:
    if document.kind in ("AlertmanagerConfig", "Secret"):
        return True
    return not document.kind and isinstance(document.body, dict) and ("route" in document.body or "receivers" in document.body)


def _secret_config(document: Document) -> str | None:
    body = document.body
    for key in CONFIG_KEYS:
        if isinstance(body.get("stringData"), dict) and key in body["stringData"]:
            return str(body["stringData"][key])
        if isinstance(body.get("data"), dict) and key in body["data"]:
            try:
                return base64.b64decode(str(body["data"][key]), validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                raise document.error(f"data.{key}", "not base64 that decodes to UTF-8 text; "
                                                    "put the config under stringData, or base64-encode it") from None
    return None


def _secret_values(document: Document) -> dict[str, str]:
    values = {}
    for key, value in (document.body.get("data") or {}).items():
        try:
            values[key] = base64.b64decode(str(value), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            continue  # only a referenced key matters; an undecodable one then counts as missing
    values.update({k: str(v) for k, v in (document.body.get("stringData") or {}).items()})
    return values


def read(path: Path | str, *, required: bool = True) -> DeployedAlertmanager | None:
    """The config of a file or folder (None where a folder holds none and none is required)."""
    found = inventory(path, WHAT, _wanted)
    roots = [d for d in found.documents if not d.kind]
    secrets = {d.namespace + "/" + d.name: d for d in found.documents if d.kind == "Secret"}
    held = [(d, text) for d in found.documents if d.kind == "Secret" for text in [_secret_config(d)] if text is not None]
    crs = sorted((d for d in found.documents if d.kind == "AlertmanagerConfig"), key=lambda d: (d.namespace, d.name))
    if len(roots) + len(held) > 1:
        named = [str(d.path) for d in roots] + [f"{d.path} ({d.ref})" for d, _ in held]
        raise found.documents[0].error("", f"{len(named)} Alertmanager configs found ({', '.join(named)}); give the one to use")
    if not roots and not held and not crs:
        if not required:
            return None
        skipped = ", ".join(f"{n} {k}" for k, n in sorted(found.ignored.items()))
        raise Document(Path(path), 1, {}).error("", f"no Alertmanager config found (no `route:`, no Secret with alertmanager.yaml, "
                                                    f"no AlertmanagerConfig; read {skipped or 'nothing'})")
    if roots and not crs and Path(path).is_file():
        return DeployedAlertmanager(roots[0].path, str(roots[0].path))  # plain already: read as it is
    if roots:
        root_doc, root = roots[0], plain(roots[0].body)
    elif held:
        root_doc = held[0][0]
        try:
            root = yaml.safe_load(held[0][1])
        except yaml.YAMLError as exc:
            raise root_doc.error("alertmanager.yaml", f"invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
        if not isinstance(root, dict):
            raise root_doc.error("alertmanager.yaml", "the config must be a mapping with route: and receivers:")
    else:
        root_doc, root = None, json.loads(json.dumps(ROOT_WHEN_NONE))
    merged = _Merge(secrets)
    config = merged.apply(root, crs)
    origin = (f"{root_doc.path} ({root_doc.ref})" if root_doc and root_doc.ref else str(root_doc.path) if root_doc
              else "the operator's default root config")
    if crs:
        origin += f" + {len(crs)} AlertmanagerConfig"
    target = workdir.write("alertmanager.yml", yaml.safe_dump(config, sort_keys=False), origin)
    used = [d.ref for d in ([root_doc] if root_doc and root_doc.ref else []) + crs]
    return DeployedAlertmanager(target, origin, [d.ref for d in crs], merged.missing, used)


def config_file(path: Path | str) -> Path:
    return read(path).path


def _snake(name: str) -> str:
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _matcher(item, document: Document, where: str) -> str:
    if isinstance(item, str):
        return item
    if not isinstance(item, dict) or "name" not in item:
        raise document.error(where, "a matcher needs name, value and matchType (=, !=, =~, !~)")
    kind = item.get("matchType") or ("=~" if item.get("regex") else "=")
    return f"{item['name']}{kind}{json.dumps(str(item.get('value', '')))}"


class _Merge:
    def __init__(self, secrets: dict[str, Document]):
        self.secrets = secrets
        self.missing: list[str] = []

    def apply(self, root: dict, crs: list[Document]) -> dict:
        root = dict(root)
        if not isinstance(root.get("route"), dict):
            root["route"] = {"receiver": "null"}
        top_routes = []
        for cr in crs:
            spec = cr.body.get("spec")
            if not isinstance(spec, dict):
                raise cr.error("spec", "an AlertmanagerConfig needs a spec")
            prefix = f"{cr.namespace}/{cr.name}/"
            names = [str(r.get("name")) for r in spec.get("receivers") or [] if isinstance(r, dict)]
            for index, rule in enumerate(spec.get("inhibitRules") or []):
                root.setdefault("inhibit_rules", []).append(self._inhibit(rule, cr, f"spec.inhibitRules[{index}]"))
            if spec.get("route") is None:
                continue
            route = self._route(spec["route"], cr, "spec.route", prefix, names)
            route["matchers"] = [*route.get("matchers", []), f'namespace="{cr.namespace}"']
            route["continue"] = True
            top_routes.append(route)
            for index, receiver in enumerate(spec.get("receivers") or []):
                root.setdefault("receivers", []).append(self._receiver(receiver, cr, f"spec.receivers[{index}]", prefix))
            for index, interval in enumerate(spec.get("muteTimeIntervals") or []):
                converted = self._fields(interval, cr)
                converted["name"] = prefix + str(converted.get("name", ""))
                root.setdefault("time_intervals", []).append(converted)
        if top_routes:
            root["route"] = {**root["route"], "routes": top_routes + list(root["route"].get("routes") or [])}
        return root

    def _route(self, route, cr: Document, where: str, prefix: str, receivers: list[str]) -> dict:
        if not isinstance(route, dict):
            raise cr.error(where, "a route must be a mapping")
        out = {}
        receiver = route.get("receiver")
        if receiver:
            if str(receiver) not in receivers:
                raise cr.error(f"{where}.receiver", f"{receiver!r} is not a receiver of this AlertmanagerConfig "
                                                    f"({', '.join(receivers) or 'it has none'})")
            out["receiver"] = prefix + str(receiver)
        for key in ("groupBy", "groupWait", "groupInterval", "repeatInterval"):
            if key in route:
                out[_snake(key)] = route[key]
        if route.get("matchers"):
            out["matchers"] = [_matcher(m, cr, f"{where}.matchers[{i}]") for i, m in enumerate(route["matchers"])]
        for key in ("muteTimeIntervals", "activeTimeIntervals"):
            if route.get(key):
                out[_snake(key)] = [prefix + str(name) for name in route[key]]
        if route.get("continue"):
            out["continue"] = True
        if route.get("routes"):
            out["routes"] = [self._route(child, cr, f"{where}.routes[{i}]", prefix, receivers) for i, child in enumerate(route["routes"])]
        return out

    def _inhibit(self, rule, cr: Document, where: str) -> dict:
        if not isinstance(rule, dict):
            raise cr.error(where, "an inhibit rule must be a mapping")
        namespace = f'namespace="{cr.namespace}"'
        out = {}
        for side in ("sourceMatch", "targetMatch"):
            matchers = [m for m in (_matcher(x, cr, f"{where}.{side}[{i}]") for i, x in enumerate(rule.get(side) or []))
                        if not m.startswith(("namespace=", "namespace!", "namespace~"))]
            out[_snake(side) + "ers"] = [*matchers, namespace]
        if rule.get("equal"):
            out["equal"] = list(rule["equal"])
        return out

    def _receiver(self, receiver, cr: Document, where: str, prefix: str) -> dict:
        if not isinstance(receiver, dict) or not receiver.get("name"):
            raise cr.error(where, "a receiver needs a name")
        out = self._fields(receiver, cr)
        out["name"] = prefix + str(receiver["name"])
        return out

    def _fields(self, value, cr: Document):
        """CRD fields to Alertmanager's: snake_case keys, key/value lists as mappings, Secret references read."""
        if isinstance(value, list):
            if value and all(isinstance(v, dict) and set(v) == {"key", "value"} for v in value):
                return {str(v["key"]): v["value"] for v in value}
            return [self._fields(v, cr) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) <= {"name", "key", "optional"} and "key" in value and "name" in value:
            return self._secret(cr, str(value["name"]), str(value["key"]))
        out = {}
        for key, item in value.items():
            name = "url" if key == "urlSecret" else _snake(str(key))
            out[name] = self._fields(item, cr)
        return out

    def _secret(self, cr: Document, name: str, key: str) -> str:
        document = self.secrets.get(f"{cr.namespace}/{name}")
        values = _secret_values(document) if document else {}
        if key in values:
            return values[key].strip()
        self.missing.append(f"{cr.ref}: Secret {cr.namespace}/{name} key {key}")
        return PLACEHOLDER_URL

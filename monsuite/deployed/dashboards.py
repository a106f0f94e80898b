"""Grafana dashboards as deployed: JSON files; ConfigMaps whose `.json` entries hold dashboards (those the
Grafana sidecar picks up by its label, and those mounted as files, as kube-prometheus does); grafana-operator
`GrafanaDashboard` objects (`spec.json`, or `spec.gzipJson`: base64 of gzip)."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from pathlib import Path

from monsuite.deployed import workdir
from monsuite.deployed.documents import Document, inventory

WHAT = "Grafana dashboard"
SIDECAR_LABEL = "grafana_dashboard"


def _is_dashboard(data) -> bool:
    return isinstance(data, dict) and ("panels" in data or "rows" in data or "dashboard" in data)


def _wanted(document: Document) -> bool:
    if document.kind == "GrafanaDashboard":
        return True
    if document.kind == "ConfigMap":
        labels = (document.body.get("metadata") or {}).get("labels") or {}
        data = document.body.get("data") or {}
        return SIDECAR_LABEL in labels or any(str(key).endswith(".json") for key in data)
    return not document.kind and _is_dashboard(document.body)


def _parse(document: Document, where: str, text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise document.error(where, f"not JSON ({exc})") from None
    if not _is_dashboard(data):
        raise document.error(where, "not a Grafana dashboard (no panels or rows)")
    return data


def _entries(document: Document) -> list[tuple[str, dict]]:
    """(name, dashboard JSON) pairs of one object."""
    if document.kind == "GrafanaDashboard":
        spec = document.body.get("spec") or {}
        if "json" in spec:
            return [(document.name, _parse(document, "spec.json", str(spec["json"])))]
        if "gzipJson" in spec:
            try:
                text = gzip.decompress(base64.b64decode(str(spec["gzipJson"]), validate=True)).decode("utf-8")
            except (binascii.Error, OSError, ValueError):
                raise document.error("spec.gzipJson", "not base64 of gzip-compressed JSON") from None
            return [(document.name, _parse(document, "spec.gzipJson", text))]
        raise document.error("spec", "a GrafanaDashboard needs spec.json or spec.gzipJson (spec.url and grafanaCom "
                                     "dashboards are fetched by the operator; give the JSON)")
    if document.kind == "ConfigMap":
        # Labelled for the sidecar, every .json entry must be a dashboard; otherwise only those that are count.
        labelled = SIDECAR_LABEL in ((document.body.get("metadata") or {}).get("labels") or {})
        entries = []
        for key, value in (document.body.get("data") or {}).items():
            if not str(key).endswith(".json"):
                continue
            if not labelled:
                try:
                    if not _is_dashboard(json.loads(str(value))):
                        continue
                except ValueError:
                    continue
            entries.append((str(key), _parse(document, f"data.{key}", str(value))))
        return entries
    return [(document.path.stem, dict(document.body))]


def read(path: Path | str, *, required: bool = True) -> list[Path]:
    """Plain JSON files of every dashboard in a file or folder (a plain .json file is returned as it is)."""
    return read_objects(path, required=required)[0]


def read_objects(path: Path | str, *, required: bool = True) -> tuple[list[Path], list[Document]]:
    """The dashboards' plain JSON files, and the objects that held them."""
    if Path(path).is_file() and Path(path).suffix == ".json":
        return [Path(path)], []
    found = inventory(path, WHAT, _wanted)
    files, used = [], []
    for document in found.documents:
        before = len(files)
        for name, dashboard in _entries(document):
            origin = f"{document.path} ({document.ref}: {name})" if document.ref else str(document.path)
            files.append(workdir.write(name if name.endswith(".json") else f"{name}.json", json.dumps(dashboard, indent=1), origin))
        if len(files) > before and document.kind:
            used.append(document)
    if not files and required:
        skipped = ", ".join(f"{n} {k}" for k, n in sorted(found.ignored.items()))
        raise Document(Path(path), 1, {}).error("", f"no Grafana dashboard found (read {skipped or 'nothing'})")
    return files, used

#!/bin/sh
# Idempotent set-up for a fresh Debian 12 machine, as root: Debian packages, a Docker daemon,
# the Python environment (.venv) and local images for the docker runtime.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="docker.io stress-ng prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter \
prometheus-pushgateway prometheus-postgres-exporter prometheus-redis-exporter postgresql redis-server wrk chromium nginx"

missing=""
for package in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # Installing them starts no service here; monsuite starts what it needs, on ports of its own.
    apt-get install -y -q --no-install-recommends $missing
fi

# A Docker daemon: containers use host networking, so no bridge, iptables or masquerading is needed.
if ! docker info >/dev/null 2>&1; then
    echo "setup: starting dockerd"
    nohup dockerd --bridge=none --iptables=false --ip-masq=false >/var/log/monsuite-dockerd.log 2>&1 &
    tries=0
    until docker info >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -gt 150 ]; then
            echo "setup: dockerd did not answer within 30s; see /var/log/monsuite-dockerd.log" >&2
            exit 1
        fi
        sleep 0.2
    done
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
if [ ! -f .venv/.monsuite-installed ] || [ pyproject.toml -nt .venv/.monsuite-installed ]; then
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -e ".[test]"
    touch .venv/.monsuite-installed
fi

# Components no package provides (Jaeger 2, Prometheus 3.x, the current Alertmanager, Sloth), built from
# their Go modules into a cache outside the repository: the first time takes minutes, later runs nothing.
# MONSUITE_SKIP_COMPONENT_BUILD=1 skips it (their tests then skip, saying how to provide them).
.venv/bin/monsuite components build

# Official images cannot be pulled without a registry; build local ones from the host binaries.
.venv/bin/monsuite images build --stack stacks/default >/dev/null
echo "setup: ready"

"""The kernel's socket table: which addresses the processes of a run listen on."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from monsuite.runtimes import docker

TCP_LISTEN = "0A"
UDP_UNCONNECTED = "07"


@dataclass(frozen=True)
class Listener:
    protocol: str
    address: str
    port: int
    pid: int

    @property
    def loopback_only(self) -> bool:
        return ipaddress.ip_address(self.address).is_loopback

    def __str__(self) -> str:
        return f"{self.protocol} {self.address}:{self.port} (pid {self.pid}: {_command(self.pid)})"


def _address(hex_address: str) -> tuple[str, int]:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        address = ipaddress.IPv4Address(raw[::-1])
    else:  # four 32-bit words, each in host (little-endian) order
        address = ipaddress.IPv6Address(b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))
        address = address.ipv4_mapped or address
    return str(address), int(port, 16)


def _bound_sockets() -> dict[int, tuple[str, str, int]]:
    """inode -> (protocol, address, port) of every listening TCP and bound UDP socket."""
    found = {}
    for protocol in ("tcp", "tcp6", "udp", "udp6"):
        table = Path(f"/proc/net/{protocol}")
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            state, inode = fields[3], int(fields[9])
            if state == (TCP_LISTEN if protocol.startswith("tcp") else UDP_UNCONNECTED):
                found[inode] = (protocol, *_address(fields[1]))
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        for fd in os.scandir(f"/proc/{pid}/fd"):
            target = os.readlink(fd.path)
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    except OSError:
        pass
    return inodes


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return "?"


def run_pids(state: dict) -> set[int]:
    """Processes of a run (from its state file): those carrying its run id, those in the process groups it
    started (a process may rewrite its environment, as redis-server's title does), and those in its
    containers (as host pids)."""
    marker = f"MONSUITE_RUN_ID={state['run_id']}".encode()
    groups = {c["pid"] for c in state["components"].values() if c.get("pid")}
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) in groups or marker in (entry / "environ").read_bytes().split(b"\0"):
                    pids.add(int(entry.name))
            except OSError:
                continue
    container_ids = [c["container_id"] for c in state["components"].values() if c.get("container_id")]
    client = docker.client()
    for container_id in container_ids:
        top = client.containers.get(container_id).top()
        column = top["Titles"].index("PID")
        pids |= {int(row[column]) for row in top["Processes"]}
    return pids


def listeners_of(pids: set[int]) -> list[Listener]:
    bound = _bound_sockets()
    return [Listener(*bound[inode], pid) for pid in sorted(pids) for inode in _socket_inodes(pid) if inode in bound]


def port_held_by_other_run(port: int, run_id: str) -> bool:
    """True if whoever listens on ``port`` belongs to another run: runs started side by side (make test
    runs sessions in parallel) can be handed a port a stopped run had."""
    inodes = {inode for inode, (protocol, _, bound_port) in _bound_sockets().items()
              if protocol.startswith("tcp") and bound_port == port}
    owners = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _socket_inodes(int(entry.name)) & inodes:
            owners.add(_run_id_of(int(entry.name)) or _container_run_id(port))
    return bool(owners) and run_id not in owners and None not in owners


def _run_id_of(pid: int) -> str | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for variable in environ:
        if variable.startswith(b"MONSUITE_RUN_ID="):
            return variable.split(b"=", 1)[1].decode()
    return None


def _container_run_id(port: int) -> str | None:
    """The run label of the container publishing ``port`` (its listener is docker-proxy, not the run's)."""
    client = docker.client()
    if client is None:
        return None
    for container in client.containers.list(filters={"label": docker.RUN_LABEL}):
        published = container.attrs.get("HostConfig", {}).get("PortBindings") or {}
        if any(str(port) == binding.get("HostPort") for bindings in published.values() for binding in bindings or []):
            return container.labels.get(docker.RUN_LABEL)
    return None

"""The docker runtime: components as containers through testcontainers, on the host network.

Containers use host networking and bind 127.0.0.1 (their arguments say so), and the run
directory is mounted at the same path, so a component's arguments are identical in both runtimes.
Ryuk is disabled (its image cannot always be pulled), so teardown is ours: by container id.
"""

from __future__ import annotations

import os
import threading

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

from monsuite.manifest import Component  # noqa: E402
from monsuite.runtimes.base import Choice, Handle, StartContext, Unavailable  # noqa: E402

RUN_LABEL = "io.monsuite.run-id"
COMPONENT_LABEL = "io.monsuite.component"
LOCAL_REGISTRY = "monsuite.local"
PULL_TIMEOUT_SECONDS = 60

_lock = threading.Lock()
_client = None
_daemon_error: str | None = None
_image_cache: dict[str, str | None] = {}


def local_image_name(component: Component) -> str | None:
    """The image `monsuite images build` makes from the host binary of a component."""
    if not component.binary:
        return None
    base = os.path.basename(component.binary[0])
    return f"{LOCAL_REGISTRY}/{base}:host"


def client():
    """A docker client for a daemon that answers, or None (with the reason in daemon_error())."""
    global _client, _daemon_error
    with _lock:
        if _client is None and _daemon_error is None:
            try:
                import docker

                candidate = docker.from_env(timeout=10)
                candidate.ping()
                _client = candidate
            except Exception as exc:  # noqa: BLE001 - any failure means "no usable daemon"
                _daemon_error = f"no Docker daemon answers ({type(exc).__name__}: {str(exc)[:160]})"
        return _client


def daemon_error() -> str | None:
    client()
    return _daemon_error


def _image_present(name: str) -> bool:
    import docker.errors

    try:
        client().images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def _try_pull(name: str) -> str | None:
    """Pull an image; None on success, else why not. Skipped when MONSUITE_NO_PULL=1."""
    if os.environ.get("MONSUITE_NO_PULL") == "1":
        return "pulling is disabled (MONSUITE_NO_PULL=1)"
    try:
        repository, _, tag = name.rpartition(":") if ":" in name.split("/")[-1] else (name, "", "latest")
        client().api.pull(repository, tag=tag)
        return None
    except Exception as exc:  # noqa: BLE001
        text = str(exc)
        if "registry" in text or "dial tcp" in text or "lookup" in text:
            return "no registry reachable"
        return f"{type(exc).__name__}: {text.splitlines()[0][:160]}"


def resolve_image(component: Component) -> tuple[str | None, str]:
    """(image to run, how it was found) or (None, why no image is usable)."""
    with _lock:
        if component.name in _image_cache:
            return _image_cache[component.name]
    result = _resolve_image(component)
    with _lock:
        _image_cache[component.name] = result
    return result


def _resolve_image(component: Component) -> tuple[str | None, str]:
    official = component.image
    if official and _image_present(official):
        return official, f"image {official}"
    pull_error = _try_pull(official) if official else "no official image declared"
    if official and pull_error is None:
        return official, f"image {official} (pulled)"
    local = local_image_name(component)
    if local and _image_present(local):
        return local, f"image {local} (built from the host binary; {official} not obtainable: {pull_error})"
    from monsuite.runtimes.process import find_binary

    hint = "; `monsuite images build` can make a local image from the host binary" if find_binary(component.binary) else ""
    return None, f"image {official} not obtainable ({pull_error}){hint}"


def choose(component: Component) -> Choice | Unavailable:
    from monsuite.components import release

    if not component.image:
        return Unavailable(f"no image is declared for {component.name}")
    if component.kind in ("prometheus", "alertmanager") and release.selected() == "current":
        return Unavailable("--release current runs the built binaries as processes")
    if client() is None:
        return Unavailable(daemon_error() or "no Docker daemon")
    image, detail = resolve_image(component)
    if image is None:
        return Unavailable(detail)
    return Choice("docker", detail, image=image)


def start(component: Component, choice: Choice, ctx: StartContext) -> Handle:
    from testcontainers.core.container import DockerContainer

    run_dir = str(ctx.run_dir)
    container = (
        DockerContainer(choice.image)
        .with_command(list(ctx.args))
        .with_volume_mapping(run_dir, run_dir, "rw")
        .with_kwargs(
            network_mode="host",
            working_dir=str(ctx.component_dir),
            labels={RUN_LABEL: ctx.run_id, COMPONENT_LABEL: component.name},
            **({"user": component.image_user} if component.image_user and choice.image == component.image else {}),
        )
    )
    for key, value in {**ctx.env, "MONSUITE_RUN_ID": ctx.run_id}.items():
        container.with_env(key, value)
    container.start()
    handle = Handle(
        name=component.name, kind=component.kind, runtime="docker", detail=choice.detail, url=ctx.url,
        ports=dict(ctx.ports), container_id=container.get_wrapped_container().id,
        log_path=str(ctx.component_dir / "output.log"),
    )
    return handle


def exit_status(handle: Handle) -> int | None:
    import docker.errors

    try:
        container = client().containers.get(handle.container_id)
    except docker.errors.NotFound:
        return -1
    if container.status in ("created", "running", "restarting"):
        return None
    return int(container.attrs.get("State", {}).get("ExitCode", -1))


def container_exists(handle: Handle) -> bool:
    import docker.errors

    docker_client = client()
    if docker_client is None or handle.container_id is None:
        return False
    try:
        docker_client.containers.get(handle.container_id)
    except docker.errors.NotFound:
        return False
    return True


def stop(handle: Handle) -> None:
    """Save the container's output next to the other logs, then remove it."""
    import docker.errors

    docker_client = client()
    if docker_client is None or handle.container_id is None:
        return
    try:
        container = docker_client.containers.get(handle.container_id)
    except docker.errors.NotFound:
        return
    try:
        if handle.log_path and os.path.isdir(os.path.dirname(handle.log_path)):
            with open(handle.log_path, "wb") as log:
                log.write(container.logs(tail=2000))
    except Exception:  # noqa: BLE001 - logs are a courtesy; removal must happen regardless
        pass
    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        pass


def host_pid(handle: Handle) -> int | None:
    """The container's main process as this machine numbers it; None when the daemon runs elsewhere (its
    pid would name another kernel's process) or the container is gone."""
    try:
        pid = int(client().containers.get(handle.container_id).attrs["State"]["Pid"])
        with open(f"/proc/{pid}/cgroup") as cgroup:
            return pid if handle.container_id in cgroup.read() else None
    except Exception:  # noqa: BLE001 - an unknown pid only means its CPU waits go unmeasured
        return None


def log_tail(handle: Handle, lines: int = 20) -> str:
    try:
        return client().containers.get(handle.container_id).logs(tail=lines).decode(errors="replace")
    except Exception:  # noqa: BLE001
        return ""


def full_log(handle: Handle, since: float | None = None) -> str:
    """The container's log; from `since` (unix seconds, whole-second resolution) when given."""
    try:
        container = client().containers.get(handle.container_id)
        logs = container.logs(since=int(since)) if since is not None else container.logs()
        return logs.decode(errors="replace")
    except Exception:  # noqa: BLE001
        return ""

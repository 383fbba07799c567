"""Servers under test and the load generator that drives them."""

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).with_name("wrk.lua")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ensure_wrk() -> str:
    """Return wrk's path, installing Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing; installing it with apt-get", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


@dataclass
class Server:
    """A server process listening on 127.0.0.1."""

    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str, headers: dict[str, str]) -> None:
        self.process = spawn(self.command, self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}")
            try:
                answer = httpx.get(self.base + ready_path, headers=headers, timeout=5)
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer within a minute")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def workers(self) -> list[int]:
        """List the processes answering requests: uvicorn's children, or itself."""
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        # Multiprocessing's resource tracker is a child too; it serves nothing.
        return [
            int(child)
            for child in children
            if b"resource_tracker" not in _cmdline(int(child))
        ] or [pid]


def spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start ``command`` in a process group of its own, so ``stop`` ends it all."""
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a process started by ``spawn`` with every process it started."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def memory_mb(pid: int) -> tuple[float, float]:
    """Return a process's resident memory now and at its peak, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def tjar_server(env: dict[str, str], workers: int) -> Server:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "tjar",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-webhook-worker",
    ]
    return Server("tjar", command, env, port)


def baseline_server(env: dict[str, str], workers: int) -> Server:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.baseline:app",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return Server("baseline", command, env, port)


@dataclass(frozen=True)
class Run:
    """One wrk run's figures."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def drive(
    wrk: str,
    url: str,
    headers: dict[str, str],
    *,
    kind: str = "get",
    products: int = 1,
    seconds: int,
    connections: int,
) -> Run:
    """Run wrk against ``url`` for ``seconds`` and read its figures."""
    command = [
        wrk,
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--script",
        str(SCRIPT),
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    command += [url, "--", kind, str(products)]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {(done.stderr or done.stdout).strip()}")
    output = done.stdout
    line = next(row for row in output.splitlines() if row.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    return Run(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        failures=figures["status_errors"] + figures["socket_errors"],
    )


def median_run(runs: list[Run]) -> Run:
    """Combine repeated runs: median throughput and latencies, summed failures."""
    return Run(
        requests=round(statistics.median(run.rps for run in runs)),
        seconds=1.0,
        p50_ms=statistics.median(run.p50_ms for run in runs),
        p99_ms=statistics.median(run.p99_ms for run in runs),
        failures=sum(run.failures for run in runs),
    )

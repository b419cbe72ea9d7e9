"""Processes for the benchmark: the sandbox, the tap, the target and the floor scripts.

Every program under test runs as its own child process and is reaped with ``os.wait4``,
which gives that child's own CPU time (user + system) and peak RSS (``ru_maxrss``).
The sandbox is another child process, so its CPU never counts as the connector's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PYTHON = sys.executable
BIN = Path(PYTHON).parent
ROOT = Path(__file__).resolve().parent.parent
READ_CHUNK = 1 << 20
#: Where the measured programs keep their compiled bytecode (``bench-results/`` is not in
#: git). An installed program starts from cached bytecode; with PYTHONDONTWRITEBYTECODE
#: (set in some environments) every start would compile this project's sources again, a
#: cost that grows with the code base and is not the program's. The first run of each
#: program in a bench fills the cache (``warm_bytecode``).
PYCACHE = ROOT / "bench-results" / "pycache"
_WARMED: set[str] = set()
RECORD_PREFIX = b'{"type":"RECORD","stream":"'
STATE_PREFIX = b'{"type":"STATE"'


@dataclass
class Measured:
    """What one child process cost and wrote."""

    wall: float
    user: float
    sys: float
    max_rss_kb: int
    returncode: int
    lines: int = 0
    records: Counter = field(default_factory=Counter)
    last_state: dict[str, Any] | None = None
    stderr_tail: str = ""

    @property
    def cpu(self) -> float:
        """User + system CPU seconds of the child."""
        return self.user + self.sys

    @property
    def max_rss_mb(self) -> float:
        """Peak resident set size in MiB."""
        return self.max_rss_kb / 1024

    def check(self, what: str) -> Measured:
        """Raise when the child failed (with the end of its stderr)."""
        if self.returncode != 0:
            raise RuntimeError(f"{what} exited with {self.returncode}:\n{self.stderr_tail}")
        return self


class _SingerCounter:
    """Counts RECORD messages per stream and keeps the last STATE, chunk by chunk."""

    def __init__(self) -> None:
        self.lines = 0
        self.records: Counter = Counter()
        self.last_state: bytes | None = None
        self._rest = b""

    def feed(self, chunk: bytes) -> None:
        data = self._rest + chunk
        lines = data.split(b"\n")
        self._rest = lines.pop()
        self.lines += len(lines)
        start = len(RECORD_PREFIX)
        for line in lines:
            if line.startswith(RECORD_PREFIX):
                self.records[line[start:line.index(b'"', start)].decode()] += 1
            elif line.startswith(STATE_PREFIX):
                self.last_state = line

    def state(self) -> dict[str, Any] | None:
        if self.last_state is None:
            return None
        return json.loads(self.last_state)["value"]


def _vm_hwm_kb(pid: int) -> int | None:
    """Peak RSS so far of a live process (``VmHWM``), or None once it has exited."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class _PeakRss(threading.Thread):
    """Samples a child's ``VmHWM`` until it exits.

    ``ru_maxrss`` of a child started from this (large) process is useless: Linux counts
    the parent's memory, inherited at fork/exec, into it. ``VmHWM`` is the high-water
    mark of the child's own address space; it only grows, so the last sample before
    exit is the peak (to within the sampling interval).
    """

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            value = _vm_hwm_kb(self.pid)
            if value is None:
                if self.peak_kb:
                    return
            else:
                self.peak_kb = max(self.peak_kb, value)
            self._done.wait(self.interval)

    def stop(self) -> int:
        self._done.set()
        self.join(5)
        return self.peak_kb


def measured_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured program: bytecode cached in ``PYCACHE``."""
    env = {**os.environ, **(extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def warm_bytecode(cmd: list[str]) -> None:
    """Start the program of ``cmd`` once, unmeasured, so its imports are compiled into
    ``PYCACHE`` before the runs that count (``--about`` for the plugins; the floor script
    is imported)."""
    program = cmd[2] if cmd[:2] == [PYTHON, "-m"] else cmd[0]
    if program in _WARMED:
        return
    warm = ([PYTHON, "-c", f"import {program}"] if cmd[:2] == [PYTHON, "-m"]
            else [cmd[0], "--about"])
    subprocess.run(warm, cwd=ROOT, env=measured_env(), capture_output=True,  # noqa: S603
                   timeout=300, check=True)
    _WARMED.add(program)


def run_measured(
    cmd: list[str],
    *,
    stdin: Path | None = None,
    stderr_path: Path,
    timeout: float = 900,
    env: dict[str, str] | None = None,
) -> Measured:
    """Run ``cmd`` to completion, reading its stdout, and measure it."""
    warm_bytecode(cmd)
    counter = _SingerCounter()
    with (stderr_path.open("wb") as err,
          (stdin.open("rb") if stdin else open(os.devnull, "rb")) as inp):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=inp, stdout=subprocess.PIPE, stderr=err,  # noqa: S603
                                env=measured_env(env), cwd=ROOT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        peak = _PeakRss(proc.pid)
        peak.start()
        reaped = False
        try:
            assert proc.stdout is not None
            while chunk := proc.stdout.read1(READ_CHUNK):
                counter.feed(chunk)
            _, status, usage = os.wait4(proc.pid, 0)
            reaped = True
            wall = time.perf_counter() - start
        finally:
            timer.cancel()
            peak_kb = peak.stop()
            if not reaped:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
    tail = stderr_path.read_bytes()[-4000:].decode("utf-8", "replace")
    return Measured(wall=wall, user=usage.ru_utime, sys=usage.ru_stime,
                    max_rss_kb=peak_kb, returncode=proc.returncode,
                    lines=counter.lines, records=counter.records,
                    last_state=counter.state(), stderr_tail=tail)


class SandboxProcess:
    """``tiktokshop-sandbox`` as a child process on 127.0.0.1 and a free port."""

    def __init__(self, workdir: Path, name: str, **options: Any) -> None:
        self.workdir, self.name = workdir, name
        self.options = options
        self.config_path = workdir / f"sandbox-{name}.json"
        self.proc: subprocess.Popen | None = None
        self.base_url = ""
        self.cpu = 0.0

    def start(self, timeout: float = 120) -> SandboxProcess:
        args = [PYTHON, "-m", "tiktokshop_sandbox.cli", "--host", "127.0.0.1", "--port", "0",
                "--config-out", str(self.config_path)]
        for key, value in self.options.items():
            args += [f"--{key.replace('_', '-')}", str(value)]
        err = (self.workdir / f"sandbox-{self.name}.stderr").open("wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err,  # noqa: S603
                                     cwd=ROOT)
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        err.close()
        if not line or b"listening on" not in line[0]:
            self.stop()
            raise RuntimeError(f"sandbox {self.name} did not start: {line}")
        self.base_url = line[0].decode().strip().rsplit(" ", 1)[-1]
        return self

    def config(self) -> dict[str, Any]:
        return json.loads(self.config_path.read_text())

    def admin(self, method: str, path: str, body: dict | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            self.base_url + path, data=data, method=method,
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as resp:  # noqa: S310
            return json.loads(resp.read())

    def stats(self) -> dict[str, dict[str, int]]:
        """Requests by endpoint and outcome since the last reset."""
        return self.admin("GET", "/sandbox/stats")["endpoints"]

    def peak_in_flight(self) -> dict[str, int]:
        """The most requests of each endpoint the sandbox had open at once since the reset."""
        return self.admin("GET", "/sandbox/stats").get("peak_in_flight", {})

    def reset_stats(self) -> None:
        self.admin("POST", "/sandbox/stats/reset", {})

    def mutate(self, products: int, orders: int) -> dict[str, list[str]]:
        return self.admin("POST", "/sandbox/mutate", {"products": products, "orders": orders})

    def dataset(self, kinds: str, shop_id: str | None = None) -> dict[str, list[dict]]:
        query = f"?kinds={kinds}" + (f"&shop_id={shop_id}" if shop_id else "")
        return self.admin("GET", "/sandbox/dataset" + query)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            _, _, usage = os.wait4(proc.pid, 0)
            self.cpu = usage.ru_utime + usage.ru_stime
            proc.returncode = 0
        except ChildProcessError:
            pass
        if proc.stdout:
            proc.stdout.close()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def ok_calls(stats: dict[str, dict[str, int]], fragment: str) -> int:
    """Successful calls of the endpoints whose key contains ``fragment``."""
    return sum(outcomes.get("ok", 0) for key, outcomes in stats.items() if fragment in key)


def all_calls(stats: dict[str, dict[str, int]], fragment: str = "") -> int:
    """Every call (any outcome) of the endpoints whose key contains ``fragment``."""
    return sum(sum(outcomes.values()) for key, outcomes in stats.items() if fragment in key)


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value))
    return path


class Tap:
    """Runs ``tap-tiktokshop`` with a catalog selecting some streams."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._catalog: dict[str, Any] | None = None

    def catalog(self, config_path: Path, streams: set[str]) -> Path:
        if self._catalog is None:
            out = subprocess.run([str(BIN / "tap-tiktokshop"), "--config", str(config_path),  # noqa: S603
                                  "--discover"], capture_output=True, check=True, cwd=ROOT,
                                 timeout=300)
            self._catalog = json.loads(out.stdout)
        catalog = json.loads(json.dumps(self._catalog))
        for stream in catalog["streams"]:
            for entry in stream["metadata"]:
                if entry["breadcrumb"] == []:
                    entry["metadata"]["selected"] = stream["tap_stream_id"] in streams
        name = "-".join(sorted(streams))
        return write_json(self.workdir / f"catalog-{name}.json", catalog)

    def run(self, name: str, config: dict[str, Any], streams: set[str], *,
            state: dict | None = None, timeout: float = 900) -> Measured:
        config_path = write_json(self.workdir / f"tap-{name}.json", config)
        cmd = [str(BIN / "tap-tiktokshop"), "--config", str(config_path),
               "--catalog", str(self.catalog(config_path, streams))]
        if state is not None:
            cmd += ["--state", str(write_json(self.workdir / f"state-{name}.json", state))]
        return run_measured(cmd, stderr_path=self.workdir / f"tap-{name}.stderr",
                            timeout=timeout).check(f"tap ({name})")


def run_target(workdir: Path, name: str, config: dict[str, Any], input_path: Path, *,
               timeout: float = 900) -> Measured:
    """Run ``target-tiktokshop`` on a Singer file."""
    config = {**config, "results_path": str(workdir / f"results-{name}.jsonl")}
    config_path = write_json(workdir / f"target-{name}.json", config)
    return run_measured([str(BIN / "target-tiktokshop"), "--config", str(config_path)],
                        stdin=input_path, stderr_path=workdir / f"target-{name}.stderr",
                        timeout=timeout).check(f"target ({name})")


def merge_states(*states: dict | None) -> dict[str, Any]:
    """One Singer state with the bookmarks of several runs."""
    bookmarks: dict[str, Any] = {}
    for state in states:
        bookmarks.update((state or {}).get("bookmarks", {}))
    return {"bookmarks": bookmarks}

"""The acceptance harness for untrusted repositories (issue 13).

``run_untrusted(root, *args, outside=...)`` runs ``python -m tracegraph ARGS`` on a hostile
repository in a real subprocess, as CI would, and ``assert_safe(run)`` checks what a hostile
repository must never achieve:

- the run ends within 20 s under a 2 GiB address-space limit (``RLIMIT_AS``), with exit 0, 1 or
  2 and no traceback or internal error;
- nothing outside the root was read or written: a sentinel file and a sentinel folder beside the
  root keep their contents, listing, modification time and access time (the access time is set
  a day before the modification time, so that any read updates it even under ``relatime``);
- no command the repository names ran: hostile commands (``hostile_command``) create a marker
  file outside the root, which must not exist afterwards;
- no process is left behind: every process the run started carries a token in its
  environment, and none may be alive shortly after the run ended (Linux, through ``/proc``).

    outside = make_outside(tmp_path / "outside")
    run = run_untrusted(repo, "check", str(repo), outside=outside)
    assert_safe(run)

Other test modules (the limits lane's cases among them) build their hostile trees and call
these two functions.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shlex
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

#: What a run may take (seconds) and use (bytes of address space), as issue 13 says.
TIME_LIMIT = 20.0
MEMORY_LIMIT = 2 * 1024**3
#: How long a process the run started may outlive it (a worker noticing its parent is gone).
GRACE_SECONDS = 3.0
TOKEN_VARIABLE = "TRACEGRAPH_UNTRUSTED_RUN"
DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class Outside:
    """Sentinels beside the scanned root, and the marker hostile commands would create."""

    base: Path
    file: Path
    folder: Path
    inner: Path
    marker: Path

    def snapshot(self) -> dict[str, object]:
        """Contents, listing and times of every sentinel, and whether the marker exists."""
        state: dict[str, object] = {"marker": self.marker.exists()}
        for path in (self.file, self.folder, self.inner):
            st = os.stat(path)
            state[f"{path.name}:times"] = (st.st_atime_ns, st.st_mtime_ns)
        state["file"] = self.file.read_bytes()
        state["inner"] = self.inner.read_bytes()
        state["listing"] = sorted(os.listdir(self.folder))
        state["base"] = sorted(os.listdir(self.base))
        # Reading the contents above updated the access times: set them back to before.
        self.age()
        return state

    def age(self) -> None:
        """Set each sentinel's access time a day before its modification time, so that any
        later read or listing updates it (``relatime`` updates an access time that is older
        than the modification time)."""
        for path in (self.file, self.inner, self.folder):
            st = os.stat(path)
            os.utime(path, ns=(st.st_mtime_ns - DAY_NS, st.st_mtime_ns))


def make_outside(base: Path) -> Outside:
    """Create the sentinels in ``base`` (a folder beside, not inside, the root)."""
    base.mkdir(parents=True, exist_ok=True)
    file = base / "sentinel.md"
    file.write_text("# SENTINEL outside the root\n\nSee [ADR-0001](adr-0001.md).\n")
    folder = base / "secret-dir"
    folder.mkdir(exist_ok=True)
    inner = folder / "inner.md"
    inner.write_text("# SENTINEL folder outside the root\n")
    outside = Outside(base, file, folder, inner, base / "MARKER-a-command-ran")
    outside.age()
    return outside


def hostile_command(outside: Outside, label: str = "ran") -> str:
    """A shell command that proves it ran: it writes ``label`` into the marker file."""
    return f"echo {shlex.quote(label)} >> {shlex.quote(str(outside.marker))}; true"


@dataclass(frozen=True)
class UntrustedRun:
    """One finished run and everything ``assert_safe`` needs."""

    args: tuple[str, ...]
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool
    before: dict[str, object]
    after: dict[str, object]
    marker: str
    leftovers: tuple[str, ...]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_untrusted(
    root: Path,
    *args: str,
    outside: Outside,
    cwd: Path | None = None,
    timeout: float = TIME_LIMIT,
    env: dict[str, str] | None = None,
) -> UntrustedRun:
    """Run ``python -m tracegraph ARGS`` in a subprocess (cwd: ``cwd`` or ``root``) under the
    time and memory limits; never raises for what the run did."""
    token = uuid.uuid4().hex
    environment = {
        **os.environ,
        **(env or {}),
        "PYTHONPATH": str(PROJECT),
        "NO_COLOR": "1",
        TOKEN_VARIABLE: token,
    }
    before = outside.snapshot()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracegraph", *args],
        cwd=cwd or root,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_limit_memory,
    )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    seconds = time.monotonic() - started
    leftovers = wait_for_leftovers(token)
    for pid in leftovers:  # do not let one failing case spoil the next
        kill_quietly(int(pid.split()[0]))
    after = outside.snapshot()
    marker = outside.marker.read_text() if outside.marker.exists() else ""
    return UntrustedRun(
        args=args,
        code=None if timed_out else proc.returncode,
        stdout=out.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
        seconds=seconds,
        timed_out=timed_out,
        before=before,
        after=after,
        marker=marker,
        leftovers=leftovers,
    )


def assert_safe(run: UntrustedRun, codes: tuple[int, ...] = (0, 1, 2)) -> None:
    """Everything issue 13 asks of a run on an untrusted repository."""
    where = f"tracegraph {' '.join(run.args)}"
    assert not run.timed_out, f"{where}: still running after {TIME_LIMIT:g} s"
    assert run.code in codes, f"{where}: exit {run.code}\n{run.stderr[-2000:]}"
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream, f"{where}: traceback\n{stream[-3000:]}"
    assert "internal error" not in run.stderr, f"{where}: {run.stderr[-2000:]}"
    assert run.marker == "", f"{where}: a command from the repository ran: {run.marker!r}"
    # Which sentinel changed, and how: a read from another program on the machine (a search
    # over /tmp) also updates an access time, and the message must tell the two apart.
    changed = {
        k: (run.before.get(k), run.after.get(k))
        for k in sorted({*run.before, *run.after})
        if run.before.get(k) != run.after.get(k)
    }
    assert not changed, f"{where}: something outside the root was read or written: {changed}"
    assert run.leftovers == (), f"{where}: processes left behind: {run.leftovers}"


def processes_with(token: str) -> tuple[str, ...]:
    """Live processes (``"pid command"``) whose environment holds ``token`` (Linux only)."""
    needle = f"{TOKEN_VARIABLE}={token}".encode()
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return ()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            status = (entry / "stat").read_text()
            command = (
                (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            )
        except OSError:
            continue
        state = status.rpartition(")")[2].split()[:1]
        if needle in environ.split(b"\0") and state != ["Z"]:
            found.append(f"{entry.name} {command.strip()}")
    return tuple(sorted(found))


def wait_for_leftovers(token: str, grace: float = GRACE_SECONDS) -> tuple[str, ...]:
    """The processes still carrying ``token`` after up to ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while True:
        alive = processes_with(token)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def kill_quietly(pid: int) -> None:
    """SIGKILL ``pid`` if it still exists."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)

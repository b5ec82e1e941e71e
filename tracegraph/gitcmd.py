"""Every git call tracegraph makes, hardened for a repository it does not trust.

The scanned repository controls its ``.git/config``, ``.gitattributes`` and hooks, and git runs
commands that those name: ``core.fsmonitor`` on any command that reads the index, clean filters
when ``git diff`` hashes a work-tree file, textconv and external diff drivers, pagers, editors,
credential helpers and ssh when a transport starts (a partial clone fetches missing objects on
its own). Following git's own guidance (``gitsecurityboundary``; ``safe.directory`` and
``safe.bareRepository`` honoured only from protected configuration), ``run_git``:

- reads the repository's configuration first (``git config --list``, which runs nothing) and
  disables every filter driver it defines (``filter.<name>.clean/smudge/process`` empty,
  ``required`` false), and sets the command-running settings below from the command scope,
  which outranks every configuration file;
- allows no transport at all (``protocol.allow=never``, ``GIT_ALLOW_PROTOCOL`` empty), so no
  ssh, proxy, credential helper or promisor fetch ever starts; no pager, editor or prompt;
- passes ``--no-ext-diff --no-textconv`` to the commands that diff;
- ignores embedded bare repositories (``safe.bareRepository=explicit``) and never overrides
  ``safe.directory``: a repository owned by another user stays refused, as git intends;
- turns optional locks off, so git writes nothing (no opportunistic index refresh);
- drops inherited ``GIT_*`` variables that would redirect git (``GIT_DIR``,
  ``GIT_EXTERNAL_DIFF``, ``GIT_SSH_COMMAND``...), keeping the operator's configuration
  locations (``GIT_CONFIG_GLOBAL``, ``GIT_CONFIG_NOSYSTEM``...);
- runs only read-only subcommands, from a ``git`` found on an absolute ``PATH`` entry outside
  the scanned tree, with a timeout, in its own process group (killed whole on timeout), and on
  Linux dies with tracegraph (``PR_SET_PDEATHSIG``, set by util-linux's ``setpriv`` where it
  works, else by a pre-exec function; see ``_launcher``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TypeAlias

from .errors import InputError
from .procs import dies_with, find_program

#: What ``run_git`` returns: git's exit status, output and messages (bytes).
GitOutput: TypeAlias = subprocess.CompletedProcess[bytes]

#: Subcommands that only read; anything else is a programming error.
READ_ONLY = frozenset(
    {
        "cat-file",
        "check-ignore",
        "diff",
        "log",
        "ls-files",
        "ls-tree",
        "rev-list",
        "rev-parse",
        "show",
    }
)
#: Subcommands that read only in some forms: the allowed first arguments.
READ_ONLY_FORMS: dict[str, frozenset[str]] = {
    "config": frozenset({"--get", "--get-all", "--get-regexp", "--list", "-l"}),
    "remote": frozenset({"get-url"}),
}
#: Subcommands that could run a textconv or external diff driver.
DIFFING = frozenset({"diff", "log", "show"})

#: Settings from the command scope, which outranks every configuration file.
HARDENED_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.editor", ":"),
    ("core.askPass", ""),
    ("credential.helper", ""),
    ("protocol.allow", "never"),
    ("safe.bareRepository", "explicit"),
    ("submodule.recurse", "false"),
    ("diff.ignoreSubmodules", "all"),
    ("log.showSignature", "false"),
)
#: Per-driver settings that run a command, and what neutralises each.
FILTER_SETTINGS: tuple[tuple[str, str], ...] = (
    ("clean", ""),
    ("smudge", ""),
    ("process", ""),
    ("required", "false"),
)
#: Settings naming a file git reads: taken from the repository's own config, they would let it
#: read any file, so they keep the value from the operator's configuration (or none).
FILE_SETTINGS = ("core.excludesfile", "core.attributesfile")
#: Inherited variables kept: where the operator's own (trusted) configuration lives.
KEPT_GIT_VARIABLES = frozenset(
    {"GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_CEILING_DIRECTORIES"}
)
#: Set for every call: no prompts, pagers, editors, transports, lazy fetches or index writes.
FIXED_ENVIRONMENT = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "",
    "GIT_PAGER": "cat",
    "GIT_EDITOR": ":",
    "GIT_ALLOW_PROTOCOL": "",
    "GIT_PROTOCOL_FROM_USER": "0",
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "LC_ALL": "C",
}
#: Reading the configuration takes milliseconds; longer means a FIFO or a device in the way.
CONFIG_TIMEOUT = 5.0

#: Repositories where a git call ran out of time in this process, with the message. A FIFO or
#: device where git reads its configuration, HEAD or index hangs every later call the same way,
#: so those calls fail at once instead of adding a timeout each (a run stays bounded in time).
_STALLED: dict[tuple[str, str], str] = {}


class GitError(InputError):
    """git could not be run, or did not finish in time."""


class GitTimeout(GitError):
    """git did not finish in time (the repository then counts as stalled for this process)."""


def run_git(
    root: Path, *args: str, timeout: float = 120.0, input: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C root ARGS`` hardened for an untrusted repository; output as bytes.

    ``input`` is written to git's standard input (``cat-file --batch`` reads object names
    there); without it git reads nothing. A non-zero exit is returned, not raised (callers read
    git's message). Raises GitError when git is missing or does not finish within ``timeout``
    seconds, ValueError for a subcommand that is not read-only.
    """
    command, env, stalled_key = _prepare("run_git", root, args, timeout)
    try:
        return _spawn(command, env, timeout, input)
    except GitTimeout as exc:
        _STALLED[stalled_key] = str(exc)
        raise


def _prepare(
    caller: str, root: Path, args: Sequence[str], timeout: float
) -> tuple[list[str], dict[str, str], tuple[str, str]]:
    """The hardened command line and environment for ``git -C root ARGS``, and the key under
    which a stall of this repository is remembered (raises as ``run_git`` says)."""
    if not read_only(args):
        raise ValueError(f"{caller} runs read-only subcommands only, not {tuple(args[:2])}")
    git = find_git(root)
    stalled_key = (git, os.path.abspath(root))
    if stalled_key in _STALLED:
        raise GitError(_STALLED[stalled_key])
    base = hardened_environment()
    try:
        settings = HARDENED_CONFIG + _probe(git, root, base, min(timeout, CONFIG_TIMEOUT))
    except GitTimeout as exc:
        _STALLED[stalled_key] = str(exc)
        raise
    command = [git, "-C", str(root), "--no-pager", args[0]]
    if args[0] in DIFFING:
        command += ["--no-ext-diff", "--no-textconv"]
    return [*command, *args[1:]], with_config(base, settings), stalled_key


def start_git(root: Path, *args: str, timeout: float = 120.0) -> GitProcess:
    """Start ``git -C root ARGS``, hardened as ``run_git`` is (same checks, environment and
    neutralised configuration, own process group, dies with tracegraph), with pipes to its
    standard input and output: for a long-running ``cat-file --batch`` that is fed object
    names and read as it answers. The whole group is killed when ``timeout`` seconds have
    passed since the start (reads then meet the end of the output; ``GitProcess.close``
    raises GitTimeout). The caller must ``close`` it. Raises GitError when git is missing,
    ValueError for a subcommand that is not read-only."""
    command, env, stalled_key = _prepare("start_git", root, args, timeout)
    return GitProcess(_popen(command, env, piped=True), args[0], timeout, stalled_key)


#: What is kept of a long-running git's standard error (the first line is what is shown).
STDERR_KEPT = 64 * 1024


class GitProcess:
    """A running git started by ``start_git``: write to ``stdin``, read ``stdout`` (both
    binary); its standard error is collected by a thread. ``close`` ends it."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        name: str,
        timeout: float,
        stalled_key: tuple[str, str],
    ) -> None:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        self.proc = proc
        self.stdin = proc.stdin
        self.stdout = proc.stdout
        self.name = name
        self.timeout = timeout
        self.timed_out = False
        self._stalled_key = stalled_key
        self._stderr = bytearray()
        self._drain = threading.Thread(target=self._read_stderr, name="git-stderr", daemon=True)
        self._drain.start()
        self._timer = threading.Timer(timeout, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _read_stderr(self) -> None:
        stream = self.proc.stderr
        assert stream is not None
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: stream.read(8192), b""):
                if len(self._stderr) < STDERR_KEPT:
                    self._stderr += chunk[: STDERR_KEPT - len(self._stderr)]

    def _expire(self) -> None:
        self.timed_out = True
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def close(self, *, kill: bool = False) -> subprocess.CompletedProcess[bytes]:
        """End git (``kill``: at once; otherwise its input is closed and it may finish what
        it was asked) and return its exit status and standard error (no output: that was
        read). Raises GitTimeout when it ran out of time."""
        if kill:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError, ValueError):
            self.stdin.close()
        try:
            self.proc.wait(timeout=None if kill else max(self.timeout, 1.0))
        except subprocess.TimeoutExpired:
            self._expire()
            self.proc.wait()
        self._timer.cancel()
        self._drain.join(timeout=5)
        with contextlib.suppress(OSError, ValueError):
            self.stdout.close()
        if self.timed_out:
            message = f"git {self.name} did not finish within {self.timeout:g} s"
            _STALLED[self._stalled_key] = message
            raise GitTimeout(message)
        return subprocess.CompletedProcess(
            self.proc.args, self.proc.returncode, b"", bytes(self._stderr)
        )


def read_only(args: Sequence[str]) -> bool:
    """Whether ``git ARGS`` only reads (``config --get`` yes, ``config key value`` no).

    >>> read_only(["config", "--get", "user.name"]), read_only(["config", "user.name", "x"])
    (True, False)
    """
    if not args:
        return False
    if args[0] in READ_ONLY:
        return True
    forms = READ_ONLY_FORMS.get(args[0])
    return forms is not None and len(args) > 1 and args[1] in forms


#: A probe's answer is reused for this many seconds by the git calls of one run (a check makes
#: four, each one a process more): a configuration changed in between could as well change
#: between a probe and its command.
PROBE_REUSE_SECONDS = 2.0
_probed: dict[tuple[str, str, str], tuple[float, tuple[tuple[str, str], ...]]] = {}


#: A probe begun ahead (``begin_probe``): its key (the repository as an absolute path), when
#: it began, git and its command line. The next ``_probe`` takes it: answered when the key is
#: its own, else killed.
_ahead: list[tuple[tuple[str, str, str], float, subprocess.Popen[bytes], list[str]]] = []


def begin_probe(root: Path) -> None:
    """Begin the configuration probe of ``root`` (as the first git call would) and return at
    once: the command line calls this before it imports click and the CLI, so that git reads
    the configuration on the other core meanwhile instead of holding up the first git call
    of a cold check (2-5 ms of wall). Nothing happens where git cannot be started (the first
    call then says why) or a fresh answer is at hand."""
    end_probe()
    try:
        git = find_git(root)
    except GitError:
        return
    if (git, os.path.abspath(root)) in _STALLED:
        return
    env = hardened_environment()
    key = (git, os.path.abspath(root), repr(sorted(env.items())))
    now = time.monotonic()
    if any(_ahead_key(seen) == key and now - begun < PROBE_REUSE_SECONDS
           for seen, (begun, _) in _probed.items()):  # fmt: skip
        return
    command = [git, "-C", str(root), "config", "--list", "-z", "--show-scope"]
    try:
        proc = _popen(command, env, piped=False)
    except GitError:
        return
    _ahead.append((key, now, proc, command))


def end_probe() -> None:
    """Kill and reap the probe ``begin_probe`` began and no git call took."""
    while _ahead:
        _kill_group(_ahead.pop()[2])


def _ahead_key(key: tuple[str, str, str]) -> tuple[str, str, str]:
    """``_probe``'s key with the repository as an absolute path (``begin_probe``'s form)."""
    return (key[0], os.path.abspath(key[1]), key[2])


def _probe(
    git: str, root: Path, env: dict[str, str], timeout: float
) -> tuple[tuple[str, str], ...]:
    """Overrides for what the repository's configuration defines (``neutralised_settings``),
    reused for ``PROBE_REUSE_SECONDS``; a probe begun ahead for the same repository, with the
    same environment, within as long, is answered instead of starting one more."""
    key = (git, str(root), repr(sorted(env.items())))
    now = time.monotonic()
    seen = _probed.get(key)
    if seen is not None and now - seen[0] < PROBE_REUSE_SECONDS:
        end_probe()
        return seen[1]
    first = None
    if _ahead:
        ahead, begun, proc, command = _ahead.pop()
        if ahead == _ahead_key(key) and now - begun < PROBE_REUSE_SECONDS:
            now = begun
            first = _finish(proc, command, timeout, None, timeout)
        else:
            _kill_group(proc)
    settings = _probe_now(git, root, env, timeout, first)
    _probed.clear()  # one repository at a time is what a run asks about
    _probed[key] = (now, settings)
    return settings


def _probe_now(
    git: str,
    root: Path,
    env: dict[str, str],
    timeout: float,
    first: subprocess.CompletedProcess[bytes] | None = None,
) -> tuple[tuple[str, str], ...]:
    """Overrides for what the repository's configuration defines (``neutralised_settings``).
    A git older than 2.26 has no ``--show-scope``: then every file-valued setting is taken as
    the repository's. A configuration git cannot read fails the real command as well.
    ``first``: the answer of the ``--show-scope`` listing when it was begun ahead."""
    listing = [git, "-C", str(root), "config", "--list", "-z"]
    probe = first if first is not None else _spawn([*listing, "--show-scope"], env, timeout)
    if probe.returncode != 0 and _launcher_failed(probe.stderr):
        probe = _spawn([*listing, "--show-scope"], env, timeout)
    if probe.returncode == 0:
        return neutralised_settings(probe.stdout)
    probe = _spawn(listing, env, timeout)
    if probe.returncode != 0:
        return ()
    return neutralised_settings(
        b"".join(b"local\0" + item + b"\0" for item in probe.stdout.split(b"\0") if item)
    )


def find_git(root: Path) -> str:
    """The git executable on an absolute ``PATH`` entry, never one inside ``root`` (a relative
    or empty entry would pick up a ``git`` that the scanned repository ships)."""
    git = find_program("git", avoid=str(root))
    if git is None:
        raise GitError("git was not found on PATH")
    return git


def hardened_environment() -> dict[str, str]:
    """The environment for git: inherited ``GIT_*`` variables dropped (but the operator's
    configuration locations), fixed values for prompts, pagers and transports."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") or key in KEPT_GIT_VARIABLES
    }
    for key in ("SSH_ASKPASS", "LANGUAGE"):
        env.pop(key, None)
    env.update(FIXED_ENVIRONMENT)
    return env


def with_config(env: dict[str, str], settings: Sequence[tuple[str, str]]) -> dict[str, str]:
    """``env`` plus ``settings`` as command-scope configuration (``GIT_CONFIG_COUNT``: unlike
    ``-c``, a key may hold ``=`` and a value anything)."""
    out = dict(env)
    out["GIT_CONFIG_COUNT"] = str(len(settings))
    for number, (key, value) in enumerate(settings):
        out[f"GIT_CONFIG_KEY_{number}"] = key
        out[f"GIT_CONFIG_VALUE_{number}"] = value
    return out


def neutralised_settings(listing: bytes) -> tuple[tuple[str, str], ...]:
    """Overrides for what a ``git config --list --show-scope -z`` listing defines: every filter
    driver disabled, every per-protocol permission withdrawn, and file-valued settings from the
    repository's own scopes replaced by the operator's value (or /dev/null).

    >>> neutralised_settings(b"local\\0filter.lfs.clean\\ngit-lfs clean %f\\0")[0]
    ('filter.lfs.clean', '')
    """
    drivers: dict[str, None] = {}
    protocols: dict[str, None] = {}
    trusted: dict[str, str] = {}
    untrusted: set[str] = set()
    fields = listing.split(b"\0")
    for scope, item in zip(fields[0::2], fields[1::2], strict=False):
        key_bytes, _, value_bytes = item.partition(b"\n")
        key = os.fsdecode(key_bytes)
        section, _, rest = key.partition(".")
        name, _, variable = rest.rpartition(".")
        if section == "filter" and name:
            drivers[name] = None
        elif section == "protocol" and name and variable == "allow":
            protocols[name] = None
        elif key.lower() in FILE_SETTINGS:
            if scope in (b"local", b"worktree"):
                untrusted.add(key.lower())
            else:
                trusted[key.lower()] = os.fsdecode(value_bytes)
    out = [(f"filter.{name}.{var}", value) for name in drivers for var, value in FILTER_SETTINGS]
    out += [(f"protocol.{name}.allow", "never") for name in protocols]
    out += [(key, trusted.get(key, os.devnull)) for key in sorted(untrusted)]
    return tuple(out)


def begin_git(root: Path, *args: str, timeout: float = 120.0, spool: bool = False) -> PendingGit:
    """Start ``git -C root ARGS``, hardened as ``run_git`` is (same checks, environment and
    neutralised configuration), and return at once: ``PendingGit.answer`` waits for what
    ``run_git`` would have returned, ``discard`` kills it. For a quick command whose answer is
    needed a little later, so that git runs while this process does something else (the
    listing and the remote while ``rev-parse`` says where the root stands: ``warm.look``). No
    thread is started (a forking parse needs a process without threads). ``spool``: git
    writes its output and messages to unlinked temporary files instead of pipes, for an
    answer needed much later (the history, read while the corpus is parsed): git never waits
    on a full pipe, and a forked process holds no pipe of it open. Raises as ``run_git``
    does when git cannot be started."""
    command, env, stalled_key = _prepare("begin_git", root, args, timeout)
    files = None
    if spool:
        # Closed by ``PendingGit`` (answered or discarded), not here: git writes them later.
        files = (spool_file(), spool_file())
    try:
        proc = _popen(command, env, piped=False, into=files)
    except BaseException:
        for file in files or ():
            file.close()
        raise
    return PendingGit(proc, command, timeout, stalled_key, files)


class PendingGit:
    """A git started by ``begin_git``; exactly one of ``answer`` or ``discard`` must be called
    (else git is reaped only when tracegraph exits)."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        command: list[str],
        timeout: float,
        stalled_key: tuple[str, str],
        files: tuple[IO[bytes], IO[bytes]] | None = None,
    ) -> None:
        self._proc = proc
        self._command = command
        self._deadline = time.monotonic() + timeout
        self._timeout = timeout
        self._stalled_key = stalled_key
        self._files = files

    def answer(self) -> subprocess.CompletedProcess[bytes]:
        """git's exit status, output and messages, as ``run_git`` returns them; raises
        GitTimeout when git had not finished ``timeout`` seconds after it was started."""
        left = max(self._deadline - time.monotonic(), 0.001)
        try:
            if self._files is None:
                return _finish(self._proc, self._command, left, None, self._timeout)
            _finish(self._proc, self._command, left, None, self._timeout)
            out, err = (spooled(file) for file in self._files)
            return subprocess.CompletedProcess(self._command, self._proc.returncode, out, err)
        except GitTimeout as exc:
            _STALLED[self._stalled_key] = str(exc)
            raise
        finally:
            self._close_files()

    def finished(self) -> bool:
        """Whether git has ended (``answer`` then waits for nothing). Only in the process
        that began it: another one (a forked child) cannot wait for git."""
        return self._proc.poll() is not None

    def discard(self) -> None:
        """Kill git (its whole group) and reap it: its answer is not needed."""
        _kill_group(self._proc)
        self._close_files()

    def _close_files(self) -> None:
        files, self._files = self._files, None
        for file in files or ():
            file.close()


#: How ``tempfile.TemporaryFile`` opens an unnamed file in a folder (Linux's ``O_TMPFILE``).
_UNNAMED = os.O_RDWR | os.O_EXCL | getattr(os, "O_TMPFILE", 0)
_UNNAMED |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def spool_file() -> IO[bytes]:
    """An unlinked temporary file, as ``tempfile.TemporaryFile()`` opens one, for an output
    ``spooled`` later. Where the system can, it is opened unnamed in the first temporary
    folder the environment names (``TMPDIR``, ``TEMP``, ``TMP``; else /tmp) without importing
    tempfile, shutil and random: 3 ms of every check of a tree with history; otherwise
    tempfile opens it."""
    if hasattr(os, "O_TMPFILE"):
        named = (os.environ.get(key) for key in ("TMPDIR", "TEMP", "TMP"))
        folder = next((value for value in named if value), "/tmp")
        try:
            return open(os.open(folder, _UNNAMED, 0o600), "w+b")
        except OSError:
            pass
    import tempfile

    return tempfile.TemporaryFile()


def spooled(file: IO[bytes]) -> bytes:
    """The whole of a spooled output (an unlinked temporary file), read from its start
    whatever its offset (a forked process shares it)."""
    if not hasattr(os, "pread"):  # Windows: no fork, so no other process shares the offset
        file.seek(0)
        return file.read()
    size = os.fstat(file.fileno()).st_size
    chunks = []
    offset = 0
    while offset < size:
        chunk = os.pread(file.fileno(), size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _spawn(
    command: list[str], env: dict[str, str], timeout: float, input: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``command`` in its own process group, ``input`` on its standard input (none when
    None); the whole group is killed on timeout."""
    proc = _popen(command, env, piped=input is not None)
    return _finish(proc, command, timeout, input, timeout)


def _finish(
    proc: subprocess.Popen[bytes],
    command: list[str],
    wait: float,
    input: bytes | None,
    timeout: float,
) -> subprocess.CompletedProcess[bytes]:
    """Wait up to ``wait`` seconds for ``proc`` (started by ``_popen`` for ``command``, given
    ``timeout`` seconds in all) and collect its output; its group is killed on timeout or
    interruption."""
    try:
        out, err = proc.communicate(input, timeout=wait)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise GitTimeout(
            f"git {command[3] if len(command) > 3 else ''} did not finish within {timeout:g} s"
        ) from None
    except BaseException:
        _kill_group(proc)
        raise
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def _popen(
    command: list[str],
    env: dict[str, str],
    *,
    piped: bool,
    into: tuple[IO[bytes], IO[bytes]] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own process group, dying with this one (Linux), its output
    and errors piped (or written to the files ``into``); its input piped too, or empty."""
    launcher = _launcher(command[2] if len(command) > 2 else os.curdir)
    out, err = into or (subprocess.PIPE, subprocess.PIPE)
    try:
        return subprocess.Popen(
            [*launcher, *command],
            stdin=subprocess.PIPE if piped else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            start_new_session=True,
            preexec_fn=None if launcher else _die_with_parent(),
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None


#: ``setpriv`` (util-linux) on an absolute ``PATH`` entry: None while not looked for, "" when
#: there is none or it failed once (an older one without ``--pdeathsig``, say).
_setpriv: str | None = None


def _launcher(root: str) -> list[str]:
    """What runs git on Linux so that it dies with tracegraph: ``setpriv --pdeathsig KILL --``
    sets the parent-death signal and executes git (the signal is kept across that exec).

    A pre-exec function does the same from Python, but a process with a pre-exec function is
    started with ``fork`` instead of ``vfork``: the kernel copies this process's page tables
    and the child runs Python before git starts, 2-4 ms a call with a small heap and about
    40 ms with 600 MB of it (measured: bench/RESULTS.md, round 8 (start)); through ``setpriv``
    a call costs about 2 ms at any size. Found once per process (never inside the scanned
    ``root``, as git is); without it (other systems, no util-linux, a ``setpriv`` that fails)
    the pre-exec function is used."""
    global _setpriv
    if not sys.platform.startswith("linux"):
        return []
    if _setpriv is None:
        _setpriv = find_program("setpriv", avoid=root) or ""
    if not _setpriv or _inside(_setpriv, root):
        return []
    return [_setpriv, "--pdeathsig", "KILL", "--"]


def _inside(program: str, root: str) -> bool:
    real, top = os.path.realpath(program), os.path.realpath(root).rstrip(os.sep)
    return real == top or real.startswith(top + os.sep)


def _launcher_failed(stderr: bytes) -> bool:
    """Whether ``setpriv`` refused to start git (its own message on standard error): then it
    is not used again in this process, and the caller runs the command once more."""
    global _setpriv
    if _setpriv and stderr.startswith(b"setpriv: "):
        _setpriv = ""
        return True
    return False


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        proc.communicate(timeout=5)


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec function that makes the child get SIGKILL when tracegraph dies (Linux)."""
    return dies_with(os.getpid()) if sys.platform.startswith("linux") else None

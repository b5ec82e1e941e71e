"""Every git call tracegraph makes goes through ``run_git``, hardened for an untrusted repository.

A minimal version (the gitsafe lane hardens it further): read-only subcommands only, no shell,
no pager, no prompt, no transport, no external diff or textconv driver, no fsmonitor or hooks,
inherited ``GIT_*`` variables that would redirect git dropped, a timeout, output as bytes.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .errors import InputError

#: Subcommands that only read (``config`` and ``remote`` as the write commands call them:
#: ``config --get``, ``remote get-url``); anything else is a programming error.
READ_ONLY = frozenset(
    {"cat-file", "check-ignore", "config", "diff", "log", "ls-files", "ls-tree", "remote",
     "rev-list", "rev-parse", "show"}
)  # fmt: skip
#: Subcommands that could run a textconv or external diff driver.
DIFFING = frozenset({"diff", "log", "show"})
#: Settings from the command scope, which outranks every configuration file.
HARDENED_CONFIG = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("protocol.allow", "never"),
    ("log.showSignature", "false"),
)
#: Inherited variables kept: where the operator's own (trusted) configuration lives.
KEPT_GIT_VARIABLES = frozenset(
    {"GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_CEILING_DIRECTORIES"}
)


class GitError(InputError, OSError):
    """git could not be run, or did not finish in time (an ``OSError`` too, for callers that
    treat a missing git as "no answer")."""


def run_git(root: Path, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C root ARGS`` hardened for an untrusted repository; output as bytes.

    A non-zero exit is returned, not raised (callers read git's message). Raises GitError when
    git is missing or does not finish within ``timeout`` seconds, ValueError for a subcommand
    that is not read-only.
    """
    if not args or args[0] not in READ_ONLY:
        raise ValueError(f"run_git runs read-only subcommands only, not {args[:1]}")
    command = ["git", "-C", str(root), "--no-pager", args[0]]
    if args[0] in DIFFING:
        command += ["--no-ext-diff", "--no-textconv"]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") or key in KEPT_GIT_VARIABLES
    }
    env.update(
        GIT_TERMINAL_PROMPT="0", GIT_PAGER="cat", GIT_ALLOW_PROTOCOL="", GIT_OPTIONAL_LOCKS="0",
        GIT_NO_LAZY_FETCH="1", LC_ALL="C", GIT_CONFIG_COUNT=str(len(HARDENED_CONFIG)),
    )  # fmt: skip
    for number, (key, value) in enumerate(HARDENED_CONFIG):
        env[f"GIT_CONFIG_KEY_{number}"] = key
        env[f"GIT_CONFIG_VALUE_{number}"] = value
    try:
        return subprocess.run(
            [*command, *args[1:]],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git was not found on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not finish within {timeout:g} s") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None

"""One exception hierarchy; the CLI maps each class to an exit code."""

from __future__ import annotations


class YamlProblem(Exception):
    """YAML that cannot be used; ``line`` is 0-based within the YAML text (``yamlsafe``:
    defined here so that naming it imports no YAML library)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


class TracegraphError(Exception):
    """Base of every error the library raises on purpose.

    ``exit_code`` is what the CLI exits with; the message is one line that says what went wrong,
    where (file:line or config key) and, when possible, how to fix it.
    """

    exit_code = 2


class UsageError(TracegraphError):
    """The caller asked for something impossible (unknown document, bad option value)."""


class ConfigError(TracegraphError):
    """The configuration file is invalid; the message names the file and key."""


class InputError(TracegraphError):
    """The input tree cannot be read at all (missing root, not a directory)."""


class OutputError(TracegraphError):
    """An output file cannot be written (no such folder, no permission, disk full)."""


class RenderError(TracegraphError):
    """A diagram could not be produced (Graphviz missing, graph too large)."""


class NotFoundError(UsageError):
    """A document named on the command line does not exist; carries suggestions."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class NoPathError(TracegraphError):
    """Two documents are not connected; a query result, not a usage error."""

    exit_code = 1


class RefusedError(TracegraphError):
    """A write command declined to change documents (a supersession while the successor is a
    draft); nothing was written. ``--force`` overrides where the message says so."""

    exit_code = 1

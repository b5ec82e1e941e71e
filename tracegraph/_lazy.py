"""Heavy modules imported on first use.

networkx is half of tracegraph's start-up (80 ms of a 160 ms ``tracegraph --help``), and help,
usage errors and config errors never touch a graph. ``hashlib`` loads OpenSSL (2.5 ms) and
``sqlite3`` its library (1 ms) in every process that imports them, and a cold ``check
--no-cache`` takes no digest and opens no database before its parse starts. Modules write::

    if TYPE_CHECKING:
        import networkx as nx
    else:
        from ._lazy import networkx as nx

and use ``nx.…`` as usual; the first attribute read imports networkx.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name`` and imports it when an attribute is first read."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


networkx = LazyModule("networkx")
hashlib = LazyModule("hashlib")
sqlite3 = LazyModule("sqlite3")

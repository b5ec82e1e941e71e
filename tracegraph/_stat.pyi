"""The optional C build of ``warm.lstat_names`` (``tracegraph/_stat.c``)."""

ABI: int

def stat_names(prefix: bytes, names: list[str], /) -> list[tuple[int, int, int, int] | None]: ...

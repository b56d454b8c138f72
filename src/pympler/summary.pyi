"""Type stubs for pympler.summary (the API: docs/usage.md)."""
from typing import IO, Any, Callable, Dict, Iterable, Iterator, List, Optional, Pattern, Sequence

__all__ = ["representations", "summarize", "get_diff", "format_", "print_"]

# A summary row: [label, number of objects, total size in bytes].
_Row = List[Any]

type_repr: Pattern[str]
address: Pattern[str]
# type -> one label function per verbosity level.
representations: Dict[type, List[Callable[[Any], str]]]

def summarize(objects: Iterable[Any]) -> List[_Row]: ...
def get_diff(left: Sequence[_Row], right: Sequence[_Row]) -> List[_Row]: ...
def format_(rows: Iterable[Sequence[Any]], limit: int = ..., sort: str = ...,
            order: str = ...) -> Iterator[str]: ...
def print_(rows: Iterable[Sequence[Any]], limit: int = ..., sort: str = ..., order: str = ...,
           stream: Optional[IO[str]] = ..., file: Optional[IO[str]] = ...) -> None: ...

"""Type stubs for pympler.refgraph (the API: docs/usage.md)."""
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Union

__all__ = ['ReferenceGraph']

popen_flags: Dict[str, Any]

class _MetaObject:
    size: int
    id: int
    type: str
    str: str
    group: Optional[int]
    cycle: bool

class _Edge:
    src: int
    dst: int
    label: str
    group: Optional[int]
    def __init__(self, src: int, dst: int, label: str) -> None: ...
    def __hash__(self) -> int: ...
    def __eq__(self, other: object) -> bool: ...

class ReferenceGraph:
    objects: List[Any]
    count: int
    num_in_cycles: Union[int, str]
    edges: Set[_Edge]
    metadata: List[_MetaObject]
    total_size: int
    index: int
    def __init__(self, objects: Iterable[Any], reduce: bool = ...) -> None: ...
    def reduce_to_cycles(self) -> Optional[ReferenceGraph]: ...
    def split(self) -> Iterator[ReferenceGraph]: ...
    def split_and_sort(self) -> List[ReferenceGraph]: ...
    def write_graph(self, filename: str) -> None: ...
    def render(self, filename: str, cmd: str = ..., format: str = ...,
               unflatten: bool = ...) -> bool: ...

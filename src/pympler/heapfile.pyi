"""Type stubs for pympler.heapfile (docs/snapshot-format.md)."""
from array import array
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

__all__ = ["GraphData", "from_snapshot", "save", "load", "to_heapsnapshot",
           "write_heapsnapshot", "validate_heapsnapshot", "FORMAT_VERSION", "NO_INDEX"]

MAGIC: bytes
FORMAT_VERSION: int
NO_INDEX: int

_Ints = Union[array, Sequence[int]]

class GraphData:
    strings: List[str]
    meta: Dict[str, Any]
    node_addr: array
    node_type: array
    node_name: array
    node_size: array
    node_retained: array
    node_dom: array
    edge_start: array
    edge_to: array
    edge_label: array
    roots: array
    root_label: array
    def __init__(self, strings: Sequence[str] = ..., meta: Optional[Dict[str, Any]] = ...,
                 **arrays: _Ints) -> None: ...
    @property
    def node_count(self) -> int: ...
    @property
    def edge_count(self) -> int: ...
    def edges_of(self, i: int) -> Iterator[Tuple[int, Optional[str]]]: ...
    def validate(self) -> GraphData: ...

def from_snapshot(snap: Any, meta: Optional[Dict[str, Any]] = ...,
                  labels: Optional[bool] = ...) -> GraphData: ...
def save(data: GraphData, path: str) -> None: ...
def load(path: str) -> GraphData: ...
def loads(raw: bytes) -> GraphData: ...
def to_heapsnapshot(data: GraphData) -> Dict[str, Any]: ...
def write_heapsnapshot(data: GraphData, path: str) -> None: ...
def validate_heapsnapshot(doc: Dict[str, Any]) -> Dict[str, Any]: ...

"""Type stubs for pympler.classtracker_stats (the API: docs/usage.md; the dump
format: docs/classtracker-dump.md)."""
from typing import IO, Any, Dict, List, Optional, Tuple, TypeVar, Union

from pympler._asized import Asized

__all__ = ["Stats", "ConsoleStats", "HtmlStats", "compare_stats", "print_comparison"]

DUMP_FORMAT: str
DUMP_VERSION: int

_Dump = Union[str, IO[bytes]]
_Run = Union["Stats", str, IO[bytes]]
_Row = Dict[str, Any]
_S = TypeVar("_S", bound="Stats")

class _Record:
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...
    def __setstate__(self, state: Any) -> None: ...

class TrackedObjectRecord(_Record):
    ref: Any
    id: int
    name: str
    repr: str
    birth: float
    death: Optional[float]
    trace: Optional[List[Tuple[Any, ...]]]
    snapshots: List[Tuple[float, Asized]]
    def get_max_size(self) -> int: ...
    def get_size_at_time(self, timestamp: float) -> int: ...

class ProcessMemoryInfoRecord(_Record):
    pid: int
    rss: int
    vsz: int
    pagefaults: int
    os_specific: List[Tuple[str, str]]
    data_segment: int
    code_segment: int
    shared_segment: int
    stack_segment: int
    available: bool

class SnapshotRecord(_Record):
    timestamp: float
    desc: str
    tracked_total: int
    asizeof_total: int
    overhead: int
    system_total: Any
    classes: Optional[Dict[str, Dict[str, Any]]]
    @property
    def total(self) -> int: ...
    @property
    def label(self) -> str: ...

class Stats:
    stream: IO[str]
    tracker: Any
    index: Dict[str, List[Any]]
    snapshots: List[Any]
    sorted: List[Any]
    history: Dict[str, List[Tuple[float, int]]]
    def __init__(self, tracker: Any = ..., filename: Optional[_Dump] = ...,
                 stream: Optional[IO[str]] = ...) -> None: ...
    def load_stats(self, fdump: _Dump) -> None: ...
    def dump_stats(self, fdump: _Dump, close: bool = ...) -> None: ...
    def sort_stats(self: _S, *args: str) -> _S: ...
    def reverse_order(self: _S) -> _S: ...
    def annotate(self) -> None: ...
    def annotate_snapshot(self, snapshot: Any) -> Dict[str, Dict[str, Any]]: ...
    @property
    def tracked_classes(self) -> List[str]: ...

class ConsoleStats(Stats):
    def print_object(self, tobj: Any) -> None: ...
    def print_stats(self, clsname: Optional[str] = ..., limit: float = ...) -> None: ...
    def print_summary(self) -> None: ...

class HtmlStats(Stats):
    chart_format: Optional[str]
    style: str
    chart_tag: str
    header: str
    tableheader: str
    tablefooter: str
    footer: str
    refrow: str
    class_summary: str
    class_snapshot: str
    snapshot_cls_header: str
    snapshot_cls: str
    snapshot_summary: str
    basedir: str
    filesdir: str
    links: Dict[str, str]
    charts: Dict[Any, str]
    def relative_path(self, filepath: str, basepath: Optional[str] = ...) -> str: ...
    def create_lifetime_chart(self, classname: str, filename: str = ...) -> str: ...
    def create_snapshot_chart(self, filename: str = ...) -> str: ...
    def create_pie_chart(self, snapshot: Any, filename: str = ...) -> str: ...
    def print_class_details(self, fname: str, classname: str) -> None: ...
    def create_title_page(self, filename: str, title: str = ...) -> None: ...
    def create_html(self, fname: str, title: str = ...) -> None: ...

def compare_stats(a: _Run, b: _Run) -> List[_Row]: ...
def format_comparison(rows: List[_Row]) -> str: ...
def print_comparison(a: Union[List[_Row], _Run], b: Optional[_Run] = ...,
                     stream: Optional[IO[str]] = ...) -> None: ...

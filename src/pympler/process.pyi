"""Type stubs for pympler.process (the API: docs/usage.md)."""
import logging
import threading
from typing import ClassVar, Dict, List, Optional, Tuple, Type

__all__ = ["ProcessMemoryInfo", "is_available", "ThreadInfo",
           "get_current_threads", "get_current_thread_id"]

_log: logging.Logger

class _ProcessMemoryInfo:
    pagesize: ClassVar[int]
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
    def __init__(self) -> None: ...
    def _reset(self) -> None: ...
    def update(self) -> bool: ...
    def __sub__(self, other: _ProcessMemoryInfo) -> List[Tuple[str, int]]: ...

class _ProcessMemoryInfoProc(_ProcessMemoryInfo):
    stat_path: ClassVar[str]
    status_path: ClassVar[str]
    key_map: ClassVar[Dict[str, str]]
    segments: ClassVar[Dict[str, str]]
    @staticmethod
    def _stat_fields(text: str) -> List[str]: ...

class _ProcessMemoryInfoPS(_ProcessMemoryInfo):
    ps_command: ClassVar[str]

class _ProcessMemoryInfoResource(_ProcessMemoryInfo): ...
class _ProcessMemoryInfoWin32(_ProcessMemoryInfo): ...

def _select(platform: Optional[str] = ...) -> Type[_ProcessMemoryInfo]: ...

ProcessMemoryInfo: Type[_ProcessMemoryInfo]

def is_available() -> bool: ...

class ThreadInfo:
    ident: Optional[int]
    name: str
    daemon: bool
    def __init__(self, thread: threading.Thread) -> None: ...

def get_current_threads() -> List[ThreadInfo]: ...
def get_current_thread_id() -> int: ...

"""Type stubs for pympler.mprofile (the API: docs/usage.md)."""
from types import CodeType, FrameType
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = ["MProfiler"]

_Codepoint = Tuple[str, str, int]
_Pattern = Sequence[Any]

def heap_size() -> int: ...

class MProfiler:
    memories: Dict[_Codepoint, List[int]]
    codepoints: Optional[List[_Pattern]]
    events: Optional[List[str]]
    def __init__(self, codepoints: Optional[List[_Pattern]] = ...,
                 events: Optional[List[str]] = ...) -> None: ...
    def codepoint_included(self, codepoint: _Codepoint) -> bool: ...
    def profile(self, frame: FrameType, event: str, arg: Any) -> None: ...
    def run(self, cmd: str) -> MProfiler: ...

_RUN_CODE: CodeType

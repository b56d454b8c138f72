"""Type stubs for pympler.ipython (the API: docs/usage.md)."""
from typing import Any, List, Optional

from pympler._asized import Asized
from pympler.muppy import RefPath

__all__ = ["load_ipython_extension", "SizeResult", "HeapDiffResult", "PathResult"]

class SizeResult:
    expr: str
    size: int
    tree: Optional[Asized]
    depth: int
    def __init__(self, expr: str, size: int, tree: Optional[Asized] = ...,
                 depth: int = ...) -> None: ...
    def _repr_html_(self) -> str: ...

class HeapDiffResult:
    rows: List[List[Any]]
    def __init__(self, rows: List[List[Any]]) -> None: ...
    def _repr_html_(self) -> str: ...

class PathResult:
    expr: str
    path: Optional[RefPath]
    def __init__(self, expr: str, path: Optional[RefPath]) -> None: ...
    def _repr_html_(self) -> str: ...

def load_ipython_extension(ipython: Any) -> None: ...

"""Type stubs for pympler.heapreport (the API: docs/usage.md)."""
import os
from typing import Optional, Union

from pympler.retained import Snapshot

__all__ = ["render_html", "write_html"]

MAX_TYPES: int
MAX_MODULES: int
MAX_PATH_STEPS: int

def render_html(snap: Snapshot, top: int = ..., title: Optional[str] = ...) -> str: ...
def write_html(snap: Snapshot, path: Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"],
               top: int = ..., title: Optional[str] = ...) -> None: ...

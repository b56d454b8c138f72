"""Type stubs for pympler.cli (the command line: docs/usage.md)."""
from typing import Optional, Sequence

from pympler.retained import Snapshot

__all__ = ["main", "text_report"]

WIDTH: int

def main(argv: Optional[Sequence[str]] = ...) -> int: ...
def text_report(snap: Snapshot, top: int = ...) -> str: ...

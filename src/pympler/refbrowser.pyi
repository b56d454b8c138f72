"""Type stubs for pympler.refbrowser (the API: docs/usage.md)."""
from typing import IO, Any, Callable, List, Optional, Set, Union

__all__ = ['RefBrowser', 'StreamBrowser', 'ConsoleBrowser', 'FileBrowser',
           'InteractiveBrowser', 'gui_default_str_function']

class _Node:
    o: Any
    children: List[Union[_Node, Any]]
    str_func: Optional[Callable[[Any], str]]
    def __init__(self, o: Any, str_func: Optional[Callable[[Any], str]] = ...) -> None: ...

class RefBrowser:
    root: Any
    maxdepth: int
    str_func: Callable[[Any], str]
    repeat: bool
    stream: Optional[IO[str]]
    ignore: List[Any]
    already_included: Set[int]
    def __init__(self, rootobject: Any, maxdepth: int = ...,
                 str_func: Callable[[Any], str] = ..., repeat: bool = ...,
                 stream: Optional[IO[str]] = ...) -> None: ...
    def get_tree(self) -> _Node: ...

class StreamBrowser(RefBrowser):
    hline: str
    vline: str
    cross: str
    space: str
    def print_tree(self, tree: Optional[_Node] = ...) -> None: ...

class ConsoleBrowser(StreamBrowser):
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...

class FileBrowser(StreamBrowser):
    def print_tree(self, filename: str,  # type: ignore[override]
                   tree: Optional[_Node] = ...) -> None: ...

def gui_default_str_function(o: Any) -> str: ...

class InteractiveBrowser(RefBrowser):
    window: Any
    def __init__(self, rootobject: Any, maxdepth: int = ...,
                 str_func: Callable[[Any], str] = ..., repeat: bool = ...) -> None: ...
    def reload_referrers(self, iid: str) -> None: ...
    def print_object(self, iid: str) -> None: ...
    def expand(self, iid: str) -> None: ...
    def main(self, standalone: bool = ...) -> Any: ...

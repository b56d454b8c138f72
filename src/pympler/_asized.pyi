"""Type stubs for pympler._asized (re-exported as pympler.asizeof.Asized)."""
from typing import Optional, Tuple, TypeVar, Union, overload

__all__ = ["Asized"]

_T = TypeVar("_T")

class Asized:
    size: int
    flat: int
    name: Optional[str]
    refs: Tuple["Asized", ...]
    def __init__(self, size: int, flat: int, refs: "Union[Tuple[Asized, ...], list[Asized]]" = ...,
                 name: Optional[str] = ...) -> None: ...
    def format(self, format: str = ..., depth: int = ..., order_by: str = ...,
               indent: str = ...) -> str: ...
    @overload
    def get(self, name: str) -> Optional["Asized"]: ...
    @overload
    def get(self, name: str, dflt: _T) -> Union["Asized", _T]: ...

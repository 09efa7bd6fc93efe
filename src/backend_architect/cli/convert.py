"""Parameter values converted without pydantic where typer's own helpers give the same value.

Typer (0.2x with its own click) converts every parameter through a pydantic `TypeAdapter`, built the first
time the parameter is seen, even for a value that is simply absent: importing pydantic and building a dozen
adapters was 40 % of a small `review` (about 0.1 s of 0.25). Parsing stays typer's; here only the conversion
of plain values (strings, paths, enum choices, lists of these) is done with typer's own helpers, and anything
else, and every value those helpers refuse, goes to typer's adapter, so values and error messages stay typer's.
With a typer without these internals (older ones convert through click, without pydantic) nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from typing import Any

__all__ = ["convert_plainly"]

try:  # typer's internals: present where typer converts through pydantic
    from typer import _param_types as _types
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._typing import get_args, get_origin
except ImportError:  # pragma: no cover - another typer: its own conversion is kept
    RuntimeParam = None  # type: ignore[assignment,misc]

_REFUSED = object()


def _plain(annotation: Any, info: Any, value: Any, ctx: Any) -> Any:
    """`value` converted as typer's adapter would, or `_REFUSED` when the adapter should decide."""
    if info.parser is not None:
        return _REFUSED
    if get_origin(annotation) is list:
        (item_type,) = get_args(annotation)
        if not isinstance(value, (list, tuple)):
            return _REFUSED
        items = [_plain(item_type, info, item, ctx) for item in value]
        return _REFUSED if any(item is _REFUSED for item in items) else items
    if annotation is str:
        return value if type(value) is str else _REFUSED
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        try:
            return _types.coerce_cli_choice(value, choices=tuple(annotation), case_sensitive=info.case_sensitive,
                                            ctx=ctx)
        except Exception:  # noqa: BLE001 - the adapter says what is wrong, in typer's words
            return _REFUSED
    if isinstance(annotation, type) and issubclass(annotation, Path) and info.path_type is None:
        if type(value) is not str or not value:
            return _REFUSED
        try:  # typer makes the Path through pydantic (a plain `Path(value)` for a string) and then checks it
            return _types.coerce_cli_path(annotation(value), info, path_type=annotation, ctx=ctx)
        except Exception:  # noqa: BLE001
            return _REFUSED
    return _REFUSED


if RuntimeParam is not None:
    class _PlainFirst(RuntimeParam):  # type: ignore[misc,valid-type]
        """Typer's runtime conversion of one parameter, its pydantic adapter built only when needed."""

        def __init__(self, descriptor: Any) -> None:
            super().__init__(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)
            object.__setattr__(self, "_descriptor", descriptor)
            object.__setattr__(self, "_typer", None)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            converted = _plain(self.annotation, self.parameter_info, value, ctx)
            if converted is not _REFUSED:
                return converted
            if self._typer is None:
                object.__setattr__(self, "_typer", build_runtime_param(self._descriptor))
            return self._typer._coerce_value(value, param=param, ctx=ctx)


def convert_plainly(params: Iterable[Any]) -> None:
    """Give each typer parameter among `params` the conversion above (once)."""
    if RuntimeParam is None:
        return
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(param, "_runtime_param", _REFUSED) is None \
                and descriptor.file_annotation is None:
            param._runtime_param = _PlainFirst(descriptor)

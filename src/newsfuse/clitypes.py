"""The CLI's plain values (str, bool, int, Path, a list of str) converted as typer does, without pydantic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# typer >= 0.2x converts every value that is not a flag through a pydantic TypeAdapter; importing
# pydantic and building the adapters was about 0.1-0.17 s of each command's start-up
# (bench/bench_startup.py). The values newsfuse's commands take are plain, and for them this gives
# what the adapter gives (tests/test_cli.py checks it against typer's own path for every parameter
# of the app). Anything else (a number that is not plainly written, a bound, an enum, a file) goes
# typer's way, so its errors read exactly as typer's.

PLAIN_INT = re.compile(r"-?[0-9]{1,18}")  # what int() and pydantic read alike; "1_000", " 7", "+7" go typer's way
UNSURE = object()  # the value is left to typer


def plain_value(annotation: Any, value: Any) -> Any:
    """`value` converted to `annotation` as typer's adapter would, or UNSURE (str, bool, int, a
    list of str; a Path needs the parameter's checks: see PlainParam)."""
    if annotation is str:
        return value if type(value) is str else UNSURE
    if annotation is bool:  # --help's value (None, never converted) and flags' (already a bool)
        return value if type(value) is bool else UNSURE
    if annotation is int:
        if type(value) is int:
            return value
        return int(value) if type(value) is str and PLAIN_INT.fullmatch(value) else UNSURE
    if annotation == list[str]:
        plain = isinstance(value, (list, tuple)) and all(type(v) is str for v in value)
        return list(value) if plain else UNSURE
    return UNSURE


def install() -> None:
    """Make typer's parameters convert plain values here; nothing on a typer that has no such hook
    (before 0.2x it used Click's types, without pydantic)."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_path
        from typer.core import _TyperParameter
    except ImportError:
        return
    if getattr(_TyperParameter.get_runtime_param, "newsfuse_plain", False):
        return

    @dataclass(frozen=True)
    class PlainParam(RuntimeParam):
        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.annotation is Path and isinstance(value, (str, Path)) and str(value):
                # typer's adapter makes the Path (pydantic: Path(value)) and then checks it here
                path = value if isinstance(value, Path) else Path(value)
                return coerce_cli_path(path, self.parameter_info, path_type=Path, param=param, ctx=ctx)
            converted = plain_value(self.annotation, value)
            if converted is UNSURE:
                return build_runtime_param(self.descriptor)._coerce_value(value, param=param, ctx=ctx)
            return converted

    typer_way = _TyperParameter.get_runtime_param

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None and is_plain(self.type_descriptor):
            d = self.type_descriptor
            self._runtime_param = PlainParam(parameter_info=d.parameter_info, annotation=d.annotation, descriptor=d)
        return typer_way(self)

    get_runtime_param.newsfuse_plain = True  # type: ignore[attr-defined]
    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]


PATH_DEFAULTS = {
    "exists": False,
    "file_okay": True,
    "dir_okay": True,
    "writable": False,
    "readable": True,
    "resolve_path": False,
    "allow_dash": False,
    "path_type": None,
}


def is_plain(descriptor: Any) -> bool:
    """Whether a parameter's values can be converted here: a plain type, no parser, bound or click type."""
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or getattr(info, "parser", None) is not None:
        return False
    if getattr(info, "click_type", None) is not None:
        return False
    if descriptor.annotation is Path:
        return all(getattr(info, k, UNSURE) == v for k, v in PATH_DEFAULTS.items())
    if descriptor.annotation is int:
        return getattr(info, "min", None) is None and getattr(info, "max", None) is None
    return descriptor.annotation in (str, bool) or descriptor.annotation == list[str]

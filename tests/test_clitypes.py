"""newsfuse.clitypes: every parameter of the CLI converts a value as typer's own (pydantic) path does."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from newsfuse import clitypes
from newsfuse.cli import app

coercion = pytest.importorskip("typer._coercion")  # typer < 0.2x has no pydantic path to compare with

WORDS = ["0", "7", "-3", "007", "-0", "123456789012345678", "1234567890123456789", "1_000", " 7", "7 ", "+7"]
WORDS += ["7.0", "1e3", "", "-", "abc", "text", "é", "x y", "[/]", "0x10", "٣"]  # the last: an Arabic-Indic 3


def _parameters() -> list:
    command = typer.main.get_command(app)
    return [p for sub in (command, *command.commands.values()) for p in sub.params]


def _outcome(runtime, param, value):
    try:
        result = runtime._coerce_value(value, param=param, ctx=None)
    except Exception as error:  # typer's errors: the same class and message on both paths
        return ("error", type(error).__name__, str(error))
    return ("value", type(result), [(type(r), r) for r in result] if isinstance(result, list) else result)


def _samples(tmp_path: Path) -> list:
    (tmp_path / "file.txt").write_text("x")
    paths = [str(tmp_path / "file.txt"), str(tmp_path), str(tmp_path / "missing"), tmp_path / "file.txt"]
    return [*WORDS, *paths, 0, 12, True, False, 1.5, b"7", (), ("a", "b"), ["7"], ("a", 1)]


def test_plain_values_convert_as_typer_does(tmp_path):
    checked = 0
    for param in _parameters():
        descriptor = param.type_descriptor
        if not clitypes.is_plain(descriptor):
            continue
        plain, typer_way = param.get_runtime_param(), coercion.build_runtime_param(descriptor)
        assert type(plain).__name__ == "PlainParam"
        for value in _samples(tmp_path):
            ours, theirs = _outcome(plain, param, value), _outcome(typer_way, param, value)
            assert ours == theirs, (param.name, descriptor.annotation, value)
            checked += 1
    assert checked > 2000  # every command's parameters were compared (68 of them)


def test_only_plain_types_are_taken():
    taken = {p.type_descriptor.annotation for p in _parameters() if clitypes.is_plain(p.type_descriptor)}
    left = {p.type_descriptor.annotation for p in _parameters() if not clitypes.is_plain(p.type_descriptor)}
    assert taken == {str, bool, int, Path, list[str]}
    assert left == {float}  # serve's timeouts have a lower bound: typer checks it

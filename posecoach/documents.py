"""TOML and JSON documents in and out: one reader, one validator, one writer.

Every file posecoach reads as settings (exercises, routines, overrides, the model manifest,
answers, motions) comes through `read_document` and `validate`, so a bad file always gives one
line naming the file, the key path and what is wrong, whatever kind of file it is.
"""

from __future__ import annotations

import json
import re
import stat
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from posecoach.errors import UserError

Model = TypeVar("Model", bound=BaseModel)
# Settings files are a few kilobytes; anything far bigger is not one (and would be slow to parse).
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _format(path: Path) -> str:
    return "JSON" if path.suffix.lower() == ".json" else "TOML"


def _regular_file(path: Path, error: type[UserError]) -> None:
    # Opening a FIFO with no writer blocks for ever, and a folder or device is never a document.
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as e:
        raise error(f"{path}: cannot read: {e.strerror or e}") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a folder; give a {_format(path)} file")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: not a regular file (a pipe or a device?); give a {_format(path)} file")
    if info.st_size > MAX_DOCUMENT_BYTES:
        raise error(f"{path}: too large for a {_format(path)} settings file "
                    f"(over {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB); is it the right file?")


def read_document(path: Path, error: type[UserError] = UserError) -> dict:
    """The document at `path` (JSON if it ends in .json, else TOML) as a dict; `error` otherwise."""
    _regular_file(path, error)
    kind = _format(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except OSError as e:
        raise error(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        data = json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
        raise error(f"{path}: not valid {kind}: {e}") from None
    except RecursionError:
        raise error(f"{path}: not valid {kind}: nested too deeply") from None
    if not isinstance(data, dict):
        raise error(f"{path}: expected a {kind} object of keys at the top level")
    return data


def first_problem(error: ValidationError, skip: Collection[str] = (), unknown_key: str | None = None,
                  at: str = "") -> str:
    """`key.path: message` for the first problem pydantic found, and how many more there are.

    `skip` drops parts of the key path that are not keys (the tags of tagged unions);
    `unknown_key` replaces pydantic's wording for a key the model does not have; `at` is the
    key path of the validated part within its document.
    """
    problems = error.errors()
    first = problems[0]
    parts = [at] if at else []
    parts += [str(p) for p in first["loc"] if str(p) not in skip]
    where = ".".join(parts) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if unknown_key and first["type"] == "extra_forbidden":
        message = unknown_key
    more = len(problems) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {message}{suffix}"


def validate(data: object, model: type[Model], origin: object, error: type[UserError] = UserError,
             skip: Collection[str] = (), unknown_key: str | None = None, at: str = "") -> Model:
    """`model` from `data` (found at key path `at` of the document `origin`); a problem is
    `error("<origin>: key.path: message")`."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise error(f"{origin}: {first_problem(e, skip, unknown_key, at)}") from None
    except RecursionError:
        raise error(f"{origin}: nested too deeply") from None


def load_model(path: Path, model: type[Model], error: type[UserError] = UserError,
               skip: Collection[str] = (), unknown_key: str | None = None) -> Model:
    """Read and validate the document at `path` as `model`."""
    return validate(read_document(path, error), model, path, error, skip, unknown_key)


# --- writing -------------------------------------------------------------------------------


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_value(value) -> str:
    """One TOML value written inline: a number, string, bool, list or table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) and value == round(value, 6) else repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


def _is_table_list(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(lines: list[str], path: list[str], table: Mapping) -> None:
    for key, value in table.items():
        if not isinstance(value, dict) and not _is_table_list(value):
            lines.append(f"{_key(key)} = {toml_value(value)}")
    for key, value in table.items():
        name = ".".join(_key(p) for p in [*path, key])
        if isinstance(value, dict):
            lines += ["", f"[{name}]"]
            _table(lines, [*path, key], value)
        elif _is_table_list(value):
            for item in value:
                lines += ["", f"[[{name}]]"]
                _table(lines, [*path, key], item)


def to_toml(document: Mapping) -> str:
    """A whole document as TOML text: plain keys first, then tables and arrays of tables."""
    lines: list[str] = []
    _table(lines, [], document)
    return "\n".join(lines) + "\n"

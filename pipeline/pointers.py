"""JSON Pointers (RFC 6901) over a record's plain JSON: split, read, list the values.

Evidence, warnings, corrections, the review report, the sheet and the diff all name a
value by its pointer (`/chair`, `/objectives/2/text`, `/projects/1/objectives/0`).
"""
from __future__ import annotations

from typing import Any

# Keys of a record that are not extracted values: never cited, corrected or compared as values.
NOT_VALUES = frozenset({"schema_version", "id", "source", "language", "warnings", "evidence"})


def split_pointer(pointer: str) -> list[str]:
    """`/objectives/2/text` -> ['objectives', '2', 'text'] (with RFC 6901 unescaping)."""
    if pointer in ("", "/"):
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer (must start with '/'): {pointer!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def join_pointer(parts: list[str]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def is_index(part: str) -> bool:
    return part.isdigit() and (part == "0" or not part.startswith("0"))


def resolve(data: Any, pointer: str) -> Any:
    """The value at `pointer`; KeyError when there is none."""
    node = data
    for part in split_pointer(pointer):
        if isinstance(node, list):
            if not is_index(part) or int(part) >= len(node):
                raise KeyError(pointer)
            node = node[int(part)]
        elif isinstance(node, dict):
            if part not in node:
                raise KeyError(pointer)
            node = node[part]
        else:
            raise KeyError(pointer)
    return node


def is_within(pointer: str, ancestor: str) -> bool:
    """Whether `pointer` is `ancestor` or a value inside it."""
    return pointer == ancestor or pointer.startswith(ancestor.rstrip("/") + "/")


def values(record: dict[str, Any], *, keep_empty: bool = False) -> list[tuple[str, Any]]:
    """Every extracted scalar of a record with its pointer, in record order.

    Nulls and empty strings are absent values and left out unless `keep_empty`
    (then top-level and object fields that are null are listed too, not empty lists).
    """
    out: list[tuple[str, Any]] = []

    def walk(value: Any, pointer: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{pointer}/{key}")
        elif isinstance(value, list):
            for n, item in enumerate(value):
                walk(item, f"{pointer}/{n}")
        elif value not in (None, "") or keep_empty:
            out.append((pointer, value))

    for key, value in record.items():
        if key not in NOT_VALUES:
            walk(value, f"/{key}")
    return out


"""Markdown: headings, lists (nested, ordered), tables and paragraphs, via markdown-it-py.

Inline markup is dropped (emphasis, code, link targets); a link keeps its text. Raw
HTML inside Markdown is not rendered: it is treated as text, never executed or fetched.
"""
from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.models import Document
from pipeline.readers.text import BULLET, TextBuilder, add_lines, decode

_PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")


def _inline_text(token: Token) -> str:
    """Plain text of an inline token: breaks become newlines, markup is dropped."""
    out = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


def read_md(data: bytes, path: str, sha256: str) -> Document:
    """Read a Markdown profile."""
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    tokens = _PARSER.parse(text)
    builder = TextBuilder()
    lists: list[dict[str, object]] = []  # open lists: ordered?, next number
    heading = 0
    item_open = False  # the current list item has not written its first line yet
    row: list[str] | None = None
    cell: list[str] | None = None
    for token in tokens:
        line = token.map[0] + 1 if token.map else None
        kind = token.type
        if kind == "heading_open":
            heading = int(token.tag[1])
            builder.gap()
        elif kind == "heading_close":
            heading = 0
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrGet("start") or 1)
            lists.append({"ordered": kind == "ordered_list_open", "n": start, "markup": token.markup})
            if len(lists) == 1:
                builder.gap()
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            item_open = True
        elif kind == "paragraph_open" and not lists and row is None:
            builder.gap()
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            builder.add_row(row, raw_line=line)
            row = None
        elif kind in ("th_open", "td_open"):
            cell = []
        elif kind in ("th_close", "td_close") and row is not None and cell is not None:
            row.append(" ".join(cell))
            cell = None
        elif kind == "table_open":
            builder.gap()
        elif kind == "inline":
            content = _inline_text(token)
            if cell is not None:
                cell.append(content.replace("\n", " "))
            elif heading:
                builder.add("heading", content.replace("\n", " "), level=heading, raw_line=line)
            elif lists and item_open:
                current = lists[-1]
                if current["ordered"]:
                    marker = f"{current['n']}{current['markup']}"
                    current["n"] = int(current["n"]) + 1  # type: ignore[call-overload]
                else:
                    marker = BULLET
                builder.add("item", content.replace("\n", " "), level=len(lists) - 1, marker=marker,
                            raw_line=line)
                item_open = False
            elif lists:  # a second paragraph inside one list item continues it
                builder.extend(content.replace("\n", " "))
            else:
                first = line or 1
                add_lines(builder, [(text_line, first + n) for n, text_line in enumerate(content.split("\n"))])
        elif kind in ("code_block", "fence"):
            builder.gap()
            first = (line or 1) + (1 if kind == "fence" else 0)
            add_lines(builder, [(text_line, first + n) for n, text_line in enumerate(token.content.split("\n"))])
    return builder.build(path, sha256, "md")

"""Saved web pages: the profile's main content only, via selectolax (lexbor).

The page is parsed, never rendered: scripts are dropped, nothing is fetched. The main
content is the `<article>` holding the page's `<h1>`, else `<main>`, else the body;
navigation, headers, footers, asides, forms and cookie or share banners are removed
before the walk. Headings, paragraphs (split at `<br>`), list items (with their depth)
and table rows (with their cells) become blocks.
A page whose elements nest more than `MAX_NESTING` deep is refused as `too_large` before
it is parsed.
"""
from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from pipeline.errors import TooLarge
from pipeline.models import Document
from pipeline.readers.text import BULLET, TextBuilder, add_lines, decode

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
              "nav", "aside", "footer", "form", "button", "select", "input", "textarea", "dialog", "head")
_DROP_ROLES = ("navigation", "banner", "contentinfo", "dialog", "alertdialog", "search", "complementary")
# class or id words of page furniture that is never part of a profile
_NOISE = re.compile(r"(^|[-_\s])(cookies?|consent|gdpr|rgpd|breadcrumbs?|share|sharing|social|newsletter|"
                    r"menu|navbar|sidebar|skip|popup|modal|partager|partage|compartir|redes|reseaux|"
                    r"suivez|siguenos|follow)([-_\s]|$)", re.I)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "label",
           "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
           "del", "ins", "-text", "big", "tt", "nobr"}
_MAX_DEPTH = 120  # deeper markup is read as flat text: hostile pages nest thousands of levels
# Elements open at once, beyond which a page is refused: the HTML parser's time grows with the
# square of the nesting (100,000 nested <div>s take minutes), and no real page comes near it.
MAX_NESTING = 5_000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
# Void elements and elements whose end tag may be left out: they do not stay open.
_NOT_NESTING = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option",
                "optgroup", "rb", "rt", "rtc", "rp", "colgroup", "caption", "html", "head", "body", "!doctype"}


def _is_noise(node: LexborNode) -> bool:
    attrs = node.attributes
    if attrs.get("role") in _DROP_ROLES or attrs.get("aria-hidden") == "true" or "hidden" in attrs:
        return True
    marks = " ".join(filter(None, (attrs.get("class"), attrs.get("id"))))
    return bool(marks and _NOISE.search(marks))


def _main_content(tree: LexborHTMLParser) -> LexborNode | None:
    for node in tree.css("article"):
        if node.css_first("h1") is not None:
            return node
    return tree.css_first("main") or tree.css_first("[role=main]") or tree.css_first("article") or tree.body


class _Walker:
    def __init__(self) -> None:
        self.out = TextBuilder()
        self.lists: list[list[int | bool]] = []  # [ordered, next number]

    def block(self, node: LexborNode, depth: int = 0) -> None:
        """Walk a block container: emit its own inline text as lines, recurse into blocks."""
        if depth > _MAX_DEPTH:
            self.lines(node.text(deep=True, separator="\n"))
            return
        tag = node.tag
        if tag in _HEADINGS:
            self.out.gap()
            self.out.add("heading", node.text(deep=True, separator=" "), level=_HEADINGS[tag])
            return
        if tag in ("ul", "ol", "menu"):
            self.list(node, depth)
            return
        if tag == "table":
            self.table(node, depth)
            return
        if tag == "dl":
            self.definitions(node)
            return
        if tag in ("p", "address", "blockquote", "dd", "dt", "figcaption", "pre"):
            self.out.gap()
        line: list[str] = []
        for child in node.iter(include_text=True):
            ctag = child.tag
            if ctag == "br":
                self.lines("".join(line))
                line = []
            elif ctag == "-text":
                line.append(child.text_content or "")
            elif ctag in _INLINE:
                line.append(self.inline(child))
            elif ctag in ("img", "-comment") or ctag in _DROP_TAGS:
                continue
            else:
                self.lines("".join(line))
                line = []
                self.block(child, depth + 1)
        self.lines("".join(line))

    def definitions(self, node: LexborNode) -> None:
        """`<dt>Label</dt><dd>value</dd>` pairs become `Label: value` lines, as a profile header writes them."""
        self.out.gap()
        term: str | None = None
        for child in node.iter(include_text=False):
            text = " ".join(child.text(deep=True, separator=" ").split())
            if child.tag == "dt":
                if term is not None:
                    self.lines(term)
                term = text.rstrip(":")
            elif child.tag == "dd":
                self.lines(f"{term}: {text}" if term else text)
                term = None
        if term is not None:
            self.lines(term)

    def inline(self, node: LexborNode) -> str:
        """Text of an inline element; a `<br>` inside it still breaks the line."""
        parts = []
        for child in node.iter(include_text=True):
            if child.tag == "-text":
                parts.append(child.text_content or "")
            elif child.tag == "br":
                parts.append("\n")
            elif child.tag != "-comment":
                parts.append(child.text(deep=True, separator=""))
        return "".join(parts)

    def lines(self, text: str) -> None:
        if text.strip():
            add_lines(self.out, [(line, None) for line in text.split("\n")], paragraph_gap=False)

    def list(self, node: LexborNode, depth: int) -> None:
        ordered = node.tag == "ol"
        start = node.attributes.get("start") or "1"
        self.lists.append([ordered, int(start) if start.isdigit() else 1])
        if len(self.lists) == 1:
            self.out.gap()
        for child in node.iter(include_text=False):
            if child.tag == "li":
                self.item(child, depth + 1)
            elif child.tag not in _DROP_TAGS:
                self.block(child, depth + 1)
        self.lists.pop()

    def item(self, node: LexborNode, depth: int) -> None:
        current = self.lists[-1]
        if current[0]:
            marker = f"{current[1]}."
            current[1] = int(current[1]) + 1
        else:
            marker = BULLET
        text: list[str] = []
        nested: list[LexborNode] = []
        for child in node.iter(include_text=True):
            if child.tag == "-text":
                text.append(child.text_content or "")
            elif child.tag in _INLINE or child.tag == "br":
                text.append(" " if child.tag == "br" else self.inline(child))
            elif child.tag in ("p", "div") and not nested and not child.css_first("ul, ol, table"):
                text.append(" " + child.text(deep=True, separator=" ") + " ")
            elif child.tag not in ("img", "-comment") and child.tag not in _DROP_TAGS:
                nested.append(child)
        self.out.add("item", "".join(text), level=len(self.lists) - 1, marker=marker)
        for child in nested:
            self.block(child, depth + 1)

    def table(self, node: LexborNode, depth: int) -> None:
        self.out.gap()
        for row in _own_rows(node):
            cells: list[str] = []
            nested: list[LexborNode] = []
            for cell in row.iter(include_text=False):
                if cell.tag not in ("td", "th"):
                    continue
                own: list[str] = []
                for child in cell.iter(include_text=True):
                    if child.tag == "-text" or child.tag in _INLINE:
                        own.append(child.text_content or "" if child.tag == "-text" else self.inline(child))
                    elif child.tag not in ("img", "-comment", "br") and child.tag not in _DROP_TAGS:
                        nested.append(child)
                    elif child.tag == "br":
                        own.append(" ")
                cells.append("".join(own))
            self.out.add_row(cells)
            for child in nested:
                self.block(child, depth + 1)


def _own_rows(table: LexborNode) -> list[LexborNode]:
    """A table's own rows, not those of the tables nested in its cells (walked once, as the cells' blocks).

    Taking every descendant `<tr>` would read a nested table once per enclosing table, and
    a page of tables nested n deep 2^n times.
    """
    rows = []
    for child in table.iter(include_text=False):
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows += [row for row in child.iter(include_text=False) if row.tag == "tr"]
    return rows


def nesting_over(markup: str, limit: int = MAX_NESTING) -> int | None:
    """The nesting depth the tags reach once it is over `limit` (counted from the tags, before parsing), else None."""
    depth = 0
    for match in _TAG.finditer(markup):
        if match.group(3) or match.group(2).lower() in _NOT_NESTING:
            continue
        if match.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth > limit:
                return depth
    return None


def read_html(data: bytes, path: str, sha256: str) -> Document:
    """Read a saved profile page."""
    markup = decode(data)
    if nesting_over(markup) is not None:
        raise TooLarge(f"the page nests elements more than {MAX_NESTING:,} deep: refused before parsing, whose "
                       "time grows with the square of the depth")
    tree = LexborHTMLParser(markup)
    for node in tree.css(", ".join(_DROP_TAGS)):
        node.decompose()
    root = _main_content(tree)
    walker = _Walker()
    if root is not None:
        for node in root.css("*"):
            if _is_noise(node):
                node.decompose()
        for header in root.css("header"):
            if header.css_first("h1, h2, h3, h4") is None:
                header.decompose()
        walker.block(root)
    return walker.out.build(path, sha256, "html")

"""Cut a document into its parts: title, header lines, description and the sections.

Sections open at explicit headings ("Objectives", "Coordonnées"), at lead-in sentences
("The objectives of the association are to:") and at prose lists ("several objectives,
among which A; B; and, C"), all found by spaCy `PhraseMatcher`s built from the data files
of `pipeline/vocab/<lang>/sections.yml`. Only candidate blocks are tokenized: short lines,
and paragraphs that end with a colon or introduce a list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc as SpacyDoc

from pipeline import names
from pipeline.models import Document, Section
from pipeline.vocab import Vocab, fold

_LABEL = re.compile(r"^(?P<label>[^:\n]{1,40}?)\s*:\s*(?P<value>.*)$")
_NO_COLON = ("member_since", "founded")  # labels also written without a colon ("Member since 2019")
_TITLE_LINE = re.compile(r"^[^()]{3,200}\([^()]{2,120}\)\s*$")
_IMAGE = re.compile(r"\.(png|jpe?g|gif|svg|webp|bmp|tiff?)$", re.I)
HEADER_FIELDS = ("region", "member_since", "chair", "country", "founded", "founding_members")
MAX_HEADING_TOKENS = 12
MAX_LEADIN_TOKENS = 70
_ALNUM = re.compile(r"[^\W_]")
_ALNUM_RUNS = re.compile(r"[^\W_]+")
_UNKNOWN = object()
_MAX_KEPT = 20_000  # block texts whose heading a process keeps, per vocabulary
# Per vocabulary: each block text seen -> its heading (kind, rule) or None; headings recur across documents.
_HEADINGS: dict[int, tuple[Vocab, dict[str, tuple[str, str] | None]]] = {}


_LABEL_PARTS = re.compile(r"\s*[/&|]\s*|\s+(?:and|et|y|or|ou|o)\s+")


@dataclass(frozen=True)
class _LabelIndex:
    first: dict[str, tuple[int, str]]  # a label word -> (rank, field) of the first field that lists it
    starts: dict[str, re.Pattern[str]]  # a field without colon -> its words followed by a space, at the start


_LABEL_INDEXES: dict[int, tuple[dict[str, tuple[str, ...]], _LabelIndex]] = {}


def _label_index(labels: dict[str, tuple[str, ...]]) -> _LabelIndex:
    """Lookups for `label_of`, built once per label table (a vocabulary's)."""
    hit = _LABEL_INDEXES.get(id(labels))
    if hit is None or hit[0] is not labels:
        first: dict[str, tuple[int, str]] = {}
        for rank, (name, words) in enumerate(labels.items()):
            for word in words:
                first.setdefault(word, (rank, name))
        starts = {name: re.compile("|".join(re.escape(w + " ") for w in labels[name]))
                  for name in _NO_COLON if labels.get(name)}
        hit = _LABEL_INDEXES[id(labels)] = (labels, _LabelIndex(first, starts))
    return hit[1]


def label_of(text: str, labels: dict[str, tuple[str, ...]]) -> tuple[str, str, int] | None:
    """(field, value, value offset) of a `Label: value` line whose label is known, else None.

    `Tel./Fax:` is known when one of its parts is; `Member since 2019` (no colon) is known
    for the header labels whose value is short.
    """
    key = (text, id(labels))
    seen = _LABELS_SEEN.get(key)
    if seen is not None and seen[0] is labels:  # a line is asked about by several stages
        return seen[1]
    if len(_LABELS_SEEN) > 4096:
        _LABELS_SEEN.clear()
    found = _label_of(text, labels)
    _LABELS_SEEN[key] = (labels, found)
    return found


_LABELS_SEEN: dict[tuple[str, int], tuple[dict[str, tuple[str, ...]], tuple[str, str, int] | None]] = {}


def _label_of(text: str, labels: dict[str, tuple[str, ...]]) -> tuple[str, str, int] | None:
    index = _label_index(labels)
    match = _LABEL.match(text)
    if match:
        label = fold(match.group("label")).strip("*_ ").rstrip(". ")
        parts = [label] + [p.strip().rstrip(".") for p in _LABEL_PARTS.split(label)]
        for part in parts:  # the first field, in `labels` order, that knows the part
            found = [index.first[w] for w in (part, part.rstrip(".")) if w in index.first]
            if found:
                name = min(found)[1]
                return name, match.group("value").strip(), match.start("value")
        return None
    folded = fold(text)
    for name in _NO_COLON:
        if name not in index.starts or not index.starts[name].match(folded):
            continue  # no label of this field starts the line
        for word in labels.get(name, ()):
            if folded.startswith(word + " ") and len(text.split()) - len(word.split()) <= 4 \
                    and any(c.isdigit() for c in text[len(word):]):
                offset = len(text) - len(text[len(word):].lstrip())
                return name, text[offset:].strip(), offset
    return None


@dataclass(frozen=True)
class Layout:
    """The parts of a document, as block indices."""

    title: int | None
    header: tuple[int, ...]
    sections: tuple[Section, ...]
    inline_starts: dict[int, int]  # opener block -> offset where a prose list starts


class _Finder:
    def __init__(self, doc: Document, vocab: Vocab) -> None:
        self.doc = doc
        self.vocab = vocab
        self.blocks = doc.blocks
        self._title: tuple[str | None, set[str]] = (None, set())  # a title -> its folded forms
        self._folded: dict[int, str] = {}  # block -> its folded text
        kept = _HEADINGS.get(id(vocab))
        if kept is None or kept[0] is not vocab:
            kept = _HEADINGS[id(vocab)] = (vocab, {})
        self._headings = kept[1]

    def text(self, i: int) -> str:
        return self.doc.block_text(self.blocks[i])

    def tokens(self, i: int) -> SpacyDoc:
        return self.vocab.nlp.make_doc(self.text(i))

    # ------------------------------------------------------------------ title and header

    def is_skippable(self, i: int, title: str | None) -> bool:
        """A logo caption, an image file name, or the title (or its name or acronym alone) said again."""
        text = self._folded.get(i)
        if text is None:
            text = self._folded[i] = fold(self.text(i))
        if _IMAGE.search(text) or (len(text.split()) <= 4 and "logo" in text.split()):
            return True
        if title is None:
            return False
        if self._title[0] != title:
            parsed = names.parse_title(title)
            self._title = (title, {fold(title), fold(parsed.name), fold(parsed.acronym or title)})
        return text in self._title[1]

    def find_title(self) -> int | None:
        """The title: a `Name (ACRONYM)` line among the first lines, else the first heading or short line.

        A logo caption or a short line before the real title (the acronym alone) is passed over.
        """
        first: int | None = None
        for i, block in enumerate(self.blocks[:6]):
            text = self.text(i)
            if block.kind not in ("heading", "paragraph") or self.is_skippable(i, None):
                continue
            if len(text.split()) > 30 or label_of(text, self.vocab.all_labels):
                break
            if names.parse_title(text).acronym and _TITLE_LINE.match(text):
                return i
            if first is None and (block.kind == "heading" or not text.endswith((".", ":"))):
                first = i
        return first

    def header_field(self, i: int) -> str | None:
        """Which header field block `i` states: a `Label: value` line or a bare region."""
        text = self.text(i)
        found = label_of(text, self.vocab.all_labels)
        if found and found[0] in HEADER_FIELDS:
            return found[0]
        if fold(text).rstrip(".") in self.vocab.lex.regions:
            return "region"
        return None

    def find_header(self, start: int, title: str | None) -> tuple[list[int], int]:
        header: list[int] = []
        i = start
        while i < len(self.blocks):
            if self.blocks[i].kind in ("paragraph", "heading") and self.is_skippable(i, title):
                i += 1
                continue
            field = self.header_field(i) if self.blocks[i].kind in ("paragraph", "item") else None
            if field is None:
                break
            header.append(i)
            found = label_of(self.text(i), self.vocab.all_labels)
            if found and not found[1] and i + 1 < len(self.blocks):  # the value is on the next line
                header.append(i + 1)
                i += 1
            i += 1
        return header, i

    # ------------------------------------------------------------------ openers

    def heading_kind(self, i: int) -> tuple[str, str] | None:
        """(kind, rule) when block `i` is only a known heading (with allowed prefixes)."""
        text = self.text(i)
        known = self._headings.get(text, _UNKNOWN)
        if known is _UNKNOWN:
            if len(self._headings) > _MAX_KEPT:
                self._headings.clear()
            known = self._headings[text] = self._heading_kind(text)
        return known

    def _heading_kind(self, text: str) -> tuple[str, str] | None:
        if sum(1 for w in text.split() if _ALNUM.search(w)) > MAX_HEADING_TOKENS:
            return None  # each such word gives a token that is a word: too many for a heading
        ends = self.vocab.heading_ends
        if ends is not None:  # only punctuation may follow the heading: the text's last word must end one
            last = _ALNUM_RUNS.findall(text.lower()[-200:])
            if not last or last[-1] not in ends:
                return None
        tokens = self.vocab.nlp.make_doc(text)
        words = [t for t in tokens if not (t.is_punct or t.is_space or t.text in "#*")]
        if not words or len(words) > MAX_HEADING_TOKENS:
            return None
        best: tuple[tuple[int, bool], str, str] | None = None
        for match_id, start, end in self.vocab.headings(tokens):
            before = [t for t in tokens[:start] if not (t.is_punct or t.text in "#*")]
            after = [t for t in tokens[end:] if not t.is_punct]
            if after or any(fold(t.text) not in self.vocab.heading_prefixes for t in before):
                continue
            rule = self.vocab.rule(match_id)
            own = rule.startswith(self.vocab.lang + ".")
            if best is None or (end - start, own) > best[0]:
                best = ((end - start, own), rule.split(".")[1], f"{rule}:{tokens[start:end].text.lower()}")
        return (best[1], best[2]) if best else None

    def leadin_kind(self, tokens: SpacyDoc, before: int | None = None) -> tuple[str, str] | None:
        """(kind, rule) of the lead-in phrase nearest the end of the block (or before token `before`)."""
        best: tuple[int, int, str, str] | None = None
        for match_id, start, end in self.vocab.leadins(tokens):
            if before is not None and end > before:
                continue
            rule = self.vocab.rule(match_id)
            key = (end, end - start)
            if best is None or key >= best[:2]:
                best = (end, end - start, rule.split(".")[1], f"{rule}:{tokens[start:end].text.lower()}")
        return (best[2], best[3]) if best else None

    def opens_list(self, i: int) -> bool:
        text = self.text(i)
        nxt = self.blocks[i + 1] if i + 1 < len(self.blocks) else None
        return text.endswith(":") or (nxt is not None and nxt.kind in ("item", "row"))

    def opener(self, i: int) -> tuple[str, str, int | None] | None:
        """(kind, rule, inline start) when block `i` opens a section."""
        block = self.blocks[i]
        numbered = block.kind == "item" and block.marker is not None and block.marker[:1].isdigit()
        if (block.kind in ("heading", "paragraph", "row") or numbered) and len(self.text(i)) <= 200:
            found = self.heading_kind(i)  # a numbered item that is only a heading: "1. Nos projets"
            if found:
                return found[0], found[1], None
        if block.kind != "paragraph":
            return None
        text = self.text(i)
        found_label = label_of(text, self.vocab.all_labels)
        if found_label and found_label[0] in ("address", "phone", "email", "website"):
            return "contacts", f"{self.vocab.lang}.contacts.label:{found_label[0]}", None
        if self.opens_list(i) and len(text) <= 600:
            words = self.vocab.leadin_words
            may_lead = words is None or words.search(text.lower()) is not None  # else no lead-in matches
            colon = text.endswith(":") and len(text.split()) <= 25  # else more than 25 tokens
            if may_lead or colon:  # only then tokenized
                tokens = self.tokens(i)
                if len(tokens) <= MAX_LEADIN_TOKENS:
                    found = self.leadin_kind(tokens) if may_lead else None
                    if found:
                        return found[0], found[1], None
                    if text.endswith(":") and len(tokens) <= 25:  # a lead-in of a kind we do not know
                        return "other", "leadin.unknown", None
        if ";" in text:  # "several objectives, among which A; B; and, C"
            tokens = self.tokens(i)
            for _, start, end in self.vocab.prose(tokens):
                offset = tokens[end - 1].idx + len(tokens[end - 1])
                found = self.leadin_kind(tokens, before=start)
                if found and ";" in text[offset:]:
                    skip = len(text[offset:]) - len(text[offset:].lstrip(" :"))
                    return found[0], f"{found[1]}+prose:{tokens[start:end].text.lower()}", block.start + offset + skip
        return None

    # ------------------------------------------------------------------ the whole layout

    def layout(self) -> Layout:
        title = self.find_title()
        title_text = self.text(title) if title is not None else None
        header, body = self.find_header(0 if title is None else title + 1, title_text)
        sections: list[Section] = []
        inline: dict[int, int] = {}
        kind, opener, rule, content = "description", None, None, []
        for i in range(body, len(self.blocks)):
            if self.blocks[i].kind in ("paragraph", "heading") and self.is_skippable(i, title_text):
                continue
            found = self.opener(i)
            if found is None or (found[0] == kind == "contacts"):
                content.append(i)
                continue
            new_kind, new_rule, inline_start = found
            if new_kind == kind and not content and inline_start is None:
                continue  # "Projects" then "Project name Objectives": one section
            sections.append(Section(kind, opener, tuple(content), rule))
            kind, opener, rule, content = new_kind, i, new_rule, []
            if inline_start is not None:
                inline[i] = inline_start
                content.append(i)
                sections.append(Section(kind, opener, tuple(content), rule))
                kind, opener, rule, content = "after_" + kind, i, None, []
        sections.append(Section(kind, opener, tuple(content), rule))
        return Layout(title, tuple(header), tuple(s for s in sections if s.kind != "end"), inline)


def find_sections(doc: Document, vocab: Vocab) -> Layout:
    """Cut the document into title, header lines, description and sections."""
    return _Finder(doc, vocab).layout()


def describe(doc: Document, layout: Layout) -> list[dict[str, object]]:
    """A JSON-able view of the layout, for debugging a vocabulary change."""
    def show(i: int) -> str:
        return doc.block_text(doc.blocks[i])[:80]
    out: list[dict[str, object]] = [{"title": show(layout.title) if layout.title is not None else None,
                                     "header": [show(i) for i in layout.header]}]
    for s in layout.sections:
        out.append({"kind": s.kind, "rule": s.rule, "opener": None if s.opener is None else show(s.opener),
                    "blocks": [show(i) for i in s.blocks]})
    return out

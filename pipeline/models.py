"""Typed values passed between stages, and the output contract.

Stage values (`Document`, `Block`, `Section`) are frozen dataclasses: they are built
once per document and read many times, so they stay cheap. The record written to
`extracted/` (`Profile`, `ErrorRecord`) is pydantic: it is the contract with
downstream systems (`shared/contract/PROFILE.md`) and the JSON Schema in `schemas/`
is generated from it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"
Format = Literal["txt", "md", "html", "pdf", "docx"]
BlockKind = Literal["heading", "paragraph", "item", "row"]


# --------------------------------------------------------------------------- stage values


@dataclass(frozen=True, slots=True)
class Block:
    """One structural unit of a document: its content is `Document.text[start:end]`.

    `marker` is the bullet or number an item was written with (`•`, `1.`, `a)`),
    `level` the heading level (1-6) or the list depth of an item (0 = top),
    `cells` the content span of each cell of a table row, `gap_before` whether a
    blank line (or a new paragraph) separates the block from the previous one.
    `raw_line` is the 1-based line of the raw file the block came from, where the
    format has lines (txt, md); `page` is 1-based for paged formats.
    """

    kind: BlockKind
    start: int
    end: int
    level: int = 0
    marker: str | None = None
    cells: tuple[tuple[int, int], ...] = ()
    gap_before: bool = False
    page: int | None = None
    raw_line: int | None = None


@dataclass(slots=True)
class Document:
    """A read document: one canonical normalized text and the blocks that cut it up."""

    path: str
    sha256: str
    format: Format
    text: str
    blocks: list[Block]
    language: str = "en"
    warnings: list[Warning] = field(default_factory=list)

    def block_text(self, block: Block) -> str:
        return self.text[block.start : block.end]

    def page_at(self, offset: int) -> int | None:
        """The page of the block holding `offset` (None for unpaged formats)."""
        for block in self.blocks:
            if block.start <= offset <= block.end:
                return block.page
        return None

    def evidence(self, start: int, end: int, rule: str | None = None) -> Evidence:
        return Evidence(start=start, end=end, page=self.page_at(start), rule=rule)


@dataclass(frozen=True, slots=True)
class Section:
    """A run of blocks opened by a heading, a lead-in sentence or a prose list.

    `opener` is the index of the block that opened it (None for the description),
    `blocks` the indices of its content blocks, `rule` the vocabulary entry that matched.
    """

    kind: str
    opener: int | None
    blocks: tuple[int, ...]
    rule: str | None = None


# --------------------------------------------------------------------------- the contract


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(_Strict):
    """Where a value came from: `Document.text[start:end]` (end-exclusive) of the normalized text."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: int = Field(ge=0, description="offset of the first character in the normalized text")
    end: int = Field(ge=0, description="offset after the last character (end-exclusive)")
    page: int | None = Field(default=None, ge=1, description="1-based page for pdf/docx, null otherwise")
    rule: str | None = Field(default=None, description="id of the vocabulary entry or rule that produced the value")


class Warning(_Strict):  # noqa: A001 - the contract's own word
    code: str = Field(description="stable machine-readable code, e.g. `date_unparsed`")
    message: str = Field(description="explanation for a person")
    field: str | None = Field(default=None, description="JSON Pointer of the value concerned, if any")


class Source(_Strict):
    path: str = Field(description="path of the document, relative to the input root")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    format: Format


class Founded(_Strict):
    date: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    place: str | None = None


class Approach(_Strict):
    name: str
    text: str = ""


class TextItem(_Strict):
    text: str


class Project(_Strict):
    name: str
    objectives: list[str] = Field(default_factory=list)


class Partner(_Strict):
    name: str
    acronym: str | None = None


class Contacts(_Strict):
    address: str | None = None
    phones: list[str] = Field(default_factory=list, description="E.164 numbers")
    emails: list[str] = Field(default_factory=list)
    websites: list[str] = Field(default_factory=list)


class Profile(_Strict):
    """One organization profile: the record of shared/contract/PROFILE.md.

    `evidence` maps the JSON Pointer of every extracted value (`/name`,
    `/objectives/0/text`, `/projects/1/objectives/2`, `/contacts/phones/0`) to the
    span of the normalized text it was read from.
    """

    model_config = ConfigDict(extra="forbid", title="Profile")
    schema_version: Literal["1.0"] = SCHEMA_VERSION
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)
    source: Source
    language: str = Field(pattern=r"^[a-z]{2}$")
    name: str
    acronym: str | None = None
    aliases: list[str] = Field(default_factory=list)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    region: str | None = None
    member_since: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2})?$")
    founded: Founded = Field(default_factory=Founded)
    chair: str | None = None
    founding_members_count: int | None = Field(default=None, ge=1)
    description: str | None = None
    approaches: list[Approach] = Field(default_factory=list)
    objectives: list[TextItem] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    partners: list[Partner] = Field(default_factory=list)
    perspectives: list[TextItem] = Field(default_factory=list)
    contacts: Contacts = Field(default_factory=Contacts)
    warnings: list[Warning] = Field(default_factory=list)
    evidence: dict[str, Evidence] = Field(
        default_factory=dict,
        description="JSON Pointer of each extracted value -> its span in the normalized text")


class ErrorSource(_Strict):
    path: str = Field(description="path of the document, relative to the input root")
    sha256: str | None = Field(default=None, description="of the raw bytes, when they could be read")
    format: str | None = Field(default=None, description="file extension, lower case, without the dot")


class ErrorRecord(_Strict):
    """A document that produced no record: one line of errors.jsonl."""

    source: ErrorSource
    code: str = Field(description="stable error code, e.g. `empty`, `not_text`, `unsupported_format`")
    stage: str = Field(description="the pipeline stage that refused it")
    message: str = Field(description="what went wrong, for a person")

"""Typed values passed between stages, and the output contract.

Stage values (`Document`, `Block`, `Section`) are frozen dataclasses: they are built
once per document and read many times, so they stay cheap. The record written to
`extracted/` (`Profile`, `ErrorRecord`) is pydantic: it is the contract with
downstream systems (`shared/contract/PROFILE.md`) and the JSON Schema in `schemas/`
is generated from it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION: Final = "1.1"  # 1.1 adds partners[].ref (optional): 1.0 readers are unaffected
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
    rule: str | None = Field(default=None, description="id of the vocabulary entry or rule that produced the value; "
                             "`curation` when a curator's correction (curation/<id>.yaml) set it, the span then "
                             "being the source text the correction was made against")


class Warning(_Strict):  # noqa: A001 - the contract's own word
    """A doubt about a value, or a note on the record, for a curator."""

    code: str = Field(description="stable machine-readable code, e.g. `date_unparsed`")
    message: str = Field(description="explanation for a person")
    field: str | None = Field(default=None, description="JSON Pointer of the value concerned, if any")


class Source(_Strict):
    """The document a record was read from."""

    path: str = Field(description="path of the document, relative to the input root")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the document's raw bytes, lower-case hex")
    format: Format = Field(description="the format it was read as: txt, md, html, pdf or docx")


class Founded(_Strict):
    """When and where the organization was founded."""

    date: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
                             description="`YYYY-MM-DD`, `YYYY-MM` or `YYYY`, as precise as the document says; null if "
                                         "not stated")
    place: str | None = Field(default=None, description="city as written; null if not stated")


class Approach(_Strict):
    """A way the organization works (e.g. participatory approach)."""

    name: str = Field(description="the approach's name, without quotes and leading article")
    text: str = Field(default="", description="its explanation; empty string if none")


class TextItem(_Strict):
    """One item of a list (an objective, a perspective)."""

    text: str = Field(description="the item's text, cleaned: no bullet or numbering, whitespace collapsed, no "
                                  "trailing ; , or .")


class Project(_Strict):
    """A project the organization runs."""

    name: str = Field(description="the project's name")
    objectives: list[str] = Field(default_factory=list, description="the project's objectives, one per item")


class Partner(_Strict):
    """An organization named as a partner."""

    name: str = Field(description="the partner's name, without its parenthesised acronym and leading \"The\"")
    acronym: str | None = Field(default=None, description="the partner's acronym; null if none is given")
    ref: str | None = Field(
        default=None, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        description="id of the partner's entry in the organization registry (registry/organizations.json); "
                    "the record id of the partner's own profile when it has one; null when not linked (since 1.1)")


class Contacts(_Strict):
    """How to reach the organization."""

    address: str | None = Field(default=None, description="postal address as written; null if none")
    phones: list[str] = Field(default_factory=list, description="E.164 numbers")
    emails: list[str] = Field(default_factory=list, description="e-mail addresses")
    websites: list[str] = Field(default_factory=list, description="web sites, as written")


class Profile(_Strict):
    """One organization profile: the record of shared/contract/PROFILE.md.

    `evidence` maps the JSON Pointer of every extracted value (`/name`,
    `/objectives/0/text`, `/projects/1/objectives/2`, `/contacts/phones/0`) to the
    span of the normalized text it was read from.
    """

    model_config = ConfigDict(extra="forbid", title="Profile")
    schema_version: Literal["1.1"] = Field(default=SCHEMA_VERSION, description="version of this contract")
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80,
                    description="stable slug of the canonical acronym, else of the name; the same across re-runs "
                                "and input formats")
    source: Source = Field(description="the document the record was read from")
    language: str = Field(pattern=r"^[a-z]{2}$", description="ISO 639-1 code of the document's main language")
    name: str = Field(description="full name as written in the title, without a trailing (ACRONYM)")
    acronym: str | None = Field(default=None, description="canonical acronym (the title's when it has one)")
    aliases: list[str] = Field(default_factory=list,
                               description="every other name or acronym the document uses for the organization; "
                                           "sorted, unique, never repeating name or acronym")
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$",
                                description="ISO 3166-1 alpha-2 code, when stated or clearly implied")
    region: str | None = Field(default=None, description="the world region stated in the header, as written")
    member_since: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2})?$",
                                     description="`YYYY-MM` or `YYYY`: when it joined the network")
    founded: Founded = Field(default_factory=Founded, description="when and where it was founded")
    chair: str | None = Field(default=None, description="the person who chairs or presides, without honorific")
    founding_members_count: int | None = Field(default=None, ge=1,
                                               description="number of organizations or people that founded it")
    description: str | None = Field(default=None, description="the introductory paragraphs, whitespace-normalized, "
                                                              "joined by a blank line")
    approaches: list[Approach] = Field(default_factory=list, description="the ways it works")
    objectives: list[TextItem] = Field(default_factory=list, description="its objectives, one per item")
    projects: list[Project] = Field(default_factory=list, description="its projects")
    partners: list[Partner] = Field(default_factory=list, description="the organizations named as partners")
    perspectives: list[TextItem] = Field(default_factory=list, description="its future directions, one per item")
    contacts: Contacts = Field(default_factory=Contacts, description="how to reach it")
    warnings: list[Warning] = Field(default_factory=list, description="doubts about values and notes, for curators")
    evidence: dict[str, Evidence] = Field(
        default_factory=dict,
        description="JSON Pointer of each extracted value -> its span in the normalized text")


class ErrorSource(_Strict):
    """The document that gave no record."""

    path: str = Field(description="path of the document, relative to the input root")
    sha256: str | None = Field(default=None, description="of the raw bytes, when they could be read")
    format: str | None = Field(default=None, description="file extension, lower case, without the dot")


class ErrorRecord(_Strict):
    """A document that produced no record: one line of errors.jsonl."""

    source: ErrorSource = Field(description="the document that was refused")
    code: str = Field(description="stable error code, e.g. `empty`, `not_text`, `unsupported_format`")
    stage: str = Field(description="the pipeline stage that refused it")
    message: str = Field(description="what went wrong, for a person")

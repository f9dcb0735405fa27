"""Turn a draft into a validated `Profile`: the contract's checks, made by pydantic."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import ValidationError

from pipeline.errors import NoProfile, ValidationFailed
from pipeline.models import Profile, Source

if TYPE_CHECKING:  # `slugify` is used where spaCy is not needed (the writer, the registry)
    from pipeline.fields import Draft

MAX_ID = 80


def slugify(text: str) -> str:
    """`RRESS-SM` -> `rress-sm`, `Réseau Économie` -> `reseau-economie`: [a-z0-9-], bounded length."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_ID].rstrip("-")


def build_profile(draft: Draft) -> Profile:
    """Assemble and validate the record; a document with no organization name has no record."""
    doc, values = draft.doc, draft.values
    name = values.get("name")
    if not name:
        raise NoProfile("no organization name found: no title line and no 'Full Name (ACRONYM)' in the text")
    record_id = slugify(values.get("acronym") or "") or slugify(name) or "profile"
    try:
        return Profile(
            id=record_id,
            source=Source(path=doc.path, sha256=doc.sha256, format=doc.format),
            language=doc.language,
            **values,
            warnings=doc.warnings + draft.warnings,
            evidence={pointer: draft.evidence[pointer] for pointer in sorted(draft.evidence, key=_pointer_key)},
        )
    except ValidationError as err:
        raise ValidationFailed(f"the record breaks the contract: {err}") from err


_FIELD_ORDER = {name: n for n, name in enumerate(Profile.model_fields)}


@lru_cache(maxsize=8192)
def _pointer_key(pointer: str) -> tuple[object, ...]:
    """Order JSON Pointers as the record's fields, items by number."""
    order = _FIELD_ORDER
    parts = pointer.strip("/").split("/")
    head = order.get(parts[0], len(order))
    return (head, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts[1:]))

"""Why a document gave no record: a typed error inside, an `ErrorRecord` outside.

Each class has a stable `code` (what `errors.jsonl` says) and the `stage` that raises it.
"""
from __future__ import annotations


class PipelineError(Exception):
    code = "error"
    stage = "pipeline"


class ReadError(PipelineError):
    code, stage = "unreadable", "read"


class EmptyDocument(ReadError):
    code = "empty"


class NotText(ReadError):
    code = "not_text"


class UnsupportedFormat(ReadError):
    code = "unsupported_format"


class TooLarge(ReadError):
    code = "too_large"


class NoTextLayer(ReadError):
    code = "no_text_layer"


class Encrypted(ReadError):
    code = "encrypted"


class NoProfile(PipelineError):
    code, stage = "no_profile", "fields"


class ValidationFailed(PipelineError):
    code, stage = "invalid_record", "validate"


class TimedOut(PipelineError):
    """The document took longer than `Limits.timeout_seconds` (`--timeout`): it was stopped."""

    code, stage = "timeout", "pipeline"


class OverMemory(TooLarge):
    """Extracting the document needed more than `Limits.max_memory_bytes` (`--max-memory`)."""

    stage = "pipeline"

"""The store's two failures, as problem+json (core/errors.py renders any `Problem`)."""

from __future__ import annotations

from collections.abc import Collection

from hifazat.core.errors import TYPE_BASE, Problem

INTEGRITY_TYPE = TYPE_BASE + "evidence-integrity"


class FileRefused(Problem):
    """An upload the store will not keep: empty, too large or of a type not allowed. Shaped like
    `core.errors.invalid("file", reason)`, with the status that says which (413, 415 or 422)."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(
            status,
            "Validation Failed",
            f"file: {reason}",
            type_=TYPE_BASE + "validation",
            errors=[{"field": "file", "reason": reason}],
        )
        self.reason = reason

    @classmethod
    def empty(cls) -> FileRefused:
        return cls("is empty", 422)

    @classmethod
    def too_large(cls, max_bytes: int) -> FileRefused:
        return cls(f"larger than the limit of {max_bytes} bytes ({max_bytes / 2**20:.1f} MiB)", 413)

    @classmethod
    def wrong_type(cls, found: str | None, allowed: Collection[str]) -> FileRefused:
        what = f"is {found}, which is not allowed" if found else "is not of a recognised type"
        return cls(f"its content {what} (allowed: {', '.join(sorted(allowed))})", 415)


class IntegrityError(Problem):
    """The stored bytes no longer hash to their name (or are gone). Raised before any byte is handed
    out; renders as 409 problem+json of type `evidence-integrity`. A domain catches it to audit the
    failure and raise its alert, then lets the caller have the problem."""

    def __init__(self, sha256: str, *, missing: bool = False, actual: str | None = None) -> None:
        what = "is missing" if missing else "no longer matches its SHA-256"
        super().__init__(
            409,
            "Evidence Integrity Failure",
            f"the stored content {what}; it is not delivered",
            type_=INTEGRITY_TYPE,
            sha256=sha256,
        )
        self.sha256 = sha256
        self.missing = missing
        self.actual = actual  # the hash the bytes have now (None when missing): for the audit entry

"""The exception hierarchy of lakehouse (SPEC §6).

Every error the core reports has a stable ``code`` string; each code has one class here,
named after it with the ``Error`` suffix, rooted at :class:`LakehouseError` and also
deriving from the fitting builtin (``ValueError``, ``LookupError``, ``OSError``,
``TimeoutError``), so ``except ValueError`` keeps working for callers who do not know
lakehouse. ``.details`` holds the values involved, as the core's JSON.

An exception raised by your own code inside a callback (a custom embedder, a transform,
a chat callable, a progress callback) comes back as :class:`CallbackError` with your
exception as ``__cause__``.
"""

from __future__ import annotations

import builtins
from typing import Any

__all__ = [
    "LakehouseError",
    "DimensionMismatchError",
    "InvalidInputError",
    "InvalidConfigError",
    "NotFoundError",
    "AlreadyExistsError",
    "LockedError",
    "CorruptError",
    "ReadOnlyError",
    "IoError",
    "ParquetError",
    "JsonError",
    "HttpError",
    "TimeoutError",
    "CancelledError",
    "CallbackError",
    "ClosedError",
    "InternalError",
    "error_class",
]


class LakehouseError(Exception):
    """Base of every lakehouse error: ``.code`` (stable string) and ``.details`` (dict)."""

    code: str = ""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.details))


class InvalidInputError(LakehouseError, ValueError):
    """An argument failed validation (bad id, NaN, k = 0, bad name, …)."""

    code = "INVALID_INPUT"


class DimensionMismatchError(InvalidInputError):
    """A vector's length (or an array's shape) differs from what the index expects."""

    code = "DIMENSION_MISMATCH"


class InvalidConfigError(LakehouseError, ValueError):
    """A configuration or options value is unknown, out of range or inconsistent."""

    code = "INVALID_CONFIG"


class NotFoundError(LakehouseError, LookupError):
    """A named thing (index, id, stream, case…) does not exist."""

    code = "NOT_FOUND"


class AlreadyExistsError(LakehouseError, ValueError):
    """A named thing already exists where a new one was asked for."""

    code = "ALREADY_EXISTS"


class LockedError(LakehouseError, OSError):
    """Another writer holds the lock on a directory."""

    code = "LOCKED"


class CorruptError(LakehouseError, OSError):
    """A file failed a checksum or could not be decoded."""

    code = "CORRUPT"


class ReadOnlyError(LakehouseError, PermissionError):
    """The handle was opened read-only and a write was attempted."""

    code = "READ_ONLY"


class IoError(LakehouseError, OSError):
    """An operating-system I/O error, with the path it concerned."""

    code = "IO"


class ParquetError(LakehouseError, OSError):
    """Parquet / Arrow encoding or decoding failed."""

    code = "PARQUET"


class JsonError(LakehouseError, ValueError):
    """JSON encoding or decoding failed."""

    code = "JSON"


class HttpError(LakehouseError, ConnectionError):
    """An HTTP peer (embedding or chat server) failed or answered badly."""

    code = "HTTP"

    @property
    def status(self) -> int | None:
        """The HTTP status, when the server answered."""
        status = self.details.get("status")
        return status if isinstance(status, int) else None


class TimeoutError(LakehouseError, builtins.TimeoutError):  # noqa: A001 - SPEC §6 name
    """An operation ran past its deadline."""

    code = "TIMEOUT"


class CancelledError(LakehouseError):
    """An operation was cancelled (its progress callback returned False)."""

    code = "CANCELLED"


class CallbackError(LakehouseError):
    """Your callback failed; the original exception is ``__cause__``."""

    code = "CALLBACK"


class ClosedError(LakehouseError, ValueError):
    """The handle, or the Lakehouse it came from, was closed."""

    code = "CLOSED"


class InternalError(LakehouseError, RuntimeError):
    """An internal invariant broke: a bug in lakehouse, reported instead of crashing."""

    code = "INTERNAL"


_BY_CODE: dict[str, type[LakehouseError]] = {
    cls.code: cls
    for cls in (
        DimensionMismatchError,
        InvalidInputError,
        InvalidConfigError,
        NotFoundError,
        AlreadyExistsError,
        LockedError,
        CorruptError,
        ReadOnlyError,
        IoError,
        ParquetError,
        JsonError,
        HttpError,
        TimeoutError,
        CancelledError,
        CallbackError,
        ClosedError,
        InternalError,
    )
}


def error_class(code: str) -> type[LakehouseError]:
    """The exception class of an error code (``LakehouseError`` for an unknown one)."""
    return _BY_CODE.get(code, LakehouseError)

"""Builders for metadata filters. A filter is a plain dict in the core's JSON shape;
these helpers only spell it:

    >>> from lakehouse import filters as f
    >>> f.and_(f.eq("city", "Dayton"), f.not_(f.in_("role", ["cna", "welder"])))
    {'and': [{'field': 'city', 'eq': 'Dayton'}, {'not': {'field': 'role', 'in': ['cna', 'welder']}}]}

Only top-level metadata fields are addressed; a field holding a list matches when any
element matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["Filter", "eq", "in_", "and_", "or_", "not_"]

Filter = dict[str, Any]


def eq(field: str, value: Any) -> Filter:
    """``field`` equals ``value`` (or contains it, for list fields)."""
    return {"field": field, "eq": value}


def in_(field: str, values: Iterable[Any]) -> Filter:
    """``field`` equals one of ``values``."""
    return {"field": field, "in": list(values)}


def and_(*filters: Filter) -> Filter:
    """All of ``filters`` match (none given: everything matches)."""
    return {"and": list(filters)}


def or_(*filters: Filter) -> Filter:
    """At least one of ``filters`` matches (none given: nothing matches)."""
    return {"or": list(filters)}


def not_(f: Filter) -> Filter:
    """``f`` does not match."""
    return {"not": f}

"""Column values to JSON and back, exactly, whichever engine they came from.

Decimals travel as strings (never floats), dates and datetimes as ISO text with aware
datetimes in UTC, booleans as JSON booleans, JSON columns as JSON. Decoding goes by the
column's type, never by the look of the value: a Text column holding "2023-01-01" stays text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa


def encode(value: object, type_: sa.types.TypeEngine) -> object:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return as_utc(value).isoformat() if getattr(type_, "timezone", False) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value  # int, str, bool, JSON documents


def as_utc(value: datetime) -> datetime:
    # SQLite hands back aware columns as naive UTC; PostgreSQL in the session's time zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def decode(value: object, type_: sa.types.TypeEngine) -> object:
    if value is None:
        return None
    if isinstance(type_, sa.types.TypeDecorator):
        type_ = type_.impl  # ExactDecimal says `object`; what it stores is its NUMERIC
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return value
    if python_type is Decimal:
        return Decimal(_text(value))
    if python_type is datetime:
        moment = datetime.fromisoformat(_text(value))
        return as_utc(moment) if getattr(type_, "timezone", False) else moment
    if python_type is date:
        return date.fromisoformat(_text(value))
    if python_type in (bool, int, str) and type(value) is not python_type:
        raise TypeError(f"{value!r} 不是 {python_type.__name__}")
    return value  # JSON documents as parsed


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} 不是文本")
    return value

"""Exact decimal columns on SQLite and PostgreSQL: ExactDecimal, Money and Quantity.

PostgreSQL stores NUMERIC exactly. SQLite does not: a column declared NUMERIC has NUMERIC
affinity, which turns every well-formed number, even one bound as text, into a REAL (a
double), so 12345678901234.5678 came back as …5680. On SQLite these columns are therefore
declared VARCHAR (TEXT affinity, migration 0008) and hold canonical decimal text: the value
quantized to the column's scale, fixed-point, no exponent, no "-0" (``"-12.3400"``,
``"0.0000"``). Reading gives the same Decimal back.

What that means for SQL on SQLite: the database sees text. Comparing, ordering or summing
these columns in SQL there would compare strings ("10" < "9") or sum floats. ``sums_by`` sums
them exactly all the same: each text becomes the integer count of its smallest unit (the point
removed, "-12.3400" is -123400 ten-thousandths) and SQLite adds 64-bit integers exactly (and
refuses to overflow). Other comparisons are made in Python.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


class ExactDecimal(sa.TypeDecorator):
    """NUMERIC(precision, scale) that comes back as a Decimal of that scale, exactly, on both engines.

    Values are rounded to the scale (half to even; the parsers refuse extra decimals typed by
    people, so only computed values such as ratios are rounded here). A value with more
    integer digits than the column holds, NaN or an infinity raises ValueError: the parsers
    refuse those first (kpi.domain.entries), so reaching this is a programming error.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int):
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        # Kept on the decorator too: they are its cache key (ExactDecimal(16, 4) ≠ (20, 4)).
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)
        self._limit = Decimal(10) ** (precision - scale)

    @property
    def text_length(self) -> int:
        """Characters of the longest canonical text: sign, integer digits, point, decimals."""
        return self.precision + (2 if self.scale else 1)

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(self.text_length))
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = self.exact(value)
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        # Text on SQLite (or a number from an expression such as SUM); a Decimal on PostgreSQL.
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        return number.quantize(self._quantum, rounding=ROUND_HALF_EVEN)

    def exact(self, value: Any) -> Decimal:
        """``value`` as this column stores it: quantized to the scale, within the precision, no -0."""
        try:
            number = value if isinstance(value, Decimal) else Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            raise ValueError(f"not a decimal number: {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"not a finite decimal: {value!r}")
        if abs(number) >= self._limit:  # checked before quantizing, which could overflow the context
            raise ValueError(
                f"{value!r} needs more than {self.precision - self.scale} integer digits "
                f"(NUMERIC({self.precision}, {self.scale}))"
            )
        with localcontext() as context:
            context.prec = self.precision + 2
            number = number.quantize(self._quantum, rounding=ROUND_HALF_EVEN)
        if abs(number) >= self._limit:  # 9999.99995 rounds up to 10000.0000
            raise ValueError(
                f"{value!r} needs more than {self.precision - self.scale} integer digits "
                f"(NUMERIC({self.precision}, {self.scale}))"
            )
        return number.copy_abs() if number.is_zero() else number


MONEY_PRECISION, MONEY_SCALE = 16, 4
QUANTITY_PRECISION, QUANTITY_SCALE = 20, 4


def Money() -> ExactDecimal:
    """An amount in 万元 (4 decimals: 1 元 resolution; 12 integer digits)."""
    return ExactDecimal(MONEY_PRECISION, MONEY_SCALE)


def Quantity() -> ExactDecimal:
    """An indicator value: counts, percentages, targets (4 decimals; 16 integer digits)."""
    return ExactDecimal(QUANTITY_PRECISION, QUANTITY_SCALE)


def sums_by(session: Session | sa.Connection, rows: sa.Select) -> dict[Any, Decimal]:
    """The exact sum of the last selected column (an ExactDecimal) for each value of the others.

    ``rows`` selects one or more key columns, then the value, ungrouped. The database sums: NUMERIC
    on PostgreSQL; on SQLite, where the column is text, its integer count of the smallest unit
    (``_scaled_integer``). NULL values are skipped; a key with only NULLs sums to None (as SQL).
    Keys are plain values for one key column, tuples for several.
    """
    *keys, value = rows.selected_columns
    single = len(keys) == 1
    dialect = session.get_bind().dialect if isinstance(session, Session) else session.dialect
    grouped = rows.subquery()
    *key_columns, value_column = grouped.c
    if dialect.name == "postgresql":
        statement = sa.select(*key_columns, sa.func.sum(value_column)).group_by(*key_columns)
        return {(row[0] if single else tuple(row[:-1])): row[-1] for row in session.execute(statement)}
    scale = value.type.scale if isinstance(value.type, ExactDecimal) else None
    if scale is None:
        raise TypeError(f"sums_by sums an ExactDecimal column, not {value.type!r}")
    total = sa.func.sum(_scaled_integer(sa.type_coerce(value_column, sa.String), scale))
    statement = sa.select(*key_columns, total).group_by(*key_columns)
    return {
        (row[0] if single else tuple(row[:-1])): None if row[-1] is None else Decimal(row[-1]).scaleb(-scale)
        for row in session.execute(statement)
    }


def _scaled_integer(text: sa.ColumnElement, scale: int) -> sa.ColumnElement:
    """SQLite: canonical decimal text ("-12.3400") as the integer count of 10^-scale ("-123400").

    The point is removed and the digits read as an integer, then multiplied up for a text with
    fewer decimals than the scale (a value written by hand, "12.5"), so that it counts alike."""
    point = sa.func.instr(text, ".")
    decimals = sa.case((point > 0, sa.func.length(text) - point), else_=0)
    factor = sa.case(*((decimals == given, 10 ** (scale - given)) for given in range(scale)), else_=1)
    return sa.cast(sa.func.replace(text, ".", ""), sa.Integer) * factor

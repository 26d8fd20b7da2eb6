"""Small SQL helpers shared by the domains."""

from __future__ import annotations

from sqlalchemy import ARRAY, Integer, any_, literal


def among(column, ids: list[int]):
    """`column = ANY(:ids)`: one array parameter, however many ids. An IN list of a district's
    5,000 post ids is 5,000 parameters, which SQLAlchemy and psycopg bind one by one (65 ms of
    the district pendency report's 155)."""
    return column == any_(literal(list(ids), ARRAY(Integer)))

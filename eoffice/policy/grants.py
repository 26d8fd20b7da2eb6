"""Who may open an item: one declared list of grants per kind of item.

    can_open(actor, f)                            # one item: may the actor open it?
    select(File).where(openable(actor, File))     # a list, a search, a register, a report

Both come from the same list below: `openable` turns it into one SQL clause, and `can_open`
asks Postgres whether the item is in it. There is no second, hand-written Python version to
drift from the SQL one (tests/test_policy.py holds the two to each other and to the pages).

The policy reads the item tables by their model names (as `relationship("File")` does), so it
imports no domain: the domains import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, union

from eoffice.platform.extensions import db
from eoffice.policy.roles import CAN

if TYPE_CHECKING:
    from eoffice.policy.actor import Actor


@cache
def model(name: str) -> Any:
    """The mapped class called `name` (File, Receipt, Movement, …); looked up once."""
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == name:
            return mapper.class_
    raise LookupError(name)


def _posts(actor: Actor) -> list[int]:
    return actor.post_ids or [0]


# --- the grants: each one way of being allowed to open an item ------------------------------


class Grant:
    """One reason an actor may open an item of `kind` (whose mapped class is `m`)."""

    #: decided by the item's own columns (no subquery): tried first (Postgres evaluates an OR's
    #: arms in order, and an officer's office-wide grant then spares the movement lookups)
    by_columns = False

    def clause(self, actor: Actor, kind: str, m: Any) -> ColumnElement[bool]:
        raise NotImplementedError

    def wide(self, actor: Actor, kind: str, m: Any) -> ColumnElement[bool] | None:
        """A wide grant (an office's or a section's items): the clause, which an index on the
        item's office walks in date order; None for a narrow one."""
        return None

    def ids(self, actor: Actor, kind: str, m: Any) -> Select | None:
        """A narrow grant (a desk's own items): the ids it opens, found by index lookups (a
        desk's few thousand); None for a wide one, or when it opens nothing. By default the
        items its own clause picks (right for a grant decided by the item's columns)."""
        return select(m.id).where(self.clause(actor, kind, m))


class WideGrant(Grant):
    """A grant of an office's or a section's items: a clause on the item's own columns, never
    a list of ids."""

    by_columns = True

    def clause(self, actor, kind, m):
        wide = self.wide(actor, kind, m)
        return false() if wide is None else wide

    def ids(self, actor, kind, m):
        return None


@dataclass(frozen=True)
class Holder(Grant):
    """The item sits with one of the actor's posts."""

    by_columns = True

    def clause(self, actor, kind, m):
        return m.holder_post_id.in_(_posts(actor))


@dataclass(frozen=True)
class Creator(Grant):
    """One of the actor's posts opened (diarised) it."""

    by_columns = True

    def clause(self, actor, kind, m):
        return m.created_post_id.in_(_posts(actor))


@dataclass(frozen=True)
class PassedThrough(Grant):
    """It was sent from or to one of the actor's posts at some time (pulled back included)."""

    def clause(self, actor, kind, m):
        mv = model("Movement")
        posts = _posts(actor)
        return exists(
            select(mv.id).where(
                getattr(mv, f"{kind}_id") == m.id,
                or_(mv.from_post_id.in_(posts), mv.to_post_id.in_(posts)),
            )
        )

    def ids(self, actor, kind, m):
        mv = model("Movement")
        col, posts = getattr(mv, f"{kind}_id"), _posts(actor)
        return union(
            select(col).where(mv.from_post_id.in_(posts), col.is_not(None)),
            select(col).where(mv.to_post_id.in_(posts), col.is_not(None)),
        )


@dataclass(frozen=True)
class Copied(Grant):
    """A copy of one of its movements was marked to one of the actor's posts."""

    def clause(self, actor, kind, m):
        mv, copy = model("Movement"), model("MovementCopy")
        return exists(
            select(copy.movement_id)
            .join(mv, mv.id == copy.movement_id)
            .where(getattr(mv, f"{kind}_id") == m.id, copy.post_id.in_(_posts(actor)))
        )

    def ids(self, actor, kind, m):
        mv, copy = model("Movement"), model("MovementCopy")
        col = getattr(mv, f"{kind}_id")
        return (
            select(col)
            .join(copy, copy.movement_id == mv.id)
            .where(copy.post_id.in_(_posts(actor)), col.is_not(None))
        )


@dataclass(frozen=True)
class OfficeWide(WideGrant):
    """A role with `capability` opens the normal-grade items of the user's own office (never
    a confidential or secret one)."""

    capability: str

    def wide(self, actor, kind, m):
        if actor.role is None or actor.role not in CAN[self.capability]:
            return None
        return and_(m.grading == "normal", m.office_id == actor.office_id)


@dataclass(frozen=True)
class SectionWide(WideGrant):
    """A role with `capability` opens the normal-grade items of its own office in the sections
    of the posts it acts for."""

    capability: str

    def wide(self, actor, kind, m):
        if actor.role is None or actor.role not in CAN[self.capability] or not actor.section_ids:
            return None
        return and_(
            m.grading == "normal",
            m.office_id == actor.office_id,
            m.section_id.in_(actor.section_ids),
        )


@dataclass(frozen=True)
class InOpenableFile(Grant):
    """It was placed in (or belongs to) a file the actor may open: `via` names the model that
    links the two, and `column` its column naming this item (or None: the item itself carries
    `file_id`)."""

    via: str | None = None
    column: str = ""

    def clause(self, actor, kind, m):
        f = model("File")
        files = select(f.id).where(openable(actor, f))
        if self.via is None:
            return m.file_id.in_(files)
        link = model(self.via)
        return exists(
            select(link.id).where(getattr(link, self.column) == m.id, link.file_id.in_(files))
        )

    def ids(self, actor, kind, m):
        f = model("File")
        wide, narrow = openable_parts(actor, f)
        parts = ([select(f.id).where(or_(*wide))] if wide else []) + (
            [narrow] if narrow is not None else []
        )
        if not parts:
            return None
        files = union(*parts)
        if self.via is None:
            return select(m.id).where(m.file_id.in_(files))
        link = model(self.via)
        col = getattr(link, self.column)
        return select(col).where(link.file_id.in_(files), col.is_not(None))


@dataclass(frozen=True)
class Column(Grant):
    """The item's `column` names one of the actor's posts (`post`) or the actor (`user`)."""

    by_columns = True

    column: str
    of: str = "post"

    def clause(self, actor, kind, m):
        col = getattr(m, self.column)
        if self.of == "user":
            return col == actor.id if actor.id is not None else false()
        return col.in_(_posts(actor))


# --- the lists: who may open each kind of item --------------------------------------------------

#: kind → (mapped class name, grants). Any one grant is enough.
GRANTS: dict[str, tuple[str, tuple[Grant, ...]]] = {
    # पत्रावली: its holder, its creator, every desk it passed through or was copied to; a
    # normal-grade file also the section officer of its section and the office's officers.
    "file": (
        "File",
        (
            Holder(),
            Creator(),
            PassedThrough(),
            Copied(),
            SectionWide("open_section_files"),
            OfficeWide("open_office_files"),
        ),
    ),
    # डाक: as a file, and whoever may open the file it was placed in; a normal-grade receipt
    # also every section officer and officer of the office.
    "receipt": (
        "Receipt",
        (
            Holder(),
            Creator(),
            PassedThrough(),
            Copied(),
            OfficeWide("open_office_receipts"),
            InOpenableFile(via="Correspondence", column="receipt_id"),
        ),
    ),
    # a draft letter: whoever may open its file
    "letter": ("LetterDraft", (InOpenableFile(),)),
    # an issued letter: whoever may open its file. (The dispatch register, like the paper
    # प्रेषण पंजी, lists every letter the office issued to its own people; a line links to the
    # letter only for those who may open it.)
    "dispatch": ("Dispatch", (InOpenableFile(),)),
    # a task: who gave it, the desk it was given to, the desk it was given from
    "task": (
        "Task",
        (Column("assigned_by_id", of="user"), Column("to_post_id"), Column("from_post_id")),
    ),
}

_KIND_OF = {name: kind for kind, (name, _) in GRANTS.items()}
#: each kind's grants as `openable` tries them: those decided by the item's own columns first
_COLUMNS_FIRST = {
    kind: tuple(sorted(grants, key=lambda g: not g.by_columns))
    for kind, (_, grants) in GRANTS.items()
}


def kind_of(m: Any) -> str:
    """'file', 'receipt', … for a mapped class or an instance of one."""
    cls = m if isinstance(m, type) else type(m)
    return _KIND_OF[cls.__name__]


def openable(actor: Actor, m: Any) -> ColumnElement[bool]:
    """The items of mapped class `m` (File, Receipt, …) the actor may open, as a WHERE clause."""
    kind = kind_of(m)
    if not actor.is_authenticated:
        return false()
    if not isinstance(m, type):  # an alias or a subquery: its own columns
        return or_(*(g.clause(actor, kind, m) for g in _COLUMNS_FIRST[kind]))
    # the same clause for the model all through the request (a search asks for File's four
    # times): clauses are immutable, and the actor's charges do not change within a request
    key = ("openable", m)
    if key not in actor.memo:
        actor.memo[key] = or_(*(g.clause(actor, kind, m) for g in _COLUMNS_FIRST[kind]))
    return actor.memo[key]


def openable_parts(actor: Actor, m: Any) -> tuple[list[ColumnElement[bool]], Select | None]:
    """The items `openable` gives, in two parts for a search that must stop at its first page:
    the wide grants' clauses (an officer's office, a section officer's sections: walked newest
    first by an index, stopping early) and the narrow grants' ids as one select (a desk's own
    items, a few thousand, found by index lookups). Together exactly `openable` (tests hold
    them to each other)."""
    kind = kind_of(m)
    if not actor.is_authenticated:
        return [], None
    grants = GRANTS[kind][1]
    wide = [c for g in grants if (c := g.wide(actor, kind, m)) is not None]
    narrow = [q for g in grants if (q := g.ids(actor, kind, m)) is not None]
    return wide, (union(*narrow) if narrow else None)


def openable_ids(actor: Actor, m: Any, ids: list[int]) -> set[int]:
    """Which of these items (of mapped class `m`) the actor may open: one query for a list."""
    if not ids:
        return set()
    return set(db.session.scalars(select(m.id).where(m.id.in_(ids), openable(actor, m))))


def can_open(actor: Actor, item: Any) -> bool:
    """May the actor open this item? Exactly: is it in `select(...).where(openable(actor))`."""
    if item is None or item.id is None:
        return False
    m = type(item)
    return bool(db.session.scalar(select(exists().where(m.id == item.id, openable(actor, m)))))

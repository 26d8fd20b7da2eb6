"""One search across the district: files (number, subject, final notes), receipts (diary
number, sender, letter number, subject, OCR text), letters (every version's subject and text)
and dispatches (number, subject), matched on the search key (keys.py) with Postgres full-text
indexes, and filtered by the access rules inside the query itself: a hit, a count or a snippet
never comes from an item the user may not open (eoffice.policy's `openable`, the clause every
list and page is held to).
"""

from __future__ import annotations

import re
import time
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import astuple, dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql import Select, Subquery

from eoffice.dispatch.models import Dispatch
from eoffice.files.models import File, LetterDraft, LetterVersion, Note
from eoffice.org.models import Office
from eoffice.platform.extensions import db
from eoffice.platform.kept import Kept
from eoffice.policy import Actor, openable
from eoffice.policy.grants import openable_parts
from eoffice.receipts.models import Receipt
from eoffice.search.query import Query, build, spellings_of

KINDS = ("file", "receipt", "letter", "dispatch")
PAGE_SIZE = 20
MAX_QUERY = 200
MAX_TERMS = 8

_DEVA_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad\x00"))


def clean(q: str) -> str:
    """The query as typed, made safe: NUL and zero-width characters out, NFC, one space, cut
    to MAX_QUERY characters."""
    q = unicodedata.normalize("NFC", (q or "").translate(_INVISIBLE))
    return " ".join(q.split())[:MAX_QUERY]


def as_number(q: str) -> str:
    """A typed number as stored: Devanagari digits as ASCII, no spaces around slashes."""
    return re.sub(r"\s*/\s*", "/", q.translate(_DEVA_DIGITS)).strip()


def parse(q: str, s=None) -> Query:
    """The query's words (at most MAX_TERMS) with their spellings, keyed by Postgres's own
    eo_key (`_keys_of`: in one statement, none for words keyed before; eoffice.search.query)."""
    words = list(dict.fromkeys(q.split()))[:MAX_TERMS] if q else []
    spellings = sorted({sp for w in words for sp in spellings_of(w)})
    if not spellings:
        return Query([])
    query = build(words, _keys_of(spellings, s or db.session))
    # a number typed in full (slashes: a file, diary or dispatch number) is looked for whole
    query.whole = "/" in as_number(q)
    return query


# --- the search ------------------------------------------------------------------------


@dataclass
class Filters:
    kind: str = ""
    year: int | None = None
    state: str = ""  # open / closed (files)
    office: int | None = None
    #: a section: files, and the letters and dispatches of its files (receipts have none)
    section: int | None = None
    category: int | None = None
    grading: str = ""
    #: created (files, receipts, letters) or issued (dispatches) between, India's days
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        from eoffice.platform.clock import parse_day
        from eoffice.web.hostile import to_int

        kind = args.get("kind", "")
        state = args.get("state", "")
        year = to_int(args.get("year"))
        grading = args.get("grading", "")
        return cls(
            kind=kind if kind in KINDS else "",
            year=year if year and 1950 <= year <= 2200 else None,
            state=state if state in ("open", "closed") else "",
            office=to_int(args.get("office")) or None,
            section=to_int(args.get("section")) or None,
            category=to_int(args.get("category")) or None,
            grading=grading if grading in ("normal", "confidential", "secret") else "",
            since=parse_day(args.get("since")),
            until=parse_day(args.get("until")),
        )

    @property
    def any_set(self) -> bool:
        return any([self.kind, self.year, self.state, self.office, self.section, self.category,
                    self.grading, self.since, self.until])  # fmt: skip


def _on_days(column, f: Filters):
    """`column` (a timestamp) within the filter's days, by India's calendar."""
    from datetime import time as dtime

    from eoffice.platform.clock import zone

    conds = []
    if f.since:
        conds.append(column >= datetime.combine(f.since, dtime(), tzinfo=zone()))
    if f.until:
        conds.append(column < datetime.combine(f.until + timedelta(days=1), dtime(), tzinfo=zone()))
    return conds


def _file_filters(f: Filters) -> list:
    """Conditions on File for the filters that files have (letters and dispatches go by
    their file)."""
    conds = []
    if f.office:
        conds.append(File.office_id == f.office)
    if f.section:
        conds.append(File.section_id == f.section)
    if f.category:
        conds.append(File.category_id == f.category)
    if f.grading:
        conds.append(File.grading == f.grading)
    return conds


@dataclass
class Hit:
    kind: str
    id: int
    number: str
    title: str
    url: str
    at: object
    snippet: list[tuple[str, bool]] = field(default_factory=list)
    #: where else the words were found (a note, the OCR text, the letter), when not in the title
    found_in: list[tuple[str, bool]] = field(default_factory=list)


# --- what each kind is matched, filtered and ordered by ---------------------------------


@dataclass(frozen=True)
class Kind:
    model: type
    #: "newest first": when the item was made (a dispatch: issued)
    at: str
    #: the filters that apply (a receipt has no section; letters and dispatches go by their file)
    by_file: bool = False


SPECS = {
    "file": Kind(File, "created_at"),
    "receipt": Kind(Receipt, "created_at"),
    "letter": Kind(LetterDraft, "created_at", by_file=True),
    "dispatch": Kind(Dispatch, "issued_at", by_file=True),
}
#: below this many estimated matches a word is rare: matched first (by the GIN indexes), then
#: held to the access rule; above it, walked newest first within what the user may open, up to
#: a page of matches (bench/search.py measures both sides of it)
RARE = 2000
#: the most items of an office or section a common word's walk looks at (about 28 µs each)
WINDOW = 2000


def _matches(kind: str, m, q_ts):
    """`m` (the model or a subquery of its rows) matches the query."""
    if kind == "file":
        # a scalar subquery, not EXISTS: Postgres may turn an EXISTS into one hashed set of
        # every matching note (346,000 for a common word: 3.7 s) when the walk stops at 21
        note = select(Note.id).where(
            Note.file_id == m.id, Note.status == "final", Note.search_keys.op("@@")(q_ts)
        )
        return or_(m.search_keys.op("@@")(q_ts), note.limit(1).scalar_subquery().is_not(None))
    if kind == "letter":
        return (
            select(LetterVersion.id)
            .where(LetterVersion.draft_id == m.id, LetterVersion.search_keys.op("@@")(q_ts))
            .exists()
        )
    return m.search_keys.op("@@")(q_ts)


def _matched_ids(kind: str, q_ts):
    """The ids that match, by the GIN indexes alone (what a rare word starts from)."""
    if kind == "file":
        return union(
            select(File.id).where(File.search_keys.op("@@")(q_ts)),
            select(Note.file_id).where(Note.status == "final", Note.search_keys.op("@@")(q_ts)),
        )
    if kind == "letter":
        return select(LetterVersion.draft_id).where(LetterVersion.search_keys.op("@@")(q_ts))
    m = SPECS[kind].model
    return select(m.id).where(m.search_keys.op("@@")(q_ts))


def _filters(kind: str, f: Filters) -> list:
    """The filters' conditions on the kind's own rows (letters and dispatches: by their file,
    which the query joins)."""
    spec = SPECS[kind]
    m = spec.model
    conds = list(_on_days(getattr(m, spec.at), f))
    if kind == "file":
        if f.year:
            conds.append(File.year == f.year)
        if f.state == "open":
            conds.append(File.status != "closed")
        elif f.state == "closed":
            conds.append(File.status == "closed")
        return conds + _file_filters(f)
    if kind == "receipt":
        if f.year:
            conds.append(Receipt.diary_year == f.year)
        if f.office:
            conds.append(Receipt.office_id == f.office)
        if f.category:
            conds.append(Receipt.category_id == f.category)
        if f.grading:
            conds.append(Receipt.grading == f.grading)
        return conds
    if f.year and kind == "dispatch":
        conds.append(Dispatch.year == f.year)
    elif f.year:
        conds.append(func.extract("year", LetterDraft.created_at) == f.year)
    return conds + _file_filters(f)


def _offered(kind: str, f: Filters) -> bool:
    """Does the kind answer these filters at all (receipts have no state or section; letters
    and dispatches no state)?"""
    if f.kind and f.kind != kind:
        return False
    if kind == "receipt":
        return not f.state and not f.section
    if kind in ("letter", "dispatch"):
        return not f.state
    return True


#: the values a search's statements take as parameters, so that one user's statements are
#: built and compiled once and used for every query and page (building them was a fifth of a
#: search's Python): the query, and the last hit of the page before
_Q = bindparam("eo_q", "", type_=String)
_AFTER_AT = bindparam(
    "eo_after_at", datetime(1970, 1, 1, tzinfo=UTC), type_=DateTime(timezone=True)
)
_AFTER_ID = bindparam("eo_after_id", 0, type_=Integer)


def _after(kind: str, m, at, a_kind: str | None):
    """Keyset paging: the rows that come after the page before's last hit (at, kind, id: bound
    as _AFTER_AT and _AFTER_ID) in the order newest first, then kind, then id downwards."""
    if a_kind is None:
        return []
    mine, theirs = KINDS.index(kind), KINDS.index(a_kind)
    if mine < theirs:
        return [at < _AFTER_AT]
    if mine > theirs:
        return [at <= _AFTER_AT]
    return [or_(at < _AFTER_AT, and_(at == _AFTER_AT, m.id < _AFTER_ID))]


@dataclass
class Plan:
    """How one kind's visible matches are found: `arms` give (kind, id, at) newest first, each
    bounded by what it looks at; when the office's or section's `window` was walked and gave
    fewer than a page, the word is rarer than its statistics said and `first()` (the matches
    by the GIN indexes, then the rule; built only when asked for) answers instead."""

    kind: str
    arms: list
    first: Callable[[], Select]
    window: Subquery | None = None


def _plan(actor: Actor, kind: str, rare: bool, f: Filters, a_kind, limit: int) -> Plan:
    """The kind's plan (eoffice.search's module note): a rare word is matched first, then held
    to the access rule; a common one walked newest first within what the user may open."""
    spec = SPECS[kind]
    m = spec.model
    at = getattr(m, spec.at)
    q_ts = func.to_tsquery("simple", _Q)
    cols = (literal(kind).label("kind"), cast(m.id, Integer).label("id"), at.label("at"))
    order = (at.desc(), m.id.desc())
    where = [*_filters(kind, f), *_after(kind, m, at, a_kind)]

    def first() -> Select:
        if spec.by_file:  # letters and dispatches go by their file's rule
            q = select(*cols).join(File, File.id == m.file_id).where(openable(actor, File))
        else:
            q = select(*cols).where(openable(actor, m))
        q = q.where(m.id.in_(_matched_ids(kind, q_ts)), *where)
        return q.order_by(*order).limit(limit)

    if rare:
        return Plan(kind, [first()], first)
    plan = Plan(kind, [], first)
    wide, narrow = openable_parts(actor, m)
    if wide:
        # an office's or a section's items, newest first by its index, matched one by one: at
        # most WINDOW of them (a word rarer than its statistics say would walk the whole office)
        window = select(m.id, at.label("at"), m.search_keys).where(or_(*wide), *where)
        plan.window = window.order_by(*order).limit(WINDOW).subquery()
        q = select(literal(kind).label("kind"), plan.window.c.id, plan.window.c.at)
        plan.arms.append(q.where(_matches(kind, plan.window.c, q_ts)).limit(limit))
    if narrow is not None:
        # the desk's own items (a few thousand), newest first, matched one by one until `limit`
        # match: OFFSET 0 keeps Postgres from matching them all before it orders them
        mine = select(m.id, at.label("at"), m.search_keys).where(m.id.in_(narrow), *where)
        mine = mine.order_by(*order).offset(0).subquery()
        q = select(literal(kind).label("kind"), mine.c.id, mine.c.at)
        plan.arms.append(q.where(_matches(kind, mine.c, q_ts)).limit(limit))
    return plan


@dataclass
class Shape:
    """A user's plans for one shape of search (filters, paging, which kinds are rare), with
    their arms compiled once into one statement (SQL and its fixed parameters)."""

    plans: list[Plan]
    sql: str
    params: dict


#: shapes built, per process (a user's charges are part of the key: a new charge, a new shape)
_SHAPES = Kept(1000)


def _shape(actor: Actor, query: Query, f: Filters, a_kind, s) -> Shape:
    kinds = tuple(
        (kind, SPECS[kind].by_file or (not query.short_last and _estimate(s, kind, query) <= RARE))
        for kind in KINDS
        if _offered(kind, f)
    )
    who = (actor.id, actor.role, actor.office_id, tuple(actor.post_ids), tuple(actor.section_ids))
    key = (who, astuple(f), a_kind, kinds, PAGE_SIZE, WINDOW)
    shape = _SHAPES.get(key)
    if shape is None:
        plans = [_plan(actor, kind, rare, f, a_kind, PAGE_SIZE + 1) for kind, rare in kinds]
        arms = [a for p in plans for a in p.arms]
        compiled = union(*(a.subquery().select() for a in arms)).compile(
            dialect=s.get_bind().dialect, compile_kwargs={"render_postcompile": True}
        )
        shape = _SHAPES.keep(key, Shape(plans, compiled.string, dict(compiled.params)))
    return shape


def _found(shape: Shape, values: dict, limit: int, s) -> list:
    """(kind, id, at) of every kind's visible matches, at most `limit` of each, newest first:
    every plan's arms in one statement; a walked window that gave fewer than a page and was
    full is answered by the matches-first plan after all."""

    def kept(rows) -> dict[str, list]:
        by_kind: dict[str, list] = {}
        for r in rows:
            by_kind.setdefault(r.kind, []).append(r)
        return {k: sorted(v, key=lambda r: (r.at, r.id), reverse=True)[:limit]
                for k, v in by_kind.items()}  # fmt: skip

    _within_time(s)
    found = kept(s.connection().exec_driver_sql(shape.sql, {**shape.params, **values}))
    short = [p for p in shape.plans if p.window is not None and len(found.get(p.kind, ())) < limit]
    if short:
        _within_time(s)
        counts = s.execute(select(*(
            select(func.count()).select_from(p.window).scalar_subquery() for p in short)),
            values).one()  # fmt: skip
        again = [p.first() for p, n in zip(short, counts, strict=True) if n >= WINDOW]
        if again:
            _within_time(s)
            found.update(kept(s.execute(union(*(a.subquery().select() for a in again)), values)))
    return [r for rows in found.values() for r in rows]


#: each kind's key columns whose statistics bound how many of its items a query matches
#: (a file: its own keys and its notes')
_COUNTED = {"file": ("efile", "note"), "receipt": ("receipt",)}


class Shares:
    """One key column's statistics as Postgres keeps them (pg_stats: its most common keys with
    the share of rows holding each, for a sample of rows) and the table's rows."""

    def __init__(self, rows: float, keys: list[str] | None, shares: list[float] | None,
                 capacity: int) -> None:  # fmt: skip
        pairs = sorted(zip(keys or [], shares or [], strict=False))
        self.rows = rows
        self.keys = [k for k, _ in pairs]
        self.shares = [v for _, v in pairs]
        self.exact = dict(pairs)
        # a key not among them is rarer than the least common one kept; when the list is not
        # full, every key the sample held often enough is in it, and a key not in it is
        # taken as absent (Postgres assumes half the least common one: for a district's small
        # vocabulary 25,000 notes for a word no note has, which sent rare words the slow way)
        full = len(pairs) >= capacity
        self.absent = min(self.shares) if full and self.shares else 0.0

    def __call__(self, key: str, prefix: bool) -> float:
        if not prefix:
            return self.exact.get(key, self.absent)
        lo = bisect_left(self.keys, key)
        hi = bisect_left(self.keys, key + "\uffff")
        return sum(self.shares[lo:hi]) + self.absent


#: the key columns' statistics per process, read again after STATS_TTL seconds
STATS_TTL = 600.0
_STATS: dict[str, Shares] = {}
_STATS_READ = [float("-inf")]

_STATS_SQL = """
SELECT c.relname, greatest(c.reltuples, 0), st.most_common_elems::text::text[],
       st.most_common_elem_freqs,
       10 * coalesce(nullif(a.attstattarget, -1), current_setting('default_statistics_target')::int)
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'search_keys'
LEFT JOIN pg_stats st ON st.schemaname = current_schema() AND st.tablename = c.relname
     AND st.attname = 'search_keys'
WHERE c.relnamespace = current_schema()::regnamespace AND c.relname IN ('efile', 'note', 'receipt')
"""


def _estimate(s, kind: str, query: Query) -> float:
    """How many of the kind's items the query matches at most, from Postgres's statistics of
    the key columns (kept per process; no statement most of the time)."""
    now = time.monotonic()
    if now - _STATS_READ[0] > STATS_TTL:
        _STATS.clear()
        for table, rows, keys, shares, capacity in s.execute(sql_text(_STATS_SQL)):
            # the last three numbers are the least and greatest share and the empty rows'
            _STATS[table] = Shares(rows, keys, (shares or [])[: len(keys or [])], capacity)
        _STATS_READ[0] = now
    return sum(_STATS[t].rows * query.share(_STATS[t]) for t in _COUNTED[kind] if t in _STATS)


def by_number(actor: Actor, q: str, s) -> list[tuple[str, int]]:
    """Items whose number is exactly what was typed (file, diary or dispatch number), visible."""
    n = as_number(q)
    if len(n) > 120 or not any(c.isdigit() for c in n):
        return []
    # numbers are unique per office: naming the district's offices lets Postgres use the
    # (office, number) indexes (lower(number) over every file took seconds at 1M files)
    offices = select(Office.id).where(Office.district_id == actor.user.office.district_id)
    # an old paper file brought in as scans is found by the number it had on paper
    found = [("file", i) for i in s.scalars(
        select(File.id).where(File.office_id.in_(offices), File.legacy_number == n,
                              openable(actor, File)))]  # fmt: skip
    if "/" not in n:
        return found
    found += [("file", i) for i in s.scalars(
        select(File.id).where(File.office_id.in_(offices), File.number == n,
                              openable(actor, File)))]  # fmt: skip
    found += [("receipt", i) for i in s.scalars(
        select(Receipt.id).where(Receipt.office_id.in_(offices), Receipt.diary_number == n,
                                 openable(actor, Receipt)))]  # fmt: skip
    found += [("dispatch", i) for i in s.scalars(
        select(Dispatch.id).join(File, File.id == Dispatch.file_id)
        .where(Dispatch.office_id.in_(offices), Dispatch.number == n,
               openable(actor, File)))]  # fmt: skip
    return found


class TooBroad(Exception):
    """The search ran past its time limit (SEARCH_TIMEOUT_MS, for all its statements together):
    the user is asked to add a word or a filter (a worker is never held longer than the limit)."""


def search(
    actor: Actor,
    q: str,
    f: Filters,
    after: tuple | None = None,
    s=None,
    *,
    timeout_ms: int | None = None,
) -> tuple[list[Hit], bool, list[str]]:
    """(the page's hits, newest first; whether more come after them; the query's keys).
    `after`: the last hit of the page before (at, kind, id), from `cursor_of`."""  # fmt: skip
    s = s or db.session
    query = parse(q, s)
    if not query:
        return [], False, []
    if timeout_ms:
        from sqlalchemy.exc import OperationalError

        token = _DEADLINE.set(time.monotonic() + timeout_ms / 1000)
        try:
            # a savepoint: a search cut short undoes itself, not the caller's transaction
            with s.begin_nested():
                found = _search(actor, f, after, s, query)
                s.execute(sql_text("SET LOCAL statement_timeout TO DEFAULT"))  # the page's own
                return found
        except OperationalError as e:
            if "statement timeout" not in str(e) and "canceling statement" not in str(e):
                raise
            raise TooBroad from e
        finally:
            _DEADLINE.reset(token)
    return _search(actor, f, after, s, query)


#: when the running search must have ended (time.monotonic()); None: no limit
_DEADLINE: ContextVar[float | None] = ContextVar("search_deadline", default=None)


#: what is left of the search's time, and no parallel workers: a search is one user of many,
#: and Postgres's workers cost more CPU than they saved (a rare word at 1M files: the note arm
#: planned parallel for an estimate of 112,000 matches, found none; the machine spent 30.5 ms
#: a search with them, 22.6 without; docs/performance.md)
_LIMITS = sql_text(
    "SELECT set_config('statement_timeout', :left, true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)


def _within_time(s) -> None:
    """Before each of a search's statements: what is left of the search's time as Postgres's
    statement timeout (the search as a whole is held to the limit, not each statement)."""
    end = _DEADLINE.get()
    if end is None:
        return
    left = int((end - time.monotonic()) * 1000)
    if left < 1:
        raise TooBroad
    s.execute(_LIMITS, {"left": str(left)})


def _search(actor: Actor, f: Filters, after, s, query: Query):
    rank = {k: n for n, k in enumerate(KINDS)}
    shape = _shape(actor, query, f, after[1] if after else None, s)
    tsquery = query.tsquery()
    values = {"eo_q": tsquery}
    if after:
        values.update(eo_after_at=after[0], eo_after_id=after[2])
    rows = _found(shape, values, PAGE_SIZE + 1, s)
    rows.sort(key=lambda r: (-r.at.timestamp(), rank[r.kind], -r.id))
    more = len(rows) > PAGE_SIZE
    hits = _load([(r.kind, r.id) for r in rows[:PAGE_SIZE]], s)
    _mark(hits, query, tsquery, s)
    return hits, more, query.keys


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def cursor_of(h: Hit) -> str:
    """The next page's `after`: the page's last hit as "at~kind~id" (at in microseconds)."""
    return f"{(h.at - _EPOCH) // _MICRO}~{h.kind}~{h.id}"


def parse_cursor(value: str | None) -> tuple | None:
    """`after` from the URL, or None for anything that is not one (never an error)."""
    parts = (value or "").split("~")
    if len(parts) != 3 or parts[1] not in KINDS:
        return None
    try:
        stamp, item_id = int(parts[0]), int(parts[2])
    except ValueError:
        return None
    if not (0 <= stamp < 10**17 and 0 < item_id < 2**31):  # up to the year 5138
        return None
    return _EPOCH + stamp * _MICRO, parts[1], item_id


def _ids_by_kind(pairs) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {k: [] for k in KINDS}
    for kind, i in pairs:
        ids[kind].append(i)
    return ids


def _load(rows, s) -> list[Hit]:
    from flask import url_for

    ids = _ids_by_kind(rows)
    objs: dict[tuple[str, int], Hit] = {}
    # plain rows, not objects: four columns of twenty files and receipts
    from eoffice.platform.items import item_url

    files = select(File.id, File.number, File.subject, File.created_at)
    for i, number, subject, at in (
        s.execute(files.where(File.id.in_(ids["file"]))) if ids["file"] else ()
    ):
        objs["file", i] = Hit("file", i, number, subject, item_url("file", i), at)
    receipts = select(Receipt.id, Receipt.diary_number, Receipt.subject, Receipt.created_at)
    for i, number, subject, at in (
        s.execute(receipts.where(Receipt.id.in_(ids["receipt"]))) if ids["receipt"] else ()
    ):
        objs["receipt", i] = Hit("receipt", i, number, subject, item_url("receipt", i), at)
    letters = select(LetterDraft).where(LetterDraft.id.in_(ids["letter"]))
    letters = letters.options(selectinload(LetterDraft.versions), joinedload(LetterDraft.file))
    for d in s.scalars(letters) if ids["letter"] else ():
        latest = max(d.versions, key=lambda v: v.number)
        objs["letter", d.id] = Hit(
            "letter", d.id, d.dispatch_number or f"{d.file.number} ({d.serial})", latest.subject,
            url_for("letters.show", file_id=d.file_id, serial=d.serial), d.created_at,
        )  # fmt: skip
    dispatches = select(Dispatch).where(Dispatch.id.in_(ids["dispatch"]))
    for d in s.scalars(dispatches.options(joinedload(Dispatch.draft))) if ids["dispatch"] else ():
        objs["dispatch", d.id] = Hit(
            "dispatch", d.id, d.number, d.subject,
            url_for("dispatch.issue", file_id=d.file_id, serial=d.draft.serial), d.issued_at,
        )  # fmt: skip
    return [objs[(kind, i)] for kind, i in rows if (kind, i) in objs]


def _texts_for_snippets(hits: list[Hit], tsquery: str, s) -> dict[tuple[str, int], str]:
    """The text to show a piece of, for every hit at once (one query per kind, not per hit):
    a file's first final note with the words, a receipt's OCR text, a letter's latest body."""
    q_ts = func.to_tsquery("simple", tsquery)
    ids = _ids_by_kind((h.kind, h.id) for h in hits)
    texts: dict[tuple[str, int], str] = {}
    if ids["file"]:
        notes = (
            select(Note.file_id, Note.body)
            .ext(distinct_on(Note.file_id))
            .where(
                Note.file_id.in_(ids["file"]),
                Note.status == "final",
                Note.search_keys.op("@@")(q_ts),
            )
            .order_by(Note.file_id, Note.paragraph)
        )
        texts.update((("file", i), body) for i, body in s.execute(notes))
    if ids["receipt"]:
        ocr = select(Receipt.id, Receipt.ocr_text).where(Receipt.id.in_(ids["receipt"]))
        texts.update((("receipt", i), body) for i, body in s.execute(ocr))
    if ids["letter"]:
        bodies = (
            select(LetterVersion.draft_id, LetterVersion.body)
            .ext(distinct_on(LetterVersion.draft_id))
            .where(LetterVersion.draft_id.in_(ids["letter"]))
            .order_by(LetterVersion.draft_id, LetterVersion.number.desc())
        )
        texts.update((("letter", i), body) for i, body in s.execute(bodies))
    return {k: v or "" for k, v in texts.items()}


WORD = re.compile(r"\w[\w\u0900-\u097f\u200c\u200d]*")


def _mark(hits: list[Hit], query: Query, tsquery: str, s) -> None:
    """Each hit's snippet: a dozen words around the first match (in the title when the title
    matches), the matching words marked. Words are keyed by Postgres, in one query."""
    words: set[str] = set()
    pieces: dict[int, list[str]] = {}
    texts = _texts_for_snippets(hits, tsquery, s)
    for n, h in enumerate(hits):
        extra = texts.get((h.kind, h.id), "")[:20000]
        pieces[n] = [h.title, extra]
        for t in pieces[n]:
            words.update(WORD.findall(t[:20000]))
    if not words:
        return
    keyed = _keys_of(sorted(words), s)
    exact, prefixes = set(query.keys), tuple(query.prefixes)
    # each word judged once (a page's snippets have about a thousand words, mostly repeated)
    marked = {
        w: any(part in exact or part.startswith(prefixes) for part in k.split())
        for w, k in keyed.items()
    }

    def matches(w: str) -> bool:
        return marked.get(w, False)

    for n, h in enumerate(hits):
        title, extra = pieces[n]
        h.snippet = _spans(title, matches, whole=True)
        if extra and not any(matches(w) for w in WORD.findall(title)):
            h.found_in = [("… ", False), *_spans(extra, matches, whole=False), (" …", False)]


#: words already keyed by Postgres (eo_key is IMMUTABLE: a word's key never changes); a
#: snippet's words repeat from search to search, and keying them was a tenth of a search's time
_KEYED: dict[str, str] = {}
_KEYED_MAX = 50_000


def _keys_of(words: list[str], s) -> dict[str, str]:
    missing = [w for w in words if w not in _KEYED]
    if missing:
        rows = s.execute(
            sql_text("SELECT w, eo_key(w) FROM unnest(CAST(:ws AS text[])) AS w"), {"ws": missing}
        ).all()
        if len(_KEYED) + len(rows) > _KEYED_MAX:
            _KEYED.clear()
        _KEYED.update((w, k or "") for w, k in rows)
    return {w: _KEYED.get(w, "") for w in words}


def _spans(text: str, matches, *, whole: bool) -> list[tuple[str, bool]]:
    """The text (or 24 words around its first match) as (piece, marked) pairs."""
    found = list(WORD.finditer(text))
    if not whole:
        first = next((i for i, m in enumerate(found) if matches(m.group())), 0)
        lo, hi = max(0, first - 8), min(len(found), first + 16)
        if found:
            text = text[found[lo].start() : found[hi - 1].end()]
            found = list(WORD.finditer(text))
    out, pos = [], 0
    for m in found:
        if matches(m.group()):
            out.append((text[pos : m.start()], False))
            out.append((m.group(), True))
            pos = m.end()
    out.append((text[pos:], False))
    return [(p, mark) for p, mark in out if p]


def kind_names() -> dict[str, str]:
    """The kinds as the page names them (a Jinja global: the htmx fragment needs it too)."""
    from flask_babel import gettext as _

    from eoffice.web.i18n import term

    return {"file": term("file"), "receipt": _("Receipt"), "letter": _("Letter"),
            "dispatch": _("Dispatch")}  # fmt: skip

"""Recording, the record room, and weeding (CSMOP 2022 ch. 10). Services flush only.

suggestion(office, head)                 what the schedule says for a file of this head
close_and_record(actor, f, ...)          close a file and record it (A, B, or C with years)
room(actor, ...)                         the record room register (due for review: a filter)
keep(actor, f, years) / propose(actor, f, reason)      the record keeper's review
decide(actor, w, approve, remark)        the approver's decision; approval destroys
blockers(f)                              the open markings that keep a file from weeding
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import joinedload

from eoffice.dispatch.models import Dispatch
from eoffice.documents.models import Document
from eoffice.files import services as files
from eoffice.files.models import (
    Correspondence,
    File,
    LetterDraft,
    LetterVersion,
    Note,
    NoteCitation,
    SubjectHead,
)
from eoffice.mailroom.models import MailAttachment, MailDraft
from eoffice.movement.models import Movement
from eoffice.org.models import Office, Post
from eoffice.platform import audit, storage
from eoffice.platform.clock import local_date, now, today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import advisory_lock, lock_row
from eoffice.policy import Actor, openable
from eoffice.receipts.models import Receipt
from eoffice.records.models import HOLDING_KINDS, Marking, RetentionRule, Weeding
from eoffice.signing.models import NotePdf, Signature, SigningSession

#: The schedule an office starts with, by subject head code: the standard heads of the
#: Record Retention Schedule for records common to all Ministries/Departments (DARPG, with
#: CSMOP 2022 ch. 10) and of the UP revenue and land records manuals, as a district office
#: names them. (category, years); what it does not name is suggested as FALLBACK.
DEFAULT_SCHEDULE: dict[str, tuple[str, int | None]] = {
    # land records, maps, mutation and settlement: permanent, to be digitised
    "भू-अभि": ("A", None),
    # arms licences: kept for the licensee's life, renewed; permanent without digitisation
    "शस्त्र-लाइ": ("B", None),
    # establishment (appointments, service matters): ten years
    "स्था": ("C", 10),
    # revenue recovery (वसूली): ten years after recovery, for audit
    "वसूली": ("C", 10),
    # public grievances: three years after disposal
    "शिका": ("C", 3),
    # general correspondence: three years
    "सामा": ("C", 3),
}
FALLBACK: tuple[str, int | None] = ("C", 5)
#: the longest a file may be kept before its next review when the record keeper keeps it
MAX_YEARS = 10


@dataclass(frozen=True)
class Suggestion:
    category: str
    years: int | None
    #: who approves weeding a file of this head
    approver: Post | None
    #: from the office's own schedule (else the default one)
    own: bool


def label(category: str | None, years: int | None) -> str:
    """How a record category is written on the file's cover: A, B, C-3."""
    return f"{category}-{years}" if category == "C" and years else (category or "")


def default_approver(office: Office) -> Post | None:
    """The office's senior post that may approve (the head of office)."""
    return db.session.scalar(
        select(Post)
        .where(Post.office_id == office.id, Post.may_approve, Post.is_active)
        .order_by(Post.rank, Post.id)
        .limit(1)
    )


def rule_for(office_id: int, head_id: int) -> RetentionRule | None:
    return db.session.scalar(
        select(RetentionRule).where(
            RetentionRule.office_id == office_id, RetentionRule.head_id == head_id
        )
    )


def suggestion(office: Office, head: SubjectHead) -> Suggestion:
    rule = rule_for(office.id, head.id)
    if rule is not None:
        return Suggestion(
            rule.category, rule.years, rule.approver_post or default_approver(office), True
        )
    category, years = DEFAULT_SCHEDULE.get(head.code, FALLBACK)
    return Suggestion(category, years, default_approver(office), False)


def schedule(office: Office) -> list[tuple[SubjectHead, Suggestion]]:
    heads = db.session.scalars(
        select(SubjectHead)
        .where(SubjectHead.office_id == office.id, SubjectHead.retired_at.is_(None))
        .order_by(SubjectHead.code)
    )
    return [(h, suggestion(office, h)) for h in heads]


def check_category(category: str, years: int | None) -> tuple[str, int | None]:
    if category not in ("A", "B", "C"):
        raise Refused("category")
    if category != "C":
        return category, None
    if years is None or not 1 <= years <= MAX_YEARS:
        raise Refused("years")
    return category, years


def set_rule(
    actor: Actor, office: Office, head: SubjectHead, category: str, years: int | None, approver
) -> RetentionRule:
    """The admin's entry in the schedule for one head."""
    category, years = check_category(category, years)
    if head.office_id != office.id or (approver is not None and approver.office_id != office.id):
        raise Refused("other_office")
    rule = rule_for(office.id, head.id) or RetentionRule(office_id=office.id, head_id=head.id)
    rule.category, rule.years = category, years
    rule.approver_post_id = approver.id if approver is not None else None
    rule.updated_at = now()
    db.session.add(rule)
    db.session.flush()
    audit.record(
        "set_retention",
        user_id=actor.id,
        post_id=actor.post.id if actor.post else None,
        object_type="office",
        object_id=office.id,
        head=head.code,
        category=category,
        years=years,
        approver_post_id=rule.approver_post_id,
    )
    return rule


def _record(actor: Actor, f: File, category: str, years: int | None, post_id: int | None) -> File:
    """Record the closed file (audited as done by `actor` for `post_id`)."""
    f.record_category, f.retention_years = category, years
    f.recorded_at = now()
    f.review_year = today().year + years if years else None
    db.session.flush()
    audit.record_on(actor, f, "record_file", post_id, category=category, years=years,
                    review_year=f.review_year)  # fmt: skip
    return f


def close_and_record(actor: Actor, f: File, category: str, years: int | None, remark: str) -> File:
    """Close the file (its creator or the section officer, holding it) and record it: the
    closing remark is the reason kept with the file's history."""
    category, years = check_category(category, years)
    change = files.change_status(actor, f, "closed", remark)
    return _record(actor, f, category, years, change.post_id)


# --- who works in the record room ---------------------------------------------------------


def keeps_records(actor: Actor, office: Office | None = None) -> bool:
    """The record keeper: whoever acts for the office's record keeper post now."""
    office = office or actor.office
    return office is not None and actor.holds(office.record_post_id)


def may_see_room(actor: Actor) -> bool:
    return actor.office is not None and (keeps_records(actor) or actor.can("give_tasks"))


def _room_filter(actor: Actor):
    """The record keeper sees every recorded file of the office (a confidential one without its
    subject); anyone else the recorded files they may open."""
    base = and_(File.office_id == actor.office.id, File.record_category.is_not(None))
    if keeps_records(actor):
        return base
    return and_(base, openable(actor, File))


def room(
    actor: Actor, *, due_by: int | None = None, category: str | None = None, limit: int = 5000
) -> list[File]:
    """The record room register: recorded (not weeded) files, the oldest review first."""
    q = select(File).where(_room_filter(actor), File.status == "closed")
    if due_by is not None:
        q = q.where(File.review_year <= due_by)
    if category:
        q = q.where(File.record_category == category)
    q = q.order_by(File.review_year.nulls_last(), File.recorded_at, File.id).limit(limit)
    return list(db.session.scalars(q.options(joinedload(File.head), joinedload(File.section))))


def unrecorded(actor: Actor, limit: int = 200) -> list[File]:
    """Files closed before recording existed (or by an import): the record keeper records them."""
    if not keeps_records(actor):
        return []
    return list(
        db.session.scalars(
            select(File)
            .where(
                File.office_id == actor.office.id,
                File.status == "closed",
                File.record_category.is_(None),
            )
            .order_by(File.id)
            .limit(limit)
        )
    )


def record_closed(actor: Actor, f: File, category: str, years: int | None) -> File:
    """The record keeper records a file that was closed without a category."""
    if not keeps_records(actor, f.office):
        raise Refused("not_keeper")
    f = lock_row(f)
    if f.status != "closed" or f.record_category is not None:
        raise Refused("not_closed")
    category, years = check_category(category, years)
    return _record(actor, f, category, years, actor.office.record_post_id)


# --- markings that hold a file ------------------------------------------------------------


def _placed_receipts(file_ids: list[int]):
    return select(Correspondence.receipt_id).where(
        Correspondence.file_id.in_(file_ids), Correspondence.receipt_id.is_not(None)
    )


def _family(f: File) -> list[int]:
    """The file and its merged part files (they go with it)."""
    parts = db.session.scalars(select(File.id).where(File.part_of_id == f.id)).all()
    return [f.id, *parts]


def blockers(f: File) -> list[Marking]:
    """Open court cases, audit paras and RTI applications on the file (or a part of it) or on
    a receipt placed in it."""
    ids = _family(f)
    return list(
        db.session.scalars(
            select(Marking)
            .where(
                Marking.kind.in_(HOLDING_KINDS),
                Marking.closed_on.is_(None),
                or_(Marking.file_id.in_(ids), Marking.receipt_id.in_(_placed_receipts(ids))),
            )
            .order_by(Marking.opened_on, Marking.id)
        )
    )


def markings(f: File) -> list[Marking]:
    return list(
        db.session.scalars(
            select(Marking)
            .where(or_(Marking.file_id == f.id, Marking.receipt_id.in_(_placed_receipts([f.id]))))
            .order_by(Marking.closed_on.is_not(None), Marking.opened_on.desc(), Marking.id)
        )
    )


# --- review and weeding -------------------------------------------------------------------


def approver_of(f: File) -> Post | None:
    return suggestion(f.office, f.head).approver


def _under_review(actor: Actor, f: File) -> File:
    if not keeps_records(actor, f.office):
        raise Refused("not_keeper")
    f = lock_row(f)
    if f.status != "closed" or f.record_category is None:
        raise Refused("not_recorded")
    return f


def keep(actor: Actor, f: File, years: int, reason: str) -> File:
    """On review: keep the file for `years` more, to be reviewed again then."""
    f = _under_review(actor, f)
    if f.record_category != "C":
        raise Refused("permanent")
    if not 1 <= years <= MAX_YEARS:
        raise Refused("years")
    if not reason:
        raise Refused("no_reason")
    if open_proposal(f) is not None:
        raise Refused("proposed")
    before = f.review_year
    f.review_year = today().year + years
    db.session.flush()
    audit.record_on(actor, f, "keep_record", actor.office.record_post_id, review_year=f.review_year,
                    before=before, reason=reason[:200])  # fmt: skip
    return f


def open_proposal(f: File) -> Weeding | None:
    return db.session.scalar(
        select(Weeding).where(Weeding.file_id == f.id, Weeding.status == "proposed")
    )


def weeding_refusal(f: File) -> Refused | None:
    """Why this recorded file cannot be weeded now (None: it can)."""
    if f.record_category in ("A", "B"):
        return Refused("permanent", category=f.record_category)
    if f.part_of_id is not None:
        return Refused("part")
    if db.session.scalar(select(exists().where(File.part_of_id == f.id, File.merged_at.is_(None)))):
        return Refused("open_part")
    if f.review_year is None or f.review_year > today().year:
        return Refused("not_due", year=f.review_year)
    held = blockers(f)
    if held:
        return Refused("held", markings=held)
    return None


def propose(actor: Actor, f: File, reason: str) -> Weeding:
    f = _under_review(actor, f)
    if not reason:
        raise Refused("no_reason")
    refusal = weeding_refusal(f)
    if refusal is not None:
        raise refusal
    if open_proposal(f) is not None:
        raise Refused("proposed")
    approver = approver_of(f)
    if approver is None:
        raise Refused("no_approver")
    w = Weeding(
        office_id=f.office_id, file_id=f.id, status="proposed", number=f.number,
        subject=f.subject, category=f.record_category, retention_years=f.retention_years,
        opened_on=local_date(f.created_at), recorded_on=local_date(f.recorded_at),
        review_year=f.review_year, reason=reason[:1000], proposed_by_id=actor.id,
        proposed_post_id=actor.office.record_post_id, approver_post_id=approver.id,
    )  # fmt: skip
    db.session.add(w)
    db.session.flush()
    audit.record_on(actor, f, "propose_weeding", w.proposed_post_id, weeding_id=w.id,
                    approver_post_id=approver.id)  # fmt: skip
    return w


def proposals(actor: Actor) -> list[Weeding]:
    """Proposals the actor may decide, then (for the record keeper) the office's others."""
    if actor.office is None:
        return []
    q = select(Weeding).where(Weeding.status == "proposed")
    if keeps_records(actor):
        q = q.where(Weeding.office_id == actor.office.id)
    else:
        q = q.where(Weeding.approver_post_id.in_(actor.post_ids or [0]))
    return list(db.session.scalars(q.order_by(Weeding.proposed_at, Weeding.id)))


def may_decide(actor: Actor, w: Weeding) -> bool:
    return w.status == "proposed" and actor.holds(w.approver_post_id)


def decide(actor: Actor, w: Weeding, approve: bool, remark: str) -> Weeding:
    """The approver's decision. Approval destroys the file's content now, in this transaction
    (its stored files once it commits)."""
    w = lock_row(w)
    if not actor.holds(w.approver_post_id):
        raise Refused("not_approver")
    if w.status != "proposed":
        raise Refused("decided")
    f = lock_row(w.file)
    if approve:
        if f.status != "closed" or f.record_category != "C":
            raise Refused("not_recorded")
        refusal = weeding_refusal(f)
        if refusal is not None:
            raise refusal
    elif not remark:
        raise Refused("no_remark")
    w.decided_by_id, w.decided_post_id, w.decided_at = actor.id, w.approver_post_id, now()
    w.decision_remark = remark[:1000] or None
    if not approve:
        w.status = "refused"
        db.session.flush()
        audit.record_on(actor, f, "refuse_weeding", w.approver_post_id, weeding_id=w.id)
        return w
    advisory_lock(f"destruction-register:{w.office_id}")
    w.entry_no = (
        db.session.scalar(
            select(func.max(Weeding.entry_no)).where(Weeding.office_id == w.office_id)
        )
        or 0
    ) + 1
    w.status = "approved"
    db.session.flush()  # the triggers let the notes and letter versions go only after this
    counts = _destroy(f)
    w.notes_destroyed, w.letters_destroyed, w.items_destroyed, w.stored_destroyed = counts
    db.session.flush()
    audit.record_on(actor, f, "weed_file", w.approver_post_id, weeding_id=w.id,
                    entry_no=w.entry_no, destroyed=list(counts))  # fmt: skip
    return w


def _destroy(f: File) -> tuple[int, int, int, int]:
    """Delete the file's (and its merged parts') notes, unissued letters, correspondence and
    the letters of the receipts placed in it; keep the file's row (number, subject, movements)
    as status "weeded". Letters already issued stay with the dispatch register (its own record:
    the addressee holds them and the public verification page checks them)."""
    ids = _family(f)
    stored: set[str] = set()
    notes = select(Note.id).where(Note.file_id.in_(ids))
    issued = select(Dispatch.draft_id).where(Dispatch.file_id.in_(ids))
    drafts = select(LetterDraft.id).where(
        LetterDraft.file_id.in_(ids), LetterDraft.id.not_in(issued)
    )
    s = db.session
    stored.update(s.scalars(select(NotePdf.pdf_sha256).where(NotePdf.note_id.in_(notes))))
    stored.update(
        s.scalars(
            select(Signature.pdf_sha256).where(
                or_(Signature.note_id.in_(notes), Signature.draft_id.in_(drafts))
            )
        )
    )
    stored.update(
        sha
        for sha in s.scalars(select(LetterDraft.pdf_sha256).where(LetterDraft.id.in_(drafts)))
        if sha
    )
    placed = list(s.scalars(_placed_receipts(ids)))
    doc_ids = set(
        s.scalars(
            select(Correspondence.document_id).where(
                Correspondence.file_id.in_(ids), Correspondence.document_id.is_not(None)
            )
        )
    )
    if placed:
        doc_ids.update(
            s.scalars(
                select(Receipt.document_id).where(
                    Receipt.id.in_(placed), Receipt.document_id.is_not(None)
                )
            )
        )
    n_notes = s.scalar(select(func.count()).select_from(notes.subquery())) or 0
    n_letters = s.scalar(select(func.count()).select_from(drafts.subquery())) or 0
    n_items = s.scalar(
        select(func.count()).where(Correspondence.file_id.in_(ids))
    ) or 0  # fmt: skip
    s.execute(delete(NoteCitation).where(NoteCitation.note_id.in_(notes)))
    s.execute(delete(NotePdf).where(NotePdf.note_id.in_(notes)))
    for target in (Signature, SigningSession):
        s.execute(delete(target).where(or_(target.note_id.in_(notes), target.draft_id.in_(drafts))))
    s.execute(delete(Note).where(Note.file_id.in_(ids)))
    s.execute(delete(LetterVersion).where(LetterVersion.draft_id.in_(drafts)))
    s.execute(delete(LetterDraft).where(LetterDraft.id.in_(drafts)))
    s.execute(delete(Correspondence).where(Correspondence.file_id.in_(ids)))
    if placed:
        s.execute(
            update(Receipt)
            .where(Receipt.id.in_(placed))
            .values(document_id=None, ocr_text=None, weeded_at=now())
        )
        # a receipt that came by email: the email as it came, its text and its attachments
        mails = select(MailDraft.id).where(MailDraft.receipt_id.in_(placed))
        stored.update(
            sha
            for sha in s.scalars(
                select(MailDraft.raw_sha256)
                .where(MailDraft.id.in_(mails))
                .union_all(select(MailAttachment.sha256).where(MailAttachment.draft_id.in_(mails)))
            )
            if sha
        )
        s.execute(delete(MailAttachment).where(MailAttachment.draft_id.in_(mails)))
        s.execute(
            update(MailDraft)
            .where(MailDraft.id.in_(mails))
            .values(raw_sha256=None, body=None, ocr_text=None)
            .execution_options(synchronize_session=False)
        )
    # what was written on the way (a movement's remarks) goes too; who held it when stays
    s.execute(update(Movement).where(Movement.file_id.in_(ids)).values(remarks=None))
    if doc_ids:
        still_used = select(Receipt.document_id).where(Receipt.document_id.in_(doc_ids))
        also = select(Correspondence.document_id).where(Correspondence.document_id.in_(doc_ids))
        gone = list(
            s.scalars(
                select(Document).where(
                    Document.id.in_(doc_ids), Document.id.not_in(still_used),
                    Document.id.not_in(also),
                )
            )
        )  # fmt: skip
        for d in gone:
            stored.update(filter(None, [d.sha256, d.original_sha256, *(d.preview_sha256 or [])]))
            s.delete(d)
    s.execute(
        update(File)
        .where(File.id.in_(ids))
        .values(
            status="weeded",
            record_category="C",
            retention_years=f.retention_years,
            review_year=f.review_year,
            recorded_at=func.coalesce(File.recorded_at, f.recorded_at),
        )  # fmt: skip
        .execution_options(synchronize_session=False)
    )
    s.flush()
    s.expire(f)
    for sha in stored:
        storage.release_after_commit(sha)
    return n_notes, n_letters, n_items, len(stored)


def destruction_register(actor: Actor, limit: int = 5000) -> list[Weeding]:
    if actor.office is None:
        return []
    return list(
        db.session.scalars(
            select(Weeding)
            .where(Weeding.office_id == actor.office.id, Weeding.status == "approved")
            .order_by(Weeding.entry_no)
            .limit(limit)
            .options(
                joinedload(Weeding.proposed_by),
                joinedload(Weeding.decided_by),
                joinedload(Weeding.proposed_post),
                joinedload(Weeding.decided_post),
            )  # fmt: skip
        )
    )


def weeding_of(f: File) -> Weeding | None:
    return db.session.scalar(
        select(Weeding).where(Weeding.file_id == f.id, Weeding.status == "approved")
    )

"""भौतिक पत्रावली पंजी: paper that still moves. A file's paper volume (a paper file, or the
paper part of an e-file) is registered by its holder and gets a cover label (QR, number,
subject; a sheet of labels as a PDF); whoever it is handed to records it by scanning the QR
with a phone (the page of the file's paper: "मेरे द्वारा प्राप्त") or by typing the number.
Its track shows these hand-overs with the electronic movements. Services flush."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eoffice.files.models import File
from eoffice.movement.models import Movement, PaperMove
from eoffice.org.models import Office, Post
from eoffice.platform import audit
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import lock_row
from eoffice.platform.pdftext import write_pdf
from eoffice.policy import Actor

REFUSED = {
    "not_holder": _l("Only the file's holder registers its paper volume."),
    "registered": _l("Its paper volume is already registered: print its label again if needed."),
    "not_registered": _l(
        "This file's paper volume is not registered yet: its holder registers it and prints "
        "its label."
    ),
    "no_post": _l("You hold no post, so nothing can be received by you."),
    "elsewhere": _l("This paper file belongs to another district."),
    "weeded": _l("This file was weeded: its paper volume was destroyed."),
}

#: labels on one A4 sheet (2 across, 6 down)
PER_SHEET = 12
#: labels printed at once
MAX_LABELS = 240


def _same_district(actor: Actor, f: File) -> bool:
    return actor.office is not None and f.office.district_id == actor.office.district_id


def may_see(actor: Actor, f: File) -> bool:
    """The paper page (number, where the paper is) is for the district's staff: the peon or
    clerk it is handed to may not be allowed to open the e-file itself."""
    return _same_district(actor, f)


def register(actor: Actor, f: File) -> PaperMove:
    f = lock_row(f)
    if f.status == "weeded":
        raise Refused("weeded")
    if actor.charge_for(f.holder_post_id) is None:
        raise Refused("not_holder")
    if f.paper_post_id is not None:
        raise Refused("registered")
    f.paper_post_id = f.holder_post_id
    move = PaperMove(
        file_id=f.id, from_post_id=None, to_post_id=f.holder_post_id, by_user_id=actor.id,
        how="registered",
    )  # fmt: skip
    db.session.add(move)
    db.session.flush()
    audit.record_on(actor, f, "paper_register", f.holder_post_id, paper_move_id=move.id)
    return move


def receive(actor: Actor, f: File, how: str) -> PaperMove | None:
    """The paper volume is now with the user's current post. None: it was already there (a
    second scan, a double click): nothing is recorded twice."""
    if actor.post is None:
        raise Refused("no_post")
    if not _same_district(actor, f):
        raise Refused("elsewhere")
    f = lock_row(f)
    if f.status == "weeded":
        raise Refused("weeded")
    if f.paper_post_id is None:
        raise Refused("not_registered")
    if f.paper_post_id == actor.post.id:
        return None
    move = PaperMove(
        file_id=f.id, from_post_id=f.paper_post_id, to_post_id=actor.post.id, by_user_id=actor.id,
        how="qr" if how == "qr" else "typed",
    )  # fmt: skip
    f.paper_post_id = actor.post.id
    db.session.add(move)
    db.session.flush()
    audit.record_on(actor, f, "paper_receive", actor.post.id, paper_move_id=move.id, how=move.how)
    return move


def by_number(actor: Actor, number: str) -> File | None:
    """A file of the user's district by its number, as typed (spaces around it dropped)."""
    number = number.strip()[:120]
    if not number or actor.office is None:
        return None
    return db.session.scalar(
        select(File)
        .join(Office, Office.id == File.office_id)
        .where(File.number == number, Office.district_id == actor.office.district_id)
        .limit(1)
    )


def paper_files(actor: Actor, limit: int = MAX_LABELS) -> list[File]:
    """The registered paper volumes with the user's posts."""
    if not actor.post_ids:
        return []
    return list(
        db.session.scalars(
            select(File)
            .where(File.paper_post_id.in_(actor.post_ids))
            .order_by(File.id)
            .limit(limit)
        )
    )


@dataclass
class Step:
    """One line of a file's track: an electronic movement or a hand-over of its paper."""

    at: datetime
    paper: bool
    from_post: Post | None
    to_post: Post
    by: str
    how: str | None = None


def moves(f: File) -> list[PaperMove]:
    return list(
        db.session.scalars(
            select(PaperMove).where(PaperMove.file_id == f.id).order_by(PaperMove.id)
        )
    )


def timeline(f: File, hops) -> list[Step]:
    """The electronic hops and the paper hand-overs together, oldest first."""
    steps = [
        Step(h.movement.sent_at, False, h.movement.from_post, h.movement.to_post,
             h.movement.sent_by.name)
        for h in hops
        if isinstance(h.movement, Movement)
    ]  # fmt: skip
    steps += [Step(m.at, True, m.from_post, m.to_post, m.by.name, m.how) for m in moves(f)]
    return sorted(steps, key=lambda s: s.at)


def labels_pdf(files: list[File]) -> bytes:
    """Cover labels, 12 to an A4 sheet: a QR that opens the file's paper page, its number and
    subject (a confidential file's subject is left off the cover)."""
    import segno

    base = current_app.config["BASE_URL"].rstrip("/")
    labels = []
    for f in files:
        link = base + url_for("movement.paper", file_id=f.id)
        qr = segno.make(link, error="m").svg_data_uri(scale=4, border=1)
        labels.append({"file": f, "qr": qr, "link": link})
    html = render_template("pdf/labels.html", labels=labels)
    return write_pdf(html, base_url=current_app.root_path)

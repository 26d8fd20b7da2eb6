"""An approved draft letter as a thing to sign (eoffice/signing/targets.py): its PDF is rendered
once, numbered from the dispatch register, and cannot be signed again once issued."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.dispatch.models import Dispatch
from eoffice.dispatch.services import reserve_number
from eoffice.files.models import File, LetterDraft
from eoffice.platform import storage
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import lock_row
from eoffice.signing import pdf as pdfs
from eoffice.signing import targets


@targets.register_letter_target
class LetterTarget:
    kind = "letters"

    def __init__(self, draft: LetterDraft):
        self.obj = draft
        self.file: File = draft.file
        self.key = {"draft_id": draft.id}
        self.n = draft.serial

    @property
    def label(self) -> str:
        return f"D{self.obj.serial}"

    @property
    def reason(self) -> str:
        return f"अनुमोदित पत्र / approved letter D{self.obj.serial}"

    def lock(self) -> None:
        self.obj = lock_row(self.obj)

    def check(self) -> None:
        if self.obj.status != "approved":
            raise Refused("not_approved")
        if db.session.scalar(select(Dispatch.id).where(Dispatch.draft_id == self.obj.id)):
            raise Refused("issued")

    @property
    def pdf_sha256(self) -> str | None:
        return self.obj.pdf_sha256

    def set_pdf(self, sha: str) -> None:
        self.obj.pdf_sha256 = sha

    def ensure_pdf(self) -> str:
        """Render the approved version once (with its verification code and QR)."""
        draft = self.obj
        if draft.pdf_sha256 is None:
            reserve_number(draft)  # printed on the letter: the signed copy carries it
            draft.verification_code = pdfs.new_verification_code()
            sha, _new = storage.put(pdfs.letter_pdf(draft, self.version, draft.verification_code))
            draft.pdf_sha256 = sha
            db.session.flush()
        return draft.pdf_sha256

    @property
    def version(self):
        return next(v for v in self.obj.versions if v.number == self.obj.approved_version)

    def text_sha256(self) -> str:
        return pdfs.text_sha256(self.version)

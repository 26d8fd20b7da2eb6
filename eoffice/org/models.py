"""The organisation: district → offices → sections → posts, and the users who hold posts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import ClassVar

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.platform.extensions import db
from eoffice.policy.roles import ROLE_LABELS, Role  # noqa: F401  (the models' vocabulary)
from eoffice.web.i18n import FileTerm, language


def _pick(hi: str, en: str | None) -> str:
    """The Hindi or English form of a name, by the page's language."""
    return en if en and language() == "en" else hi


class OfficeKind(enum.StrEnum):
    COLLECTORATE = "collectorate"
    DEVELOPMENT = "development"
    TEHSIL = "tehsil"
    BLOCK = "block"
    DEPARTMENT = "department"


FILE_NUMBER_PATTERN = "{office}/{section}/{head}/{serial}/{year}"


class District(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_hi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    state_hi: Mapped[str] = mapped_column(String(120))

    offices: Mapped[list[Office]] = relationship(back_populates="district", order_by="Office.id")

    @property
    def name(self) -> str:
        return _pick(self.name_hi, self.name_en)


class Office(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    #: Short Hindi code used in diary and file numbers, e.g. कले
    code: Mapped[str] = mapped_column(String(16))
    name_hi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    file_term: Mapped[str] = mapped_column(String(20), default=FileTerm.PATRAVALI)
    #: where citizens ask about their letters (room, hours, telephone): printed on the पावती
    enquiry: Mapped[str | None] = mapped_column(String(300))
    #: the address lines printed under the office's name on its letters
    letterhead: Mapped[str | None] = mapped_column(String(500))
    #: the middle of its dispatch numbers: कले/प्रेषण/2026/000001
    dispatch_prefix: Mapped[str] = mapped_column(String(16), default="प्रेषण", server_default="प्रेषण")
    #: डाक डेस्क: where letters sent in e-Office to the office (not to one of its posts) arrive;
    #: set by the office admin
    dak_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", use_alter=True))
    #: the record keeper's desk (अभिलेखपाल): reviews the record room and proposes weeding
    record_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", use_alter=True))
    #: closed (merged, abolished): it keeps its history; nobody works in it any more
    closed_at: Mapped[datetime | None]
    #: How file numbers are written: {office} {section} {head} {serial} {year}
    file_number_pattern: Mapped[str] = mapped_column(
        String(80),
        default=FILE_NUMBER_PATTERN,
        server_default=FILE_NUMBER_PATTERN,
    )

    district: Mapped[District] = relationship(back_populates="offices")
    sections: Mapped[list[Section]] = relationship(back_populates="office", order_by="Section.id")
    posts: Mapped[list[Post]] = relationship(
        back_populates="office", order_by="Post.rank", foreign_keys="Post.office_id"
    )
    dak_post: Mapped[Post | None] = relationship(foreign_keys=[dak_post_id], post_update=True)
    record_post: Mapped[Post | None] = relationship(foreign_keys=[record_post_id], post_update=True)

    __table_args__ = (
        db.UniqueConstraint("district_id", "code", name="uq_office_district_code"),
        CheckConstraint(
            "kind IN ('collectorate','development','tehsil','block','department')", name="kind"
        ),
        CheckConstraint("file_term IN ('patravali','nasti')", name="file_term"),
    )

    @property
    def name(self) -> str:
        return _pick(self.name_hi, self.name_en)


class Section(db.Model):
    """अनुभाग: a unit of an office."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name_hi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))

    #: retired: not offered for new files or posts; what was numbered under it keeps it
    retired_at: Mapped[datetime | None]

    office: Mapped[Office] = relationship(back_populates="sections")
    posts: Mapped[list[Post]] = relationship(back_populates="section", order_by="Post.rank")

    __table_args__ = (db.UniqueConstraint("office_id", "code", name="uq_section_office_code"),)

    @property
    def name(self) -> str:
        return _pick(self.name_hi, self.name_en)


class Post(db.Model):
    """पद: files belong to posts, not to people; people hold posts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    #: Head-of-office posts (जिलाधिकारी) belong to no section.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"), index=True)
    designation_hi: Mapped[str] = mapped_column(String(200))
    designation_en: Mapped[str] = mapped_column(String(200))
    #: Marking abbreviation, as written on a file: डीएम, एडीएम (प्रशा), लिपिक-राज
    abbreviation: Mapped[str] = mapped_column(String(40))
    #: Seniority within the office: lower is more senior.
    rank: Mapped[int] = mapped_column(default=100)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    #: An approving authority for outgoing letters (प्रारूप अनुमोदन): officers, not sections.
    may_approve: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    office: Mapped[Office] = relationship(back_populates="posts", foreign_keys=[office_id])
    section: Mapped[Section | None] = relationship(back_populates="posts")
    holdings: Mapped[list[PostHolding]] = relationship(back_populates="post")

    __table_args__ = (
        db.UniqueConstraint("office_id", "abbreviation", name="uq_post_office_abbreviation"),
    )

    @property
    def designation(self) -> str:
        return _pick(self.designation_hi, self.designation_en)

    @property
    def current_holders(self) -> list[User]:
        """Who holds it now. A deactivated user holds nothing, whatever a charge row says: the
        post shows vacant and cannot be sent to (org.services.is_vacant)."""
        return [h.user for h in self.holdings if h.until is None and h.user.is_enabled]


class User(UserMixin, db.Model):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL
    #: whether the user acts under a delegation today, when the request's user load read it
    #: with the user (auth.services.signed_in; False spares the request a query for
    #: delegations); None: not read
    delegated_today: ClassVar[bool | None] = None

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ASCII, lower case; see eoffice.auth.services.normalise_login_id
    login_id: Mapped[str] = mapped_column(String(64), unique=True)
    name_hi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    mobile: Mapped[str | None] = mapped_column(String(15))
    email: Mapped[str | None] = mapped_column(String(254))
    #: Only the last four digits of Aadhaar are ever stored.
    aadhaar_last4: Mapped[str | None] = mapped_column(String(4))
    #: the office's own employee number (कर्मचारी कोड): how a staff list's rows find their user
    employee_id: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.STAFF)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    is_enabled: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    #: 'hi' or 'en'; None follows the language cookie.
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    password_changed_at: Mapped[datetime | None]

    office: Mapped[Office] = relationship()
    holdings: Mapped[list[PostHolding]] = relationship(
        back_populates="user", order_by="PostHolding.id"
    )

    __table_args__ = (
        CheckConstraint(
            "role IN ('staff','section_officer','officer','office_admin','district_admin')",
            name="role",
        ),
        CheckConstraint("aadhaar_last4 ~ '^[0-9]{4}$'", name="aadhaar_last4"),
        CheckConstraint("login_id ~ '^[a-z0-9._-]{3,64}$'", name="login_id"),
        CheckConstraint("locale IN ('hi','en')", name="locale"),
        Index(
            "uq_app_user_employee_id",
            "employee_id",
            unique=True,
            postgresql_where=text("employee_id IS NOT NULL"),
        ),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_enabled

    @property
    def name(self) -> str:
        return _pick(self.name_hi, self.name_en)

    @property
    def label(self) -> str:
        """How a person is told apart where they are listed or chosen (a district has four
        अंकुर सिंह): name — the posts held now (else the employee ID) — login ID."""
        posts = ", ".join(h.post.designation for h in self.current_holdings)
        middle = posts or (self.employee_id and f"#{self.employee_id}") or ""
        return " — ".join(x for x in (self.name, middle, self.login_id) if x)

    @property
    def name_and_login(self) -> str:
        """Name (login ID): where the post is already said."""
        return f"{self.name} ({self.login_id})"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def current_holdings(self) -> list[PostHolding]:
        return [h for h in self.holdings if h.until is None]


class PostHolding(db.Model):
    """A user's charge of a post: regular, or additional (अतिरिक्त प्रभार)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    is_additional: Mapped[bool] = mapped_column(default=False)
    since: Mapped[date] = mapped_column(Date, server_default=func.current_date())
    until: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship(back_populates="holdings")
    post: Mapped[Post] = relationship(back_populates="holdings")

    __table_args__ = (
        # A post has at most one regular holder at a time; additional charges may overlap.
        Index(
            "uq_post_holding_one_regular",
            "post_id",
            unique=True,
            postgresql_where=text("until IS NULL AND NOT is_additional"),
        ),
        Index(
            "uq_post_holding_user_post_current",
            "user_id",
            "post_id",
            unique=True,
            postgresql_where=text("until IS NULL"),
        ),
    )


class Delegation(db.Model):
    """An officer on leave hands a post to another user for a date range ("X for Y")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]

    post: Mapped[Post] = relationship()
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="date_order"),)

"""Who is acting. A request builds one (`eoffice.org.current.actor()`); a job builds one from a
user id (`eoffice.org.services.actor_for`). Services take it as their first argument, so
nothing below the views reads `current_user`, `g`, `request` or `session`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from eoffice.policy.roles import CAN, Role

if TYPE_CHECKING:
    from eoffice.org.models import Delegation, Office, Post, User


@dataclass(frozen=True)
class Charge:
    """A post the user may act for now: held (regular or additional) or delegated."""

    post: Post
    is_additional: bool = False
    delegation: Delegation | None = None


@dataclass(eq=False)
class Actor:
    #: None for nobody signed in (a public page)
    user: User | None
    #: the posts the user may act for now: held, additional charge, delegated
    charges: list[Charge] = field(default_factory=list)
    #: the charge chosen for this request (the header's post switcher); None if no post is held
    post: Post | None = None
    #: the office of that post, else the user's own office
    office: Office | None = None
    #: what a request works out once and reuses (the inbox's unread count, a report's scope)
    memo: dict = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def id(self) -> int | None:
        return self.user.id if self.user is not None else None

    @property
    def role(self) -> Role | None:
        return Role(self.user.role) if self.user is not None else None

    @property
    def office_id(self) -> int | None:
        """The user's own office (the one the office-wide grants are about)."""
        return self.user.office_id if self.user is not None else None

    @cached_property
    def post_ids(self) -> list[int]:
        return [c.post.id for c in self.charges]

    @cached_property
    def section_ids(self) -> list[int]:
        """The sections of the posts the user acts for now."""
        return sorted({c.post.section_id for c in self.charges if c.post.section_id is not None})

    def holds(self, post_id: int | None) -> bool:
        return post_id is not None and post_id in self.post_ids

    def charge_for(self, post_id: int) -> Charge | None:
        return next((c for c in self.charges if c.post.id == post_id), None)

    def can(self, capability: str) -> bool:
        """Does the actor's role have this capability (see roles.CAN)?"""
        return self.role is not None and self.role in CAN[capability]

"""The roles, and what each may do beyond its own desk: the one list the routes, the grants,
the services and the templates ask (`actor.can("give_tasks")`), instead of copying role lists.

What a role may *open* (files, receipts, …) is in `grants.py`, built from these sets.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Role(enum.StrEnum):
    STAFF = "staff"
    SECTION_OFFICER = "section_officer"
    OFFICER = "officer"
    OFFICE_ADMIN = "office_admin"
    DISTRICT_ADMIN = "district_admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.STAFF: _l("Staff"),
    Role.SECTION_OFFICER: _l("Section officer"),
    Role.OFFICER: _l("Officer"),
    Role.OFFICE_ADMIN: _l("Office admin"),
    Role.DISTRICT_ADMIN: _l("District admin (nodal officer)"),
}

_ALL_BUT_STAFF = frozenset(
    {Role.SECTION_OFFICER, Role.OFFICER, Role.OFFICE_ADMIN, Role.DISTRICT_ADMIN}
)
_OFFICERS = frozenset({Role.OFFICER, Role.OFFICE_ADMIN, Role.DISTRICT_ADMIN})
_ADMINS = frozenset({Role.OFFICE_ADMIN, Role.DISTRICT_ADMIN})

#: capability → the roles that have it. Route rules (`roles(*CAN["..."])`), the grants and the
#: templates (`actor.can("...")`) all read this table.
CAN: dict[str, frozenset[Role]] = {
    # open any normal-grade file of one's office (grants.py)
    "open_office_files": _OFFICERS,
    # open any normal-grade receipt of one's office (grants.py)
    "open_office_receipts": _ALL_BUT_STAFF,
    # open the normal-grade files of the sections of one's posts (grants.py)
    "open_section_files": frozenset({Role.SECTION_OFFICER}),
    # give tasks and reminders to other desks; see overdue items by desk
    "give_tasks": _ALL_BUT_STAFF,
    # see who has opened a file
    "see_viewers": _ALL_BUT_STAFF,
    # the reports' dashboard and the periodic (monthly) report
    "see_dashboard": _OFFICERS,
    # the office's setup, people and posts
    "administer": _ADMINS,
    # everything of the district: its offices, the district admins, backups, the job worker
    "administer_district": frozenset({Role.DISTRICT_ADMIN}),
    # the roll-out readiness page
    "see_readiness": frozenset({Role.DISTRICT_ADMIN, Role.OFFICE_ADMIN, Role.OFFICER}),
}


def roles_that(capability: str) -> tuple[Role, ...]:
    """The roles with a capability, in the enum's order (for `@roles(*roles_that(...))`)."""
    return tuple(r for r in Role if r in CAN[capability])

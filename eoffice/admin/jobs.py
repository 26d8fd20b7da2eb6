"""A long staff list is applied by the job worker, not inside a web request."""

from __future__ import annotations

import logging

from flask import Flask
from flask_babel import force_locale
from procrastinate import JobContext

from eoffice.admin import staff
from eoffice.admin.models import StaffImport
from eoffice.org.models import User
from eoffice.org.services import actor_for
from eoffice.platform import jobs
from eoffice.platform.extensions import db
from eoffice.platform.jobs import tasks

log = logging.getLogger(__name__)


def apply_import_now(app: Flask, import_id: int, actor_id: int) -> str:
    """Apply a queued import in one transaction; on failure nothing of it is saved and the
    import says so. Returns the import's status."""
    with jobs.in_app(app), force_locale("hi"):
        imp = db.session.get(StaffImport, import_id)
        actor = db.session.get(User, actor_id)
        if imp is None or actor is None or imp.status != "queued":
            return imp.status if imp else "missing"
        try:
            staff.apply(actor_for(actor), imp)
            db.session.commit()
        except Exception as e:
            db.session.rollback()
            log.exception("staff import %s failed", import_id)
            imp = db.session.get(StaffImport, import_id)
            imp.status = "failed"
            imp.error = f"{type(e).__name__}: {e}"[:300]
            db.session.commit()
        return imp.status


@tasks.task(name="apply_staff_import", queue="admin", pass_context=True)
def apply_staff_import(context: JobContext, import_id: int, actor_id: int) -> None:
    apply_import_now(context.additional_context["flask_app"], import_id, actor_id)


@tasks.task(name="legacy_check", queue="admin", pass_context=True)
def legacy_check(context: JobContext, import_id: int) -> None:
    """Read an uploaded ZIP of old files and check every row of its index (eoffice/admin/legacy)."""
    from eoffice.admin import legacy
    from eoffice.admin.models import LegacyImport

    with jobs.in_app(context.additional_context["flask_app"]):
        imp = db.session.get(LegacyImport, import_id)
        if imp is not None and imp.status == "checking":
            legacy.run_check(imp)
            db.session.commit()


@tasks.task(name="legacy_run", queue="admin", pass_context=True)
def legacy_run(context: JobContext, import_id: int) -> None:
    """Import the confirmed rows, a transaction each, for a while; then hand on to a fresh job
    (the progress page counts them as they land)."""
    from eoffice.admin import legacy
    from eoffice.admin.models import LegacyImport

    with jobs.in_app(context.additional_context["flask_app"], request=True):
        imp = db.session.get(LegacyImport, import_id)
        if imp is None or imp.status != "importing":
            return
        if not legacy.run(actor_for(imp.by_user), imp):
            jobs.enqueue("legacy_run", "admin", import_id=import_id)
            db.session.commit()

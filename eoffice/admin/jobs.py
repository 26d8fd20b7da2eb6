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
from eoffice.platform.extensions import db
from eoffice.platform.jobs import tasks

log = logging.getLogger(__name__)


def apply_import_now(app: Flask, import_id: int, actor_id: int) -> str:
    """Apply a queued import in one transaction; on failure nothing of it is saved and the
    import says so. Returns the import's status."""
    with app.app_context(), force_locale("hi"):
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

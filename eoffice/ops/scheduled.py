"""The job worker anchors the audit chain's head every ten minutes (eoffice.platform.audit.checkpoint)."""

from __future__ import annotations

from procrastinate import JobContext

from eoffice.platform import audit, jobs
from eoffice.platform.jobs import tasks


@tasks.periodic(cron="*/10 * * * *")
@tasks.task(name="audit_checkpoint", queue="mail", pass_context=True)
def audit_checkpoint(context: JobContext, timestamp: int) -> None:
    app = context.additional_context["flask_app"]
    with jobs.in_app(app):
        audit.checkpoint()


@tasks.periodic(cron="0 20 * * *")  # 01:30 India time
@tasks.task(name="nightly_backup", queue="heavy", pass_context=True)
def nightly_backup(context: JobContext, timestamp: int) -> None:
    from eoffice.ops import backup

    app = context.additional_context["flask_app"]
    with jobs.in_app(app):
        backup.nightly()


@tasks.periodic(cron="*/5 * * * *")
@tasks.task(name="mirror_store", queue="heavy", pass_context=True)
def mirror_store(context: JobContext, timestamp: int) -> None:
    """With WAL archiving on, the store's new files are copied to the backup disk every five
    minutes, so a point-in-time recovery finds the files its rows name."""
    from eoffice.ops import pitr

    app = context.additional_context["flask_app"]
    with jobs.in_app(app):
        if app.config.get("BACKUP_DIR"):
            pitr.mirror_store(pitr.Path(app.config["BACKUP_DIR"]))


@tasks.periodic(cron="*/10 * * * *")
@tasks.task(name="held_rollup", queue="heavy", pass_context=True)
def held_rollup(context: JobContext, timestamp: int) -> None:
    """The district's pendency, recounted every ten minutes (eoffice/reports/rollup.py)."""
    from eoffice.platform.extensions import db
    from eoffice.reports import rollup

    app = context.additional_context["flask_app"]
    with jobs.in_app(app):
        rollup.refresh()
        db.session.commit()


@tasks.periodic(cron="30 3 * * *")  # 09:00 India time, before the office opens its dak
@tasks.task(name="register_reminders", queue="mail", pass_context=True)
def register_reminders(context: JobContext, timestamp: int) -> None:
    """The holders of items whose register limit is three days away, today or past, and of
    open assurances on the first of the month, are reminded (eoffice/records/registers.py)."""
    from eoffice.platform.extensions import db
    from eoffice.records import registers

    app = context.additional_context["flask_app"]
    with jobs.in_app(app, request=True):
        registers.send_reminders()
        db.session.commit()

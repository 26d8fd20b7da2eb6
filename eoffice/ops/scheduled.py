"""The job worker anchors the audit chain's head every ten minutes (eoffice.platform.audit.checkpoint)."""

from __future__ import annotations

from procrastinate import JobContext

from eoffice.platform import audit
from eoffice.platform.jobs import tasks


@tasks.periodic(cron="*/10 * * * *")
@tasks.task(name="audit_checkpoint", queue="mail", pass_context=True)
def audit_checkpoint(context: JobContext, timestamp: int) -> None:
    app = context.additional_context["flask_app"]
    with app.app_context():
        audit.checkpoint()


@tasks.periodic(cron="0 20 * * *")  # 01:30 India time
@tasks.task(name="nightly_backup", queue="heavy", pass_context=True)
def nightly_backup(context: JobContext, timestamp: int) -> None:
    from eoffice.ops import backup

    app = context.additional_context["flask_app"]
    with app.app_context():
        backup.nightly()


@tasks.periodic(cron="*/5 * * * *")
@tasks.task(name="mirror_store", queue="heavy", pass_context=True)
def mirror_store(context: JobContext, timestamp: int) -> None:
    """With WAL archiving on, the store's new files are copied to the backup disk every five
    minutes, so a point-in-time recovery finds the files its rows name."""
    from eoffice.ops import pitr

    app = context.additional_context["flask_app"]
    with app.app_context():
        if app.config.get("BACKUP_DIR"):
            pitr.mirror_store(pitr.Path(app.config["BACKUP_DIR"]))


@tasks.periodic(cron="*/10 * * * *")
@tasks.task(name="held_rollup", queue="heavy", pass_context=True)
def held_rollup(context: JobContext, timestamp: int) -> None:
    """The district's pendency, recounted every ten minutes (eoffice/reports/rollup.py)."""
    from eoffice.platform.extensions import db
    from eoffice.reports import rollup

    app = context.additional_context["flask_app"]
    with app.app_context():
        rollup.refresh()
        db.session.commit()

"""The `flask` commands: each domain's own, gathered here."""

from flask import Flask


def register(app: Flask) -> None:
    from eoffice.admin.cli import legacy_cli, setup_command, staff_cli
    from eoffice.demo.cli import seed_bulk_command, seed_demo_command
    from eoffice.mailroom.cli import mail_cli
    from eoffice.movement.cli import pendency_digest_command
    from eoffice.ops.cli import audit_cli, backup_cli, signing_cli, storage_cli
    from eoffice.platform.jobs import jobs_cli
    from eoffice.records.cli import register_reminders_command
    from eoffice.reports.cli import reports_rollup_command

    for command in (
        jobs_cli, setup_command, staff_cli, seed_demo_command, reports_rollup_command,
        storage_cli, backup_cli, seed_bulk_command, pendency_digest_command, audit_cli,
        signing_cli, register_reminders_command, mail_cli, legacy_cli,
    ):  # fmt: skip
        app.cli.add_command(command)

"""The nightly backup: written and verified into EOFFICE_BACKUP_DIR, old ones pruned (7 daily,
4 weekly), the result on the nodal officer's readiness page, a failure mailed."""

from __future__ import annotations

from pathlib import Path

from eoffice.ops import backup
from tests.test_notifications import smtp  # noqa: F401  (fixture)


def test_which_backups_are_kept():
    # twenty nights, 1 to 20 November 2026: the newest 7, then the newest of each earlier week
    names = [f"eoffice-202611{d:02d}T200000Z" for d in range(1, 21)] + ["not-a-backup"]
    keep = backup.to_keep(names, daily=7, weekly=4)
    daily = {f"eoffice-202611{d:02d}T200000Z" for d in range(14, 21)}
    # 13 Nov is a Friday (week 46), 8 Nov a Sunday (week 45), 1 Nov a Sunday (week 44)
    weekly = {"eoffice-20261113T200000Z", "eoffice-20261108T200000Z", "eoffice-20261101T200000Z"}
    assert keep == daily | weekly


def test_the_nightly_backup_is_written_pruned_and_shown(app, client, demo, tmp_path):
    dest = tmp_path / "backups"
    for d in range(1, 12):  # eleven old nights already there
        (dest / f"eoffice-202610{d:02d}T200000Z").mkdir(parents=True)
    app.config.update(BACKUP_DIR=str(dest), BACKUP_KEEP_DAILY=3, BACKUP_KEEP_WEEKLY=2)
    try:
        with app.app_context():
            run = backup.nightly()
        assert run.ok and Path(run.folder).parent == dest and run.bytes > 0
        left = sorted(p.name for p in dest.iterdir())
        assert len(left) == 5 and Path(run.folder).name in left
        client.login("nodal")
        page = client.page("/admin/readiness").get_text()
        assert "अंतिम बैकअप" in page and "सत्यापित" in page
    finally:
        app.config.update(BACKUP_DIR=None, BACKUP_KEEP_DAILY=7, BACKUP_KEEP_WEEKLY=4)


def test_a_failed_backup_is_recorded_shown_and_mailed(app, client, demo, tmp_path, smtp):  # noqa: F811
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("x")
    from sqlalchemy import text

    demo.session.execute(
        text("UPDATE app_user SET email = 'nodal@mail.example' WHERE login_id = 'nodal'")
    )
    demo.session.commit()
    app.config.update(BACKUP_DIR=str(blocker / "backups"))
    try:
        with app.app_context():
            run = backup.nightly()
        assert not run.ok and "Error" in run.error
        (msg,) = smtp.messages
        assert msg["To"] == "nodal@demo.eoffice.example"  # the demo's district admin
        assert "बैकअप विफल" in msg["Subject"]
        client.login("nodal")
        assert "अंतिम बैकअप विफल" in client.page("/admin/readiness").get_text()
    finally:
        app.config.update(BACKUP_DIR=None)

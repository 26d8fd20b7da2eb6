"""`flask setup` (the first run on an empty production database), `flask staff import` and
`flask legacy import` (old paper files from a folder or ZIP)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from sqlalchemy import func, select

from eoffice.org.models import District, FileTerm, Office, OfficeKind, Post, PostHolding, Role, User
from eoffice.org.services import actor_for
from eoffice.platform import audit
from eoffice.platform.extensions import db


@click.command("setup")
@with_appcontext
@click.option("--district-code", prompt="District code (ASCII, e.g. LKO)", help="e.g. LKO")
@click.option("--district", "district_hi", prompt="District name in Hindi (e.g. लखनऊ)")
@click.option("--district-en", prompt="District name in English (e.g. Lucknow)")
@click.option("--state", "state_hi", prompt="State in Hindi (e.g. उत्तर प्रदेश)")
@click.option("--office-code", prompt="Collectorate's code in numbers (e.g. कले)")
@click.option("--office", "office_hi", prompt="Collectorate's name in Hindi")
@click.option("--office-en", prompt="Collectorate's name in English")
@click.option("--admin-name", prompt="The nodal officer's name in Hindi")
@click.option("--admin-login", default="", help="login ID (default: from the name)")
def setup_command(
    district_code, district_hi, district_en, state_hi, office_code, office_hi, office_en,
    admin_name, admin_login,
):  # fmt: skip
    """First run on an empty database: the district, its collectorate and the district admin
    (the e-office nodal officer), who gets a one-time password. Refuses to run twice."""
    from eoffice.admin.names import login_base
    from eoffice.admin.staff import one_time_password
    from eoffice.auth.services import hash_password, is_valid_login_id
    from eoffice.platform.text import clean_line

    if db.session.scalar(select(func.count(District.id))):
        click.echo("A district is set up already: `flask setup` runs once, on an empty database.")
        sys.exit(1)
    values = [clean_line(v) for v in (district_hi, district_en, state_hi, office_hi, office_en)]
    district_code, office_code, admin_name = (
        clean_line(district_code).upper(),
        clean_line(office_code),
        clean_line(admin_name),
    )
    if not all([*values, district_code, office_code, admin_name]) or len(office_code) > 16:
        click.echo("Every value is needed (the office code at most 16 characters).")
        sys.exit(2)
    login = clean_line(admin_login).lower() or login_base(admin_name)
    if not is_valid_login_id(login):
        click.echo(f"Not a usable login ID: {login!r} (a-z, 0-9, dot, dash; 3 to 64).")
        sys.exit(2)
    district = District(
        code=district_code[:16], name_hi=values[0], name_en=values[1], state_hi=values[2]
    )
    db.session.add(district)
    db.session.flush()
    office = Office(
        district_id=district.id,
        code=office_code,
        name_hi=values[3],
        name_en=values[4],
        kind=OfficeKind.COLLECTORATE,
        file_term=FileTerm.PATRAVALI,
    )
    db.session.add(office)
    db.session.flush()
    post = Post(
        office_id=office.id,
        designation_hi="नोडल अधिकारी, ई-ऑफिस",
        designation_en="Nodal officer, e-Office",
        abbreviation="नोडल-ईऑ",
        rank=90,
    )
    password = one_time_password()
    user = User(
        login_id=login,
        name_hi=admin_name,
        name_en=login.replace(".", " ").title(),
        password_hash=hash_password(password),
        role=Role.DISTRICT_ADMIN,
        office_id=office.id,
        must_change_password=True,
    )
    db.session.add_all([post, user])
    db.session.flush()
    db.session.add(PostHolding(user_id=user.id, post_id=post.id))
    audit.record(
        "setup",
        user_id=user.id,
        object_type="district",
        object_id=district.id,
        office_id=office.id,
        login_id=login,
    )
    db.session.commit()
    click.echo(f"District {district.name_hi} ({district.code}) and {office.name_hi} are set up.")
    click.echo(f"District admin: {admin_name}; login ID: {login}; one-time password: {password}")
    click.echo("The password must be changed at the first login. Keep it safe until then.")


def _office_and_admin(office_code: str, district_code: str | None, by_login: str | None):
    """The office an import is for, and the admin it is done as (--by, else the first
    district admin); a clear line and exit 2 when either is missing."""
    q = select(Office).where(Office.code == office_code)
    if district_code:
        q = q.join(District).where(District.code == district_code)
    offices = db.session.scalars(q).all()
    if len(offices) != 1:
        click.echo(f"No single office with code {office_code!r} (found {len(offices)}).")
        sys.exit(2)
    actor = db.session.scalar(
        select(User).where(User.login_id == by_login)
        if by_login
        else select(User)
        .where(User.role == Role.DISTRICT_ADMIN, User.is_enabled.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    if actor is None:
        click.echo("No admin to act as: give --by LOGIN_ID.")
        sys.exit(2)
    return offices[0], actor


staff_cli = AppGroup("staff", help="Staff lists: import from Excel or CSV.")


@staff_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--office", "office_code", required=True, help="the office's code, e.g. कले")
@click.option("--district", "district_code", default=None, help="when several districts")
@click.option("--dry-run", is_flag=True, help="Check and report each row; save nothing.")
@click.option("--slips", type=click.Path(dir_okay=False, path_type=Path), help="PDF of slips")
@click.option(
    "--by", "by_login", default=None, help="the admin doing it (default: a district admin)"
)
def staff_import_command(path, office_code, district_code, dry_run, slips, by_login):
    """Import a staff list (.xlsx or .csv): the same checks as the web page, row by row."""
    from eoffice.admin import staff
    from eoffice.platform.errors import Refused

    office, actor = _office_and_admin(office_code, district_code, by_login)
    t0 = time.monotonic()
    with force_locale("hi"):
        try:
            imp = staff.preview(actor_for(actor), path.read_bytes(), path.name, office)
        except Refused as e:
            click.echo(str(staff.MESSAGES.get(e.code, staff.MESSAGES["malformed"])))
            sys.exit(1)
        for r in imp.plan:
            if r["errors"]:
                click.echo(f"पंक्ति {r['line']}: " + " ".join(staff.message(e) for e in r["errors"]))
        counts = staff.summary(imp.plan)
        click.echo(
            f"नए: {counts['new']}, अद्यतन: {counts['update']}, बिना बदलाव: {counts['same']}, "
            f"नए पद: {counts['posts']}, त्रुटि: {counts['error']}"
        )
        if dry_run:
            db.session.rollback()
            click.echo("--dry-run: कुछ भी सहेजा नहीं गया।")
            return
        counts = staff.apply(actor_for(actor), imp)
        applied = time.monotonic() - t0
        if slips:
            from eoffice.admin.slips import slips_pdf

            people = staff.slips_of(imp)
            if people:
                slips.write_bytes(slips_pdf(office, people))
                slips.chmod(0o600)
        db.session.commit()
    click.echo(
        f"आयात पूरा ({applied:.1f} s; पर्चियों सहित {time.monotonic() - t0:.1f} s): "
        f"{counts['new']} नए उपयोगकर्ता, "
        f"{counts['update']} अद्यतन, {counts['posts']} नए पद; {counts['error']} पंक्तियाँ छोड़ी गईं।"
        + (f" पर्चियाँ: {slips}" if slips else "")
    )


legacy_cli = AppGroup("legacy", help="Old paper files (scans) into e-files.")


@legacy_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--office", "office_code", required=True, help="the office's code, e.g. कले")
@click.option("--dry-run", is_flag=True, help="Check and report each row; import nothing.")
@click.option(
    "--by", "by_login", default=None, help="the admin doing it (default: a district admin)"
)
def legacy_import_command(path, office_code, dry_run, by_login):
    """Import old files from a folder (scans and index.csv/.xlsx) or a ZIP on this server's disk:
    the same checks and import as the admin's page, for batches larger than one upload."""
    import io
    import zipfile

    from eoffice.admin import legacy
    from eoffice.platform.errors import Refused

    office, user = _office_and_admin(office_code, None, by_login)
    if path.is_dir():  # the folder as a ZIP in memory: one way in for both
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                z.write(f, f.relative_to(path).as_posix())
        data = buf.getvalue()
    else:
        data = path.read_bytes()
    actor = actor_for(user)
    with (
        current_app.test_request_context(base_url=current_app.config["BASE_URL"]),
        force_locale("hi"),
    ):
        try:
            imp = legacy.start(actor, office, data, path.name)
        except Refused as e:
            click.echo(str(legacy.FAILED[e.code]))
            sys.exit(1)
        legacy.run_check(imp)
        if imp.status == "failed":
            click.echo(str(legacy.FAILED[imp.error]))
            db.session.rollback()
            sys.exit(1)
        for r in imp.rows:
            if r["errors"]:
                click.echo(
                    f"पंक्ति {r['row']}: " + "; ".join(str(legacy.ROW_ERRORS[e]) for e in r["errors"])
                )
        c = legacy.counts(imp)
        click.echo(
            f"पंक्तियाँ: {c['rows']}; आयात हेतु: {c['good']}; त्रुटि: {c['bad']}; पहले से: {c['already']}"
        )
        if dry_run:
            db.session.rollback()
            click.echo("--dry-run: कुछ भी आयात नहीं हुआ।")
            return
        imp.status = "importing"
        db.session.commit()
        while not legacy.run(actor, db.session.get(type(imp), imp.id)):
            pass
        imp = db.session.get(type(imp), imp.id)
        click.echo(f"आयात पूरा: {imp.imported} ई-पत्रावलियाँ; पहले से: {c['already']} (छोड़ी गईं)।")

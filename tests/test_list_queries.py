"""Every list page runs the same number of queries however many rows it shows: on the demo office
with one more file, receipt and task sent round (the file with a copy), then three more of each, every GET
page without an id and the reports and registers behind a parameter, for a clerk, a section
officer, the DM, an office admin and the district admin.
A page whose count grows with its rows loads something per row (an N+1).

    EOFFICE_QUERY_TABLE=1 pytest tests/test_list_queries.py -s    # prints the figures
"""

from __future__ import annotations

import os

from sqlalchemy import select

from eoffice.org.models import Office
from tests.test_movement import login, open_file, post_id, send  # noqa: F401  (fixture)
from tests.test_queries import counted
from tests.test_receipts import diarise
from tests.test_tasks import give

USERS = ["clerk.revenue", "so.revenue", "dm.lalitpur", "admin.vikas", "nodal"]
#: not lists: sign-in, the password and signing-key forms, files served as they are
SKIP = {"/login", "/password", "/favicon.ico", "/health", "/verify", "/status"}
#: pages that answer only with a query
QUERY = {"/move/posts": "?q=लिपिक", "/search/": "?q=अतिक्रमण"}


#: list pages behind a parameter: the period reports and registers (this month, with today's
#: rows), a desk's pendency, an office's users
MORE = [
    "/reports/pendency?by=section", "/reports/pendency?by=office", "/reports/desk-time", "/reports/desk-time.csv", "/reports/monthly", "/reports/monthly.csv",
    "/reports/overdue", "/reports/overdue.csv", "/reports/registers/dak",
    "/reports/registers/dak.csv", "/reports/registers/dispatch",
    "/reports/registers/dispatch.csv", "/reports/pendency/{so}", "/admin/offices/{office}/users",
]  # fmt: skip


def list_pages(app, db) -> list[str]:
    office = db.session.scalar(select(Office.id).where(Office.code == "कले"))
    urls = [u.format(so=post_id(db, "अनु.अधि.-राज"), office=office) for u in MORE]
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.rule not in SKIP:
            urls.append(rule.rule + QUERY.get(rule.rule, ""))
    return sorted(urls)


def measure(app, clients, urls) -> dict[tuple[str, str], int]:
    found = {}
    for who, c in clients.items():
        for url in urls:
            with counted(app) as statements:
                resp = c.get(url)
            if resp.status_code == 200:
                found[who, url] = len(statements)
            else:
                assert resp.status_code in (302, 403, 404), (who, url, resp.status_code)
    return found


def more_rows(db, clients, n: int) -> None:
    clerk = clients["clerk.revenue"]
    so, dm = post_id(db, "अनु.अधि.-राज"), post_id(db, "डीएम")
    for i in range(n):
        f = open_file(clerk, db, subject=f"चकमार्ग अतिक्रमण शिकायत {i}")
        send(clerk, "file", f.id, so, copies=str(dm))
        r = diarise(clerk, subject=f"अतिक्रमण की शिकायत {i}", is_physical_only="y")
        assert r.status_code == 302, r.get_data(as_text=True)[:3000]
        rid = int(r.location.rstrip("/").rsplit("/", 1)[-1])
        send(clerk, "receipt", rid, so)
        assert give(clients["dm.lalitpur"], db, title=f"बैठक की कार्यवाही {i}").status_code == 302


def test_list_pages_do_not_query_per_row(app, login, demo):  # noqa: F811
    clients = {who: login(who) for who in USERS}
    urls = list_pages(app, demo)
    more_rows(demo, clients, 1)  # every kind of row on the pages, so each kind's query runs
    before = measure(app, clients, urls)
    more_rows(demo, clients, 3)
    after = measure(app, clients, urls)
    if os.environ.get("EOFFICE_QUERY_TABLE"):
        for key in sorted(before):
            print(f"{key[0]:14} {key[1]:28} {before[key]:4} {after.get(key, '-'):>4}")
    assert len(before) > 60  # the walk reached the pages
    grew = {key: (before[key], after[key]) for key in before if after.get(key, 0) > before[key]}
    assert grew == {}, f"queries grew with the rows: {grew}"

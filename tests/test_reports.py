"""Accountability: "my work" on the home page and the pendency report in each viewer's scope,
with its drill-down and CSV."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from eoffice.files.models import File
from eoffice.org.models import Post
from tests.conftest import Client


def test_home_shows_my_work(client, demo):
    client.login("so.revenue")  # the demo's overdue खतौनी file is with her
    soup = client.page("/")
    work = soup.find(id="my-work")
    assert work is not None
    text = " ".join(work.get_text(" ").split())
    assert "समय-सीमा पार" in text and "कुल लंबित" in text
    overdue = work.find("a", href=lambda h: h and "overdue=1" in h)
    assert overdue is not None and int(overdue.find("strong").get_text()) >= 1


def test_section_officer_sees_her_section_drills_down_and_downloads(client, demo):
    client.login("so.revenue")
    soup = client.page("/reports/pendency")
    text = soup.get_text(" ")
    assert "अनुभाग अधिकारी, राजस्व" in text
    assert "लिपिक, शस्त्र" not in text  # another section's desk
    link = soup.select_one("table a[href*='/reports/pendency/']")
    items = client.page(link["href"])
    file = demo.session.scalar(select(File).where(File.subject.like("%खतौनी%")))
    assert file.number in items.get_text()
    for by in ("section", "office"):
        assert "राजस्व" in client.page(f"/reports/pendency?by={by}").get_text()
    resp = client.get("/reports/pendency.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    body = resp.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["कार्यालय", "अनुभाग", "पद"]
    assert any("अनुभाग अधिकारी, राजस्व" in r for r in rows[1:])


def test_scopes_stop_at_the_rules(app, client, demo):
    client.login("clerk.revenue")
    text = client.page("/reports/pendency").get_text(" ")
    assert "अनुभाग अधिकारी, राजस्व" not in text  # staff: their own desks only
    so_post = demo.session.scalar(select(Post).where(Post.designation_hi == "अनुभाग अधिकारी, राजस्व"))
    assert client.get(f"/reports/pendency/{so_post.id}").status_code == 404
    with app.test_client() as raw:  # a tehsil officer: the collectorate is not theirs
        c = Client(raw)
        c.login("tehsildar")
        assert c.get(f"/reports/pendency/{so_post.id}").status_code == 404
    with app.test_client() as raw:  # the DM sees the district
        c = Client(raw)
        c.login("dm.lalitpur")
        assert "अनुभाग अधिकारी, राजस्व" in c.page("/reports/pendency").get_text(" ")
        assert c.get(f"/reports/pendency/{so_post.id}").status_code == 200


def test_hostile_report_requests(client, demo):
    client.login("so.revenue")
    for url in ("/reports/pendency/99999999999999999999", "/reports/pendency/0",
                "/reports/pendency?by=%00", "/reports/pendency?by=drop"):  # fmt: skip
        assert client.get(url).status_code in (200, 400, 404), url
    assert client.get("/reports/").status_code == 200


def test_every_my_work_count_is_the_length_of_the_list_it_opens(client, demo):
    client.login("so.revenue")
    work = client.page("/").find(id="my-work")
    links = work.select("a[href*='/inbox']")
    assert len(links) >= 6
    for a in links:
        count = int((a.find("strong") or a).get_text(strip=True))
        listed = client.page(a["href"]).select("#inbox-table tbody tr")
        assert len(listed) == count, a["href"]


def test_inbox_age_and_due_filters_take_only_known_values(client, demo):
    client.login("so.revenue")
    everything = client.page("/inbox").select("#inbox-table tbody tr")
    assert client.get("/inbox?age=%00").status_code == 400  # NUL: refused plainly, everywhere
    for junk in ("age=999", "due=yesterday", "age=0-7%27"):
        assert len(client.page(f"/inbox?{junk}").select("#inbox-table tbody tr")) == len(
            everything
        ), junk


def test_every_pendency_tab_and_the_dashboard_download_as_csv_and_pdf(app, demo):
    """What is on screen, as a CSV and as a Hindi PDF: officer-, section- and office-wise
    pendency (the section and office tabs downloaded the officer-wise CSV) and the dashboard
    (it had neither)."""
    from tests.test_pdf import extracted, hindi_words

    dm = Client(app.test_client())
    dm.login("dm.lalitpur")
    for by, first in (("post", "कार्यालय"), ("section", "अनुभाग"), ("office", "कार्यालय")):
        page = dm.page(f"/reports/pendency?by={by}")
        links = {
            a.get_text(strip=True): a["href"] for a in page.select("main a[href*='pendency.']")
        }
        csv_link = next(h for t, h in links.items() if "CSV" in t)
        pdf_link = next(h for t, h in links.items() if "PDF" in t)
        assert f"by={by}" in csv_link and f"by={by}" in pdf_link
        body = dm.get(csv_link).get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        assert rows[0][0] == first and rows[-1][0] == "योग", (by, rows[0], rows[-1])
        screen = [
            td.get_text(strip=True) for td in page.select("table.stack tbody tr td:first-child")
        ]
        if by != "post":
            assert [r[0] for r in rows[1:-1]] == screen, by
        resp = dm.get(pdf_link)
        assert resp.mimetype == "application/pdf", by
        for tool, got in extracted(resp.data).items():
            assert hindi_words("लंबित", rows[1][0]) <= hindi_words(got), (by, tool)
    assert dm.get("/reports/pendency.pdf?by=%27%3B").status_code == 200  # an odd tab: officer-wise

    page = dm.page("/reports/dashboard")
    assert page.find("a", href="/reports/dashboard.pdf") and page.find(
        "a", href="/reports/dashboard.csv"
    )
    body = dm.get("/reports/dashboard.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    offices = [
        td.get_text(strip=True)
        for td in page.select("table.report")[0].select("tbody td:first-child")
    ]
    assert rows[0][0] == "कार्यालय" and [r[0] for r in rows[1:]] == offices
    pdf = dm.get("/reports/dashboard.pdf")
    assert pdf.mimetype == "application/pdf"
    for tool, got in extracted(pdf.data).items():
        assert hindi_words("कार्यालय", "लंबित", offices[0]) <= hindi_words(got), tool
    clerk = Client(app.test_client())
    clerk.login("clerk.revenue")
    assert clerk.get("/reports/dashboard.csv").status_code == 403

"""The physical file register (issue #30): a file's paper volume is registered by its holder
and gets a cover label (its QR read back from the printed PDF with zbarimg); whoever receives
the paper records it by opening the QR's page ("मेरे द्वारा प्राप्त") or by typing the number;
the track shows the paper and electronic movements together."""

from __future__ import annotations

import subprocess

from sqlalchemy import func, select

from eoffice.movement.models import PaperMove
from eoffice.platform.audit import AuditEvent
from tests.test_movement import flash_text, login, open_file, post_id, send  # noqa: F401


def qr_links(pdf: bytes, tmp_path) -> list[str]:
    """The links the label sheet's QR codes hold, as a phone's camera reads them."""
    (tmp_path / "labels.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", str(tmp_path / "labels.pdf"), str(tmp_path / "p")],
        check=True,
    )
    out = subprocess.run(
        ["zbarimg", "--raw", "-q", *sorted(str(p) for p in tmp_path.glob("p*.png"))],
        capture_output=True,
        text=True,
    )
    return out.stdout.split()


def test_a_label_is_printed_and_its_qr_moves_the_paper(app, login, demo, tmp_path):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    f = open_file(clerk, db, subject="ग्राम जखौरा: पुरानी कागज़ी पत्रावली, भूमि विवाद")
    page = clerk.page(f"/files/{f.id}/paper")
    assert "अभी पंजीकृत नहीं" in page.get_text()
    # nobody but the holder registers it
    so = login("so.revenue")
    resp = so.submit(f"/files/{f.id}/paper/register", {}, form_page=f"/files/{f.id}/paper")
    assert "धारक" in flash_text(so, resp)
    resp = clerk.submit(f"/files/{f.id}/paper/register", {}, form_page=f"/files/{f.id}/paper")
    assert "पंजीकृत हुआ" in flash_text(clerk, resp)
    again = clerk.submit(f"/files/{f.id}/paper/register", {}, form_page=f"/files/{f.id}/paper")
    assert "पहले से पंजीकृत" in flash_text(clerk, again)

    pdf = clerk.get(f"/paper/labels.pdf?file={f.id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    [link] = qr_links(pdf.data, tmp_path)
    assert link == f"{app.config['BASE_URL']}/files/{f.id}/paper"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True).stdout
    assert f.number.encode() in text

    # the section officer scans it: the QR's page, "received by me"
    path = link.removeprefix(app.config["BASE_URL"])
    scan = so.page(path)
    assert scan.find("button", string="मेरे द्वारा प्राप्त")
    resp = so.submit(path, {"how": "qr"})
    assert "आपके पास" in flash_text(so, resp)
    twice = so.submit(path, {"how": "qr"})  # the same scan again on a slow link
    assert "पहले से आपके पास" in flash_text(so, twice)
    moves = db.session.scalars(select(PaperMove).where(PaperMove.file_id == f.id)).all()
    assert [(m.how, m.to_post_id) for m in moves] == [
        ("registered", post_id(db, "लिपिक-राज")),
        ("qr", post_id(db, "अनु.अधि.-राज")),
    ]
    # the e-file moves too; the track shows both kinds together, in time order
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    track = so.page(f"/file/{f.id}/track")
    together = track.find("section", attrs={"aria-labelledby": "together-h"}).get_text(" ")
    tags = track.find("section", attrs={"aria-labelledby": "together-h"}).find_all(class_="tag")
    assert [t.get_text() for t in tags] == ["कागज़", "कागज़"] and "इलेक्ट्रॉनिक" in together
    assert "लेबल स्कैन किया" in together
    actions = set(db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == f.id)))  # fmt: skip
    assert {"paper_register", "paper_receive"} <= actions


def test_the_number_typed_finds_the_paper_and_hostile_input_is_plain(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    f = open_file(clerk, db, subject="कागज़ी पत्रावली: संख्या से")
    number = f.number
    clerk.submit(f"/files/{f.id}/paper/register", {}, form_page=f"/files/{f.id}/paper")
    arms = login("clerk.arms")
    resp = arms.get("/paper", query_string={"number": f" {number} "})
    assert resp.status_code == 302 and resp.location.endswith(f"/files/{f.id}/paper")
    page = arms.page(resp.location + "?typed=1")
    assert page.find("input", attrs={"name": "how"})["value"] == "typed"
    assert "कागज़ी पत्रावली: संख्या से" not in page.get_text()  # may not open it: no subject
    resp = arms.submit(f"/files/{f.id}/paper", {"how": "typed"}, form_page=resp.location)
    assert "आपके पास" in flash_text(arms, resp)
    for q in ("नहीं-है/1/2026", "x" * 5000, "%", "\u200b"):
        page = arms.page("/paper", query_string={"number": q})
        assert "पत्रावली" in page.get_text()
    assert arms.get("/files/99999999999999999999/paper").status_code == 404
    assert arms.get("/paper/labels.pdf?file=abc&file=99999999999999999999").status_code == 404
    assert arms.get(f"/paper/labels.pdf?file={f.id}").status_code == 404  # may not open it
    assert arms.get("/paper/labels.pdf").data.startswith(b"%PDF")  # the paper with arms
    # a file whose paper is not registered cannot be received
    g = open_file(clerk, db, subject="अपंजीकृत")
    resp = arms.submit(f"/files/{g.id}/paper", {"how": "qr"}, form_page=f"/files/{g.id}/paper")
    assert "अभी पंजीकृत नहीं" in flash_text(arms, resp)
    assert db.session.scalar(select(func.count(PaperMove.id)).where(PaperMove.file_id == g.id)) == 0

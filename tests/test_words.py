"""Words a clerk notices (#28): a date range reads से/तक (it read प्रेषक/प्राप्तकर्ता, sender and
recipient), SMS and PIN are written in Hindi, overdue is not "एस्केलेशन"."""

from __future__ import annotations

import pytest

from tests.conftest import Client


@pytest.fixture
def dm(app, demo):
    c = Client(app.test_client())
    c.login("dm.lalitpur")
    return c


@pytest.mark.parametrize(
    "url",
    ["/reports/desk-time", "/reports/registers/dak", "/reports/registers/dispatch", "/search/"],
)
def test_a_date_range_reads_from_and_to(dm, url):
    page = dm.page(url)
    labels = {}
    for name in ("from", "to", "since", "until"):
        field = page.find("input", attrs={"name": name})
        if field is None:
            continue
        label = field.find_parent("label") or page.find("label", attrs={"for": field.get("id")})
        labels[name] = label.get_text(" ", strip=True)
    assert len(labels) == 2, labels
    first, second = labels.values()
    assert first.startswith("से") and second.startswith("तक"), labels
    assert not any("प्रेषक" in t or "प्राप्तकर्ता" in t for t in labels.values())


def test_the_delegation_dates_and_signing_words(app, demo):
    so = Client(app.test_client())
    so.login("so.revenue")
    page = so.page("/charge/delegations")
    assert page.find("label", attrs={"for": "starts_on"}).get_text(strip=True) == "से"
    adm = Client(app.test_client())
    adm.login("adm.fr")
    text = adm.page("/me/signing").get_text(" ")
    assert "पिन" in text and "PIN" not in text
    inbox = adm.page("/inbox").get_text(" ")
    assert "एस्केलेशन" not in inbox


@pytest.mark.parametrize("url", ["/login", "/status", "/verify"])
def test_public_pages_describe_themselves_and_carry_no_token_they_do_not_use(client, demo, url):
    resp = client.get(url)
    page = resp.get_data(as_text=True)
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    meta = soup.find("meta", attrs={"name": "description"})
    assert meta is not None and len(meta["content"]) > 40 and "कार्यालय" in meta["content"]
    assert "hx-headers" not in page or url == "/login"  # /status and /verify load no script
    assert not soup.find(attrs={"hx-get": True}) and not soup.find(attrs={"hx-post": True})

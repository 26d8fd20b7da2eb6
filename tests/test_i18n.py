"""The Hindi catalogue is complete, matches the code, and the language switch persists."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def _catalogue(lang):
    with (ROOT / f"translations/{lang}/LC_MESSAGES/messages.po").open("rb") as f:
        return read_po(f)


def _keys(cat):
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in cat if m.id}


def test_hindi_catalogue_has_no_empty_or_fuzzy_entry():
    cat = _catalogue("hi")
    assert not cat.fuzzy, "the catalogue header is marked fuzzy: pybabel compile would skip it"
    empty = [
        m.id for m in cat if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not empty, f"untranslated: {empty}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_english_catalogue_compiles():
    assert not _catalogue("en").fuzzy, (
        "the catalogue header is marked fuzzy: pybabel compile would skip it"
    )


def test_every_string_in_code_and_templates_is_in_both_catalogues(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "translations/babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "pgettext:1c,2",
            "-k",
            "lazy_pgettext:1c,2",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        extracted = _keys(read_po(f))
    for lang in ("hi", "en"):
        have = _keys(_catalogue(lang))
        assert not extracted - have, (
            f"{lang}: not in catalogue (run make i18n-update): {extracted - have}"
        )
        assert not have - extracted, f"{lang}: obsolete entries: {have - extracted}"


def test_language_switch_persists_for_anonymous_and_signed_in_users(client, demo):
    resp = client.submit("/language", {"lang": "en", "next": "/login"}, form_page="/login")
    assert resp.location == "/login"
    soup = client.page("/login", lang="en")
    assert soup.h1.get_text() == "Log in to e-Office"
    client.login("clerk.revenue")
    client.page("/", lang="en")
    # back to Hindi, saved on the user: survives logout and a browser with no cookie
    client.submit("/language", {"lang": "hi", "next": "/"}, form_page="/")
    client.page("/", lang="hi")
    client.submit("/language", {"lang": "en", "next": "/"}, form_page="/")
    client.submit("/logout", {}, form_page="/")
    assert "You have logged out." in client.page("/login", lang="en").get_text()
    client.delete_cookie("lang")  # another browser
    client.page("/login", lang="hi")
    client.login("clerk.revenue")
    client.page("/", lang="en")


def test_unknown_language_is_ignored(client, db):
    resp = client.submit("/language", {"lang": "fr", "next": "/login"}, form_page="/login")
    assert resp.location == "/login"
    client.page("/login", lang="hi")


def test_terminology_profile_names_files_the_office_way(client, demo):
    client.login("clerk.revenue")  # a UP collectorate: पत्रावली
    nav = client.page("/").find("nav").get_text()
    assert "पत्रावलियाँ" in nav and "नस्तियाँ" not in nav
    client.submit("/logout", {}, form_page="/")
    client.login("clerk.block")  # this block office writes नस्ती
    nav = client.page("/").find("nav").get_text()
    assert "नस्तियाँ" in nav and "पत्रावलियाँ" not in nav
    assert "यह कार्यालय फ़ाइल को कहता है: नस्ती" in client.page("/office").get_text()


def test_names_follow_the_language(client, db):
    office = factories.office(name_hi="तहसील मड़ावरा", name_en="Tehsil Madawara")
    u = factories.user(office=office, name_hi="गीता देवी", name_en="Geeta Devi")
    client.login(u.login_id, factories.PASSWORD)
    assert "गीता देवी" in client.page("/").h1.get_text()
    client.set_cookie("lang", "en")
    client.submit("/language", {"lang": "en", "next": "/"}, form_page="/")
    assert "Geeta Devi" in client.page("/", lang="en").h1.get_text()

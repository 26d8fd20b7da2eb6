"""Demo data for files and movement: subject heads, holidays, time limits, routes, and a few
files with a history, so the demo inbox shows ages, priorities and an overdue item."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from eoffice.files.models import File, LetterTemplate, SubjectHead
from eoffice.files.services import file_number, next_serial
from eoffice.movement.models import Holiday, Movement, RouteStep, RouteTemplate, TimeLimit
from eoffice.org.models import District, Office, Post, User
from eoffice.platform.clock import local_now
from eoffice.platform.extensions import db
from eoffice.receipts.models import ReceiptCategory

#: (section code or None for every section, head code, Hindi name, English name)
HEADS = {
    "कले": [
        ("राज", "भू-अभि", "भूमि अभिलेख", "Land records"),
        ("राज", "वसूली", "राजस्व वसूली", "Revenue recovery"),
        ("शस्त्र", "शस्त्र-लाइ", "शस्त्र लाइसेंस", "Arms licences"),
        ("सामा", "स्था", "स्थापना", "Establishment"),
        ("सामा", "शिका", "जन शिकायत", "Public grievances"),
    ],
}
GENERAL_HEADS = [
    (None, "सामा", "सामान्य पत्राचार", "General correspondence"),
    (None, "शिका", "जन शिकायत", "Public grievances"),
    (None, "स्था", "स्थापना", "Establishment"),
]
#: Gazetted holidays (Uttar Pradesh) used by the demo calendar.
HOLIDAYS = [
    (date(2026, 1, 26), "गणतंत्र दिवस", "Republic Day"),
    (date(2026, 3, 4), "होली", "Holi"),
    (date(2026, 8, 15), "स्वतंत्रता दिवस", "Independence Day"),
    (date(2026, 10, 2), "गांधी जयंती", "Gandhi Jayanti"),
    (date(2026, 10, 20), "दशहरा", "Dussehra"),
    (date(2026, 11, 8), "दीपावली", "Deepawali"),
    (date(2026, 11, 24), "गुरु नानक जयंती", "Guru Nanak Jayanti"),
    (date(2026, 12, 25), "क्रिसमस", "Christmas"),
    (date(2027, 1, 26), "गणतंत्र दिवस", "Republic Day"),
]
#: Working days per hop, by priority; the arms-licence category has its own.
LIMITS = {"normal": 7, "immediate": 3, "most_immediate": 1}
ROUTES = {
    "कले": {
        "शस्त्र लाइसेंस": ["लिपिक-शस्त्र", "अनु.अधि.-शस्त्र", "एडीएम (वि/रा)", "डीएम"],
        "भूमि विवाद": ["लिपिक-राज", "अनु.अधि.-राज", "एडीएम (वि/रा)", "डीएम"],
    }
}


def seed_files_demo(district: District) -> None:
    """Idempotent per office: skipped where subject heads already exist."""
    for office in district.offices:
        if db.session.scalar(select(SubjectHead.id).where(SubjectHead.office_id == office.id)):
            continue
        sections = {s.code: s for s in office.sections}
        for s_code, code, hi, en in HEADS.get(office.code, GENERAL_HEADS):
            db.session.add(
                SubjectHead(
                    office_id=office.id,
                    section_id=sections[s_code].id if s_code else None,
                    code=code,
                    name_hi=hi,
                    name_en=en,
                )
            )
        categories = {
            c.name_hi: c
            for c in db.session.scalars(
                select(ReceiptCategory).where(ReceiptCategory.office_id == office.id)
            )
        }
        for priority, days in LIMITS.items():
            db.session.add(TimeLimit(office_id=office.id, priority=priority, working_days=days))
        if "शस्त्र लाइसेंस" in categories:
            db.session.add(
                TimeLimit(
                    office_id=office.id,
                    category_id=categories["शस्त्र लाइसेंस"].id,
                    priority="normal",
                    working_days=10,
                )
            )
        posts = {p.abbreviation: p for p in office.posts}
        for category, steps in ROUTES.get(office.code, {}).items():
            if category not in categories:
                continue
            route = RouteTemplate(office_id=office.id, category_id=categories[category].id)
            db.session.add(route)
            db.session.flush()
            for i, abbr in enumerate(steps, start=1):
                db.session.add(RouteStep(route_id=route.id, position=i, post_id=posts[abbr].id))
    if not db.session.scalar(select(Holiday.id).where(Holiday.district_id == district.id)):
        for on, hi, en in HOLIDAYS:
            db.session.add(Holiday(district_id=district.id, on=on, name_hi=hi, name_en=en))
    for office in district.offices:
        if not db.session.scalar(
            select(LetterTemplate.id).where(LetterTemplate.office_id == office.id)
        ):
            for hi, en, addressee, body in LETTER_TEMPLATES:
                db.session.add(
                    LetterTemplate(
                        office_id=office.id, name_hi=hi, name_en=en, addressee=addressee, body=body
                    )
                )
    db.session.flush()
    _demo_files(district.offices[0])


#: Standard letters (name_hi, name_en, addressee, body): the blanks ……… are filled per case.
LETTER_TEMPLATES = [
    (
        "जाँच आख्या हेतु पत्र",
        "Letter calling for an inquiry report",
        "सेवा में,\nतहसीलदार, सदर\nललितपुर",
        "उपर्युक्त विषयक प्रार्थना-पत्र की छायाप्रति संलग्न कर प्रेषित है। कृपया प्रकरण की स्थलीय "
        "जाँच कर अपनी स्पष्ट आख्या सात कार्य दिवस के भीतर इस कार्यालय को उपलब्ध कराना सुनिश्चित "
        "करें।\n\nसंलग्नक: यथोपरि।\n\nभवदीय,",
    ),
    (
        "अनुस्मारक",
        "Reminder",
        "सेवा में,\n………",
        "कृपया इस कार्यालय के पत्र संख्या ……… दिनांक ……… का संदर्भ ग्रहण करें, जिसके द्वारा "
        "उपर्युक्त विषय में आख्या माँगी गई थी। खेद है कि अभी तक आख्या अप्राप्त है।\n\nअतः "
        "अनुरोध है कि वांछित आख्या तीन कार्य दिवस के भीतर अवश्य उपलब्ध कराएँ।\n\nभवदीय,",
    ),
    (
        "आवेदक को सूचना",
        "Reply to the applicant",
        "श्री/श्रीमती ………\nग्राम ………, तहसील सदर\nजनपद ललितपुर",
        "आपके प्रार्थना-पत्र दिनांक ……… के क्रम में आपको सूचित किया जाता है कि प्रकरण में "
        "आवश्यक कार्यवाही की जा रही है। कार्यवाही पूर्ण होने पर आपको अवगत करा दिया जाएगा।"
        "\n\nभवदीय,",
    ),
]


DEMO_DUE_DAYS = {"normal": 8, "immediate": 3, "most_immediate": 1}


def _post(office: Office, abbr: str) -> Post:
    return next(p for p in office.posts if p.abbreviation == abbr)


def _holder(post: Post) -> User:
    return post.current_holders[0]


def _demo_files(office: Office) -> None:
    if office.code != "कले" or db.session.scalar(select(File.id).where(File.office_id == office.id)):
        return
    heads = {
        h.code: h
        for h in db.session.scalars(select(SubjectHead).where(SubjectHead.office_id == office.id))
    }
    sections = {s.code: s for s in office.sections}
    now = local_now()
    # (section, head, subject, priority, created days ago, [(from, to, days ago, opened)])
    files = [
        (
            "राज",
            "भू-अभि",
            "ग्राम मड़ावरा में खतौनी अभिलेख संशोधन हेतु प्रार्थना पत्र",
            "normal",
            12,
            [("लिपिक-राज", "अनु.अधि.-राज", 11, True)],
        ),
        (
            "राज",
            "वसूली",
            "बकाया राजस्व वसूली की मासिक प्रगति रिपोर्ट — अक्टूबर 2026",
            "immediate",
            4,
            [("लिपिक-राज", "अनु.अधि.-राज", 3, True), ("अनु.अधि.-राज", "एडीएम (वि/रा)", 1, False)],
        ),
        (
            "सामा",
            "शिका",
            "ई-ऑफिस प्रणाली लागू करने हेतु कार्यालयों में डिजिटल हस्ताक्षर की स्थिति",
            "most_immediate",
            0,
            [],
        ),
    ]
    for s_code, h_code, subject, priority, created, hops in files:
        first = _post(office, hops[0][0]) if hops else _post(office, "नोडल-ई")
        section, head = sections[s_code], heads[h_code]
        serial = next_serial(office.id, section.id, head.id, now.year)
        f = File(
            office_id=office.id,
            section_id=section.id,
            head_id=head.id,
            year=now.year,
            serial=serial,
            number=file_number(office, section, head, serial, now.year),
            subject=subject,
            priority=priority,
            idempotency_key=uuid.uuid4(),
            created_by_id=_holder(first).id,
            created_post_id=first.id,
            holder_post_id=first.id,
            created_at=now - timedelta(days=created),
            held_since=now - timedelta(days=created),
        )
        db.session.add(f)
        db.session.flush()
        previous = None
        for from_abbr, to_abbr, ago, opened in hops:
            sent_at = now - timedelta(days=ago)
            if previous is not None:
                previous.acted_at = sent_at
            to_post = _post(office, to_abbr)
            m = Movement(
                item_kind="file",
                file_id=f.id,
                from_post_id=_post(office, from_abbr).id,
                to_post_id=to_post.id,
                sent_by_id=_holder(_post(office, from_abbr)).id,
                priority=priority,
                due_on=(sent_at + timedelta(days=DEMO_DUE_DAYS[priority])).date(),
                remarks="कृपया अवलोकन कर आवश्यक कार्यवाही हेतु प्रस्तुत।",
                sent_at=sent_at,
                opened_at=sent_at + timedelta(hours=2) if opened else None,
                opened_by_id=_holder(to_post).id if opened else None,
                idempotency_key=uuid.uuid4(),
            )
            db.session.add(m)
            db.session.flush()
            f.holder_post_id = to_post.id
            f.held_since = sent_at
            f.last_movement_id = m.id
            previous = m
    db.session.flush()

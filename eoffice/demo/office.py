"""The Hindi demo district (`flask seed-demo`): ललितपुर, four offices, real-looking staff."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.auth.services import hash_password
from eoffice.org.models import District, Office, Post, PostHolding, Role, Section, User
from eoffice.platform.extensions import db

DEMO_PASSWORD = "demo@1234"

# (code, name_hi, name_en, kind, file_term, sections, posts, users)
# section: (code, name_hi, name_en)
# post: (abbreviation, designation_hi, designation_en, section code or None, rank)
# user: (login_id, name_hi, name_en, role, [post abbreviations], mobile)
OFFICES = [
    (
        "कले",
        "कलेक्ट्रेट ललितपुर",
        "Collectorate Lalitpur",
        "collectorate",
        "patravali",
        [
            ("राज", "राजस्व अनुभाग", "Revenue Section"),
            ("शस्त्र", "शस्त्र अनुभाग", "Arms Section"),
            ("सामा", "सामान्य प्रशासन अनुभाग", "General Administration Section"),
        ],
        [
            ("डीएम", "जिलाधिकारी", "District Magistrate", None, 1),
            (
                "एडीएम (वि/रा)",
                "अपर जिलाधिकारी (वित्त एवं राजस्व)",
                "Additional District Magistrate (Finance & Revenue)",
                None,
                2,
            ),
            ("अनु.अधि.-राज", "अनुभाग अधिकारी, राजस्व", "Section Officer, Revenue", "राज", 10),
            ("लिपिक-राज", "वरिष्ठ लिपिक, राजस्व", "Senior Clerk, Revenue", "राज", 20),
            ("अनु.अधि.-शस्त्र", "अनुभाग अधिकारी, शस्त्र", "Section Officer, Arms", "शस्त्र", 10),
            ("लिपिक-शस्त्र", "लिपिक, शस्त्र", "Clerk, Arms", "शस्त्र", 20),
            ("लिपिक-डाक", "डाक लिपिक", "Dak Clerk", "सामा", 30),
            ("नोडल-ई", "नोडल अधिकारी, ई-ऑफिस", "Nodal Officer, e-Office", "सामा", 5),
        ],
        [
            ("dm.lalitpur", "अक्षय त्रिपाठी", "Akshay Tripathi", "officer", ["डीएम"], "9415000001"),
            (
                "adm.fr",
                "अंकुर श्रीवास्तव",
                "Ankur Srivastava",
                "officer",
                ["एडीएम (वि/रा)"],
                "9415000002",
            ),
            (
                "so.revenue",
                "सुनीता वर्मा",
                "Sunita Verma",
                "section_officer",
                ["अनु.अधि.-राज"],
                "9415000003",
            ),
            (
                "clerk.revenue",
                "रामकिशोर यादव",
                "Ramkishor Yadav",
                "staff",
                ["लिपिक-राज"],
                "9415000004",
            ),
            (
                "so.arms",
                "महेंद्र सिंह",
                "Mahendra Singh",
                "section_officer",
                ["अनु.अधि.-शस्त्र"],
                "9415000005",
            ),
            # holds two charges: his own and, additionally, the dak desk
            (
                "clerk.arms",
                "दिनेश कुमार",
                "Dinesh Kumar",
                "staff",
                ["लिपिक-शस्त्र", "लिपिक-डाक"],
                "9415000006",
            ),
            ("nodal", "प्रीति गुप्ता", "Preeti Gupta", "district_admin", ["नोडल-ई"], "9415000007"),
        ],
    ),
    (
        "विभ",
        "विकास भवन ललितपुर",
        "Vikas Bhawan Lalitpur",
        "development",
        "patravali",
        [("विका", "विकास अनुभाग", "Development Section")],
        [
            ("सीडीओ", "मुख्य विकास अधिकारी", "Chief Development Officer", None, 1),
            ("लिपिक-विका", "लिपिक, विकास", "Clerk, Development", "विका", 20),
            ("प्रशा-विभ", "कार्यालय प्रशासक", "Office Administrator", "विका", 15),
        ],
        [
            ("cdo", "कमलेश कुमारी", "Kamlesh Kumari", "officer", ["सीडीओ"], "9415000011"),
            ("clerk.vikas", "अनिल कुशवाहा", "Anil Kushwaha", "staff", ["लिपिक-विका"], "9415000012"),
            (
                "admin.vikas",
                "शालिनी राठौर",
                "Shalini Rathore",
                "office_admin",
                ["प्रशा-विभ"],
                "9415000013",
            ),
        ],
    ),
    (
        "तह-सद",
        "तहसील सदर ललितपुर",
        "Tehsil Sadar Lalitpur",
        "tehsil",
        "patravali",
        [("राज", "राजस्व अनुभाग", "Revenue Section")],
        [
            ("एसडीएम", "उपजिलाधिकारी, सदर", "Sub-Divisional Magistrate, Sadar", None, 1),
            ("तहसीलदार", "तहसीलदार, सदर", "Tehsildar, Sadar", None, 2),
            ("लिपिक-तह", "रजिस्ट्रार कानूनगो", "Registrar Kanungo", "राज", 20),
        ],
        [
            ("sdm.sadar", "राजेश पाल", "Rajesh Pal", "officer", ["एसडीएम"], "9415000021"),
            ("tehsildar", "नीलम चौधरी", "Neelam Chaudhary", "officer", ["तहसीलदार"], "9415000022"),
            ("clerk.tehsil", "बृजेश राय", "Brijesh Rai", "staff", ["लिपिक-तह"], "9415000023"),
        ],
    ),
    (
        "ब्लॉक-बार",
        "विकास खंड बार",
        "Block Office Bar",
        "block",
        # a block office that writes नस्ती, to show the terminology profile
        "nasti",
        [("सामा", "सामान्य अनुभाग", "General Section")],
        [
            ("बीडीओ", "खंड विकास अधिकारी", "Block Development Officer", None, 1),
            ("लिपिक-ब्लॉक", "लिपिक, विकास खंड", "Clerk, Block Office", "सामा", 20),
        ],
        [
            ("bdo.bar", "संतोष अहिरवार", "Santosh Ahirwar", "officer", ["बीडीओ"], "9415000031"),
            ("clerk.block", "पूजा साहू", "Pooja Sahu", "staff", ["लिपिक-ब्लॉक"], "9415000032"),
        ],
    ),
]


CATEGORIES = [
    ("जन शिकायत", "Public grievance"),
    ("शस्त्र लाइसेंस", "Arms licence"),
    ("भूमि विवाद", "Land dispute"),
    ("सूचना का अधिकार", "Right to Information"),
    ("शासनादेश", "Government order"),
    ("अन्य", "Other"),
]


def _enquiry(office_hi: str) -> str:
    return f"डाक कक्ष, {office_hi} · कार्य दिवसों में 10:00–17:00"


#: each demo office's dak desk (डाक डेस्क): where letters sent to it in e-Office arrive
DAK_DESKS = {"कले": "लिपिक-डाक", "विभ": "लिपिक-विका", "तह-सद": "लिपिक-तह", "ब्लॉक-बार": "लिपिक-ब्लॉक"}


def _name_dak_desks(district: District) -> None:
    for office in district.offices:
        if office.dak_post_id is None and office.code in DAK_DESKS:
            office.dak_post = next(
                (p for p in office.posts if p.abbreviation == DAK_DESKS[office.code]), None
            )


#: each demo office's record keeper (अभिलेखपाल): a clerk's post (the Collectorate's revenue
#: clerk keeps its record room)
RECORD_DESKS = {
    "कले": "लिपिक-राज",
    "विभ": "लिपिक-विका",
    "तह-सद": "लिपिक-तह",
    "ब्लॉक-बार": "लिपिक-ब्लॉक",
}
#: who approves weeding in the Collectorate's schedule (the others: the head of office)
WEEDING_APPROVER = "एडीएम (वि/रा)"


def _name_record_desks(district: District) -> None:
    """The record keepers, and the Collectorate's schedule from the default one naming the
    ADM to approve weeding (an installation seeded before the record room gets them too)."""
    from eoffice.files.models import SubjectHead
    from eoffice.records.models import RetentionRule
    from eoffice.records.services import DEFAULT_SCHEDULE, FALLBACK

    for office in district.offices:
        if office.record_post_id is not None or office.code not in RECORD_DESKS:
            continue
        office.record_post = next(
            (p for p in office.posts if p.abbreviation == RECORD_DESKS[office.code]), None
        )
        if office.code != "कले":
            continue
        approver = next((p for p in office.posts if p.abbreviation == WEEDING_APPROVER), None)
        heads = db.session.scalars(select(SubjectHead).where(SubjectHead.office_id == office.id))
        for head in heads:
            category, years = DEFAULT_SCHEDULE.get(head.code, FALLBACK)
            db.session.add(RetentionRule(office_id=office.id, head_id=head.id, category=category,
                                         years=years, approver_post_id=approver and approver.id))  # fmt: skip
    db.session.flush()


def seed_demo(*, password: str = DEMO_PASSWORD) -> bool:
    """Create the demo district; False (and nothing written) if it already exists."""
    from eoffice.demo.files import seed_files_demo

    existing = db.session.scalar(select(District).where(District.code == "LKO-LAL"))
    if existing is not None:
        seed_files_demo(existing)  # an installation seeded before files existed gets them
        for office in existing.offices:  # and one seeded before the पावती named a desk
            office.enquiry = office.enquiry or _enquiry(office.name_hi)
        _name_dak_desks(existing)  # and one seeded before offices named their dak desks
        _name_record_desks(existing)  # and one seeded before the record room
        return False
    district = District(code="LKO-LAL", name_hi="ललितपुर", name_en="Lalitpur", state_hi="उत्तर प्रदेश")
    db.session.add(district)
    pw_hash = hash_password(password)  # one hash for all: argon2 is slow by design
    for code, name_hi, name_en, kind, term, sections, posts, users in OFFICES:
        office = Office(
            district=district,
            code=code,
            name_hi=name_hi,
            name_en=name_en,
            kind=kind,
            file_term=term,
            enquiry=_enquiry(name_hi),
        )
        db.session.add(office)
        by_code = {}
        for s_code, s_hi, s_en in sections:
            by_code[s_code] = Section(office=office, code=s_code, name_hi=s_hi, name_en=s_en)
            db.session.add(by_code[s_code])
        by_abbr = {}
        for abbr, d_hi, d_en, s_code, rank in posts:
            by_abbr[abbr] = Post(
                office=office,
                section=by_code.get(s_code) if s_code else None,
                abbreviation=abbr,
                designation_hi=d_hi,
                designation_en=d_en,
                rank=rank,
                may_approve=s_code is None,
            )
            db.session.add(by_abbr[abbr])
        for login_id, u_hi, u_en, role, abbrs, mobile in users:
            user = User(
                login_id=login_id,
                name_hi=u_hi,
                name_en=u_en,
                role=Role(role),
                office=office,
                mobile=mobile,
                email=f"{login_id}@demo.eoffice.example",
                aadhaar_last4=mobile[-4:],
                password_hash=pw_hash,
                must_change_password=False,
            )
            db.session.add(user)
            for i, abbr in enumerate(abbrs):
                db.session.add(PostHolding(user=user, post=by_abbr[abbr], is_additional=i > 0))
    from eoffice.receipts.models import ReceiptCategory

    for office in district.offices:
        for hi, en in CATEGORIES:
            db.session.add(ReceiptCategory(office=office, name_hi=hi, name_en=en))
    # One user who must change the password at first login, as every real new user does.
    newcomer = User(
        login_id="new.clerk",
        name_hi="नवीन कुमार",
        name_en="Naveen Kumar",
        role=Role.STAFF,
        office=district.offices[0],
        password_hash=pw_hash,
        must_change_password=True,
    )
    db.session.add(newcomer)
    db.session.flush()
    _name_dak_desks(district)
    seed_files_demo(district)
    _name_record_desks(district)
    return True

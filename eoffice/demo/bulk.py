"""`flask seed-bulk`: a large, realistic, deterministic office for benchmarks.

Default (the state's worth): 1,000,000 files, ~5,000,000 notes, ~10,000,000 movements, 200,000
receipts, 5,000 users in 40 offices. `--files 10000` is the quick preset.

Everything is generated inside Postgres by set-based INSERT … SELECT over generate_series (no
ORM, no row-by-row traffic), in chunks, with explicit ids from the current maximum so that the
same seed gives the same rows on an empty or a demo database. Randomness is a Lehmer-style
hash of (row, field, seed), so it is repeatable on any machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import click
from sqlalchemy import text

from eoffice.demo.bulk_text import SENTENCES
from eoffice.platform.extensions import db

POSTS_PER_OFFICE = 125
SECTIONS = [
    ("राज", "राजस्व अनुभाग", "Revenue Section", "भू-अभि", "भूमि अभिलेख", "Land records"),
    ("विका", "विकास अनुभाग", "Development Section", "योज", "योजनाएँ", "Schemes"),
    ("सामा", "सामान्य अनुभाग", "General Section", "स्था", "स्थापना", "Establishment"),
    ("शिका", "शिकायत अनुभाग", "Grievance Section", "शिका", "जन शिकायत", "Public grievances"),
    ("लेखा", "लेखा अनुभाग", "Accounts Section", "बजट", "बजट एवं लेखा", "Budget and accounts"),
]


@dataclass
class Bases:
    office: int
    section: int
    head: int
    post: int
    user: int
    holding: int
    file: int
    movement: int
    note: int
    receipt: int


def _next_id(conn, table: str) -> int:
    return conn.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar_one()


def _say(msg: str, t0: float) -> None:
    click.echo(f"  {msg} ({time.monotonic() - t0:.1f} s)")


def seed_bulk(*, files: int, offices: int, users: int, seed: int, chunk: int = 100_000) -> dict:
    conn = db.session.connection()
    if conn.execute(text("SELECT 1 FROM district WHERE code = 'BULK'")).first():
        raise click.ClickException("The bulk district is already loaded (district code BULK).")
    per_office = max(users // offices, 10)
    if per_office != POSTS_PER_OFFICE:
        raise click.ClickException(f"users/offices must be {POSTS_PER_OFFICE} (one post each).")
    t0 = time.monotonic()
    b = Bases(
        office=_next_id(conn, "office"),
        section=_next_id(conn, "section"),
        head=_next_id(conn, "subject_head"),
        post=_next_id(conn, "post"),
        user=_next_id(conn, "app_user"),
        holding=_next_id(conn, "post_holding"),
        file=_next_id(conn, "efile"),
        movement=_next_id(conn, "movement"),
        note=_next_id(conn, "note"),
        receipt=_next_id(conn, "receipt"),
    )
    p = {"s": seed, "O": offices, "P": POSTS_PER_OFFICE, **{k: v for k, v in vars(b).items()}}
    conn.execute(text("SET LOCAL synchronous_commit = off"))
    conn.execute(
        text(
            "CREATE FUNCTION pg_temp.mix(a bigint, b bigint, s bigint) RETURNS bigint "
            "LANGUAGE sql IMMUTABLE AS $$ SELECT ((((a * 1103515245 + b * 12345 + s) "
            "% 2147483647) * 48271) % 2147483647) $$"
        )
    )
    conn.execute(text("CREATE TEMP TABLE bulk_sentence (n int PRIMARY KEY, t text) ON COMMIT DROP"))
    conn.execute(
        text("INSERT INTO bulk_sentence VALUES (:n, :t)"),
        [{"n": i, "t": t} for i, t in enumerate(SENTENCES)],
    )
    p["S"] = len(SENTENCES)
    _org(conn, p)
    _say(f"{offices} offices, {offices * POSTS_PER_OFFICE} posts and users", t0)
    for start in range(0, files, chunk):
        q = {**p, "lo": start, "hi": min(start + chunk, files) - 1}
        _files(conn, q)
        _movements(conn, q)
        _notes(conn, q)
        _say(f"files {start:,}–{q['hi']:,} with movements and notes", t0)
    conn.execute(
        text(
            "UPDATE efile SET last_movement_id = :movement + (id - :file) * 16 "
            "+ 5 + ((id - :file) % 11) WHERE id >= :file"
        ),
        p,
    )
    receipts = files // 5
    for start in range(0, receipts, chunk):
        _receipts(conn, {**p, "lo": start, "hi": min(start + chunk, receipts) - 1})
    _say(f"{receipts:,} receipts", t0)
    for table in (
        "office",
        "section",
        "subject_head",
        "post",
        "app_user",
        "post_holding",
        "efile",
        "movement",
        "note",
        "receipt",
    ):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        )
    counts = {
        t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
        for t in ("efile", "note", "movement", "receipt", "app_user", "office")
    }
    return counts


def _org(conn, p) -> None:
    conn.execute(
        text(
            "INSERT INTO district (code, name_hi, name_en, state_hi) "
            "VALUES ('BULK', 'बुंदेलखंड (परीक्षण)', 'Bundelkhand (bench)', 'उत्तर प्रदेश')"
        )
    )
    conn.execute(
        text(
            """
            INSERT INTO office (id, district_id, code, name_hi, name_en, kind, file_term,
                                file_number_pattern)
            SELECT :office + o, (SELECT id FROM district WHERE code = 'BULK'),
                   'ब' || lpad((o + 1)::text, 2, '0'),
                   'विकास खंड कार्यालय ' || (o + 1), 'Block Office ' || (o + 1), 'block',
                   'patravali', '{office}/{section}/{head}/{serial}/{year}'
            FROM generate_series(0, CAST(:O AS int) - 1) o
            """
        ),
        p,
    )
    for i, (code, s_hi, s_en, h_code, h_hi, h_en) in enumerate(SECTIONS):
        q = {**p, "i": i, "code": code, "s_hi": s_hi, "s_en": s_en}
        conn.execute(
            text(
                "INSERT INTO section (id, office_id, code, name_hi, name_en) "
                "SELECT :section + o * 5 + :i, :office + o, :code, :s_hi, :s_en "
                "FROM generate_series(0, CAST(:O AS int) - 1) o"
            ),
            q,
        )
        conn.execute(
            text(
                "INSERT INTO subject_head (id, office_id, section_id, code, name_hi, name_en) "
                "SELECT :head + o * 5 + :i, :office + o, :section + o * 5 + :i, :h, :h_hi, :h_en "
                "FROM generate_series(0, CAST(:O AS int) - 1) o"
            ),
            {**q, "h": h_code, "h_hi": h_hi, "h_en": h_en},
        )
    # posts: j = 0 is the head of office (no section, approves letters); 25 per section
    conn.execute(
        text(
            """
            INSERT INTO post (id, office_id, section_id, designation_hi, designation_en,
                              abbreviation, rank, is_active, may_approve)
            SELECT :post + o * :P + j, :office + o,
                   CASE WHEN j = 0 THEN NULL ELSE :section + o * 5 + (j % 5) END,
                   CASE WHEN j = 0 THEN 'खंड विकास अधिकारी' ELSE 'सहायक ' || j END,
                   CASE WHEN j = 0 THEN 'Block Development Officer' ELSE 'Assistant ' || j END,
                   CASE WHEN j = 0 THEN 'बीडीओ' ELSE 'सहा-' || j END,
                   CASE WHEN j = 0 THEN 1 ELSE 20 END, true, j = 0
            FROM generate_series(0, CAST(:O AS int) - 1) o, generate_series(0, CAST(:P AS int) - 1) j
            """
        ),
        p,
    )
    from eoffice.auth.services import hash_password
    from eoffice.demo.office import DEMO_PASSWORD

    conn.execute(
        text(
            """
            INSERT INTO app_user (id, login_id, name_hi, name_en, password_hash, role, office_id,
                                  must_change_password, is_enabled, email)
            SELECT :user + o * :P + j, 'bulk.' || (o + 1) || '.' || j,
                   'कर्मचारी ' || (o + 1) || '-' || j, 'Employee ' || (o + 1) || '-' || j,
                   :pw, CASE WHEN j = 0 THEN 'officer' ELSE 'staff' END, :office + o,
                   false, true, NULL
            FROM generate_series(0, CAST(:O AS int) - 1) o, generate_series(0, CAST(:P AS int) - 1) j
            """
        ),
        {**p, "pw": hash_password(DEMO_PASSWORD)},
    )
    conn.execute(
        text(
            "INSERT INTO post_holding (id, user_id, post_id, is_additional, since) "
            "SELECT :holding + k, :user + k, :post + k, false, DATE '2024-01-01' "
            "FROM generate_series(0, CAST(:O AS int) * :P - 1) k"
        ),
        p,
    )


# A file i: office o = i % O, section s = (i / O) % 5, m = i / (5 O); year 2024 + m % 3,
# serial m / 3 + 1: unique per office, section, head and year. k = 5 + i % 11 hops (mean 10).
# Hop n goes to post index t(n) = (c + Σ r) % P with r in 1..P-1, so never to the same post;
# the file's holder is t(k). Movement ids: movement + i * 16 + n; note ids: note + i * 10 + p.
FILE_COLUMNS = """
    i, :office + (i % :O) AS office_id, (i / :O) % 5 AS s, i / (5 * :O) AS m,
    5 + i % 11 AS k, 5 * (1 + pg_temp.mix(i, 0, :s) % 24) + (i / :O) % 5 AS c,
    pg_temp.mix(i, 9, :s) % 10 AS u
"""


def _files(conn, p) -> None:
    conn.execute(
        text(
            f"""
            INSERT INTO efile (id, office_id, section_id, head_id, year, serial, number, subject,
                               kind, grading, priority, status, idempotency_key, created_by_id,
                               created_post_id, holder_post_id, created_at, held_since)
            SELECT :file + i, f.office_id, :section + (f.office_id - :office) * 5 + s,
                   :head + (f.office_id - :office) * 5 + s, 2024 + m % 3, m / 3 + 1,
                   o.code || '/' || sec.code || '/' || h.code || '/' || (m / 3 + 1) || '/'
                       || (2024 + m % 3),
                   left((SELECT t FROM bulk_sentence WHERE n = pg_temp.mix(i, 1, :s) % :S), 300),
                   'electronic', CASE WHEN pg_temp.mix(i, 4, :s) % 50 = 0 THEN 'confidential' ELSE 'normal' END,
                   (ARRAY['normal', 'normal', 'normal', 'immediate', 'most_immediate'])
                       [1 + pg_temp.mix(i, 2, :s) % 5],
                   CASE WHEN pg_temp.mix(i, 3, :s) % 20 = 0 THEN 'closed' ELSE 'open' END,
                   md5('file' || i || ':' || :s)::uuid,
                   :user + (f.office_id - :office) * :P + c, :post + (f.office_id - :office) * :P + c,
                   :post + (f.office_id - :office) * :P + (c + (SELECT sum(1 + pg_temp.mix(i, n, :s) % (:P - 1))
                       FROM generate_series(1, k) n)) % :P,
                   TIMESTAMPTZ '2024-01-01' + (i % 1000) * INTERVAL '1 day',
                   TIMESTAMPTZ '2024-01-01' + (i % 1000 + k * 2) * INTERVAL '1 day'
            FROM (SELECT {FILE_COLUMNS} FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) i) f
            JOIN office o ON o.id = f.office_id
            JOIN section sec ON sec.id = :section + (f.office_id - :office) * 5 + f.s
            JOIN subject_head h ON h.id = :head + (f.office_id - :office) * 5 + f.s
            """
        ),
        p,
    )


def _movements(conn, p) -> None:
    conn.execute(
        text(
            f"""
            INSERT INTO movement (id, item_kind, file_id, from_post_id, to_post_id, sent_by_id,
                                  remarks, priority, due_on, sent_at, opened_at, opened_by_id,
                                  acted_at, idempotency_key)
            SELECT :movement + i * 16 + n, 'file', :file + i,
                   :post + (office_id - :office) * :P + frm, :post + (office_id - :office) * :P + t,
                   :user + (office_id - :office) * :P + frm,
                   CASE WHEN n % 3 = 0 THEN 'कृपया अवलोकन करें' END, 'normal',
                   (sent + INTERVAL '7 days')::date, sent,
                   CASE WHEN n < k OR u <> 0 THEN sent + INTERVAL '3 hours' END,
                   CASE WHEN n < k OR u <> 0 THEN :user + (office_id - :office) * :P + t END,
                   CASE WHEN n < k THEN sent + INTERVAL '2 days'
                        WHEN u >= 3 THEN sent + INTERVAL '1 day' END,
                   md5('mv' || i || ':' || n || ':' || :s)::uuid
            FROM (
                SELECT i, n, k, u, office_id, sent, t, coalesce(lag(t) OVER w, c) AS frm
                FROM (
                    SELECT i, n, k, c, u, office_id,
                           (c + sum(1 + pg_temp.mix(i, n, :s) % (:P - 1))
                                OVER (PARTITION BY i ORDER BY n)) % :P AS t,
                           TIMESTAMPTZ '2024-01-01' + (i % 1000 + n * 2) * INTERVAL '1 day' AS sent
                    FROM (SELECT {FILE_COLUMNS} FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) i) f,
                         generate_series(1, f.k) n
                ) chain
                WINDOW w AS (PARTITION BY i ORDER BY n)
            ) hops
            """
        ),
        p,
    )


def _notes(conn, p) -> None:
    conn.execute(
        text(
            f"""
            INSERT INTO note (id, file_id, author_id, post_id, body, status, paragraph, version,
                              created_at, updated_at, finalised_at)
            SELECT :note + i * 10 + q, :file + i,
                   :user + (office_id - :office) * :P + a, :post + (office_id - :office) * :P + a,
                   (SELECT string_agg(t, ' ' ORDER BY n) FROM bulk_sentence
                    WHERE n >= pg_temp.mix(i, 60 + q, :s) % :S
                      AND n < pg_temp.mix(i, 60 + q, :s) % :S + 1 + pg_temp.mix(i, 70 + q, :s) % 6),
                   'final', q, 1, at, at, at
            FROM (
                SELECT i, office_id, q, pg_temp.mix(i, 40 + q, :s) % :P AS a,
                       TIMESTAMPTZ '2024-01-01' + (i % 1000 + q * 2) * INTERVAL '1 day' AS at
                FROM (SELECT {FILE_COLUMNS} FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) i) f,
                     generate_series(1, 1 + i % 9) q
            ) n
            """
        ),
        p,
    )


def _receipts(conn, p) -> None:
    conn.execute(
        text(
            """
            INSERT INTO receipt (id, office_id, diary_year, diary_serial, diary_number,
                                 idempotency_key, sender_name, received_on, mode, language,
                                 subject, grading, priority, is_physical_only, ocr_status,
                                 created_by_id, created_post_id, holder_post_id, created_at,
                                 held_since)
            SELECT :receipt + r, :office + r % :O, 2026, r / :O + 1,
                   o.code || '/2026/' || lpad((r / :O + 1)::text, 6, '0'),
                   md5('rc' || r || ':' || :s)::uuid, 'ग्राम प्रधान ' || (r % 97 + 1),
                   DATE '2026-01-01' + CAST(r % 300 AS int), 'post', 'hi',
                   left((SELECT t FROM bulk_sentence WHERE n = pg_temp.mix(r, 5, :s) % :S), 300),
                   'normal', 'normal', true, 'none',
                   :user + (r % :O) * :P + 1 + r % 24, :post + (r % :O) * :P + 1 + r % 24,
                   :post + (r % :O) * :P + pg_temp.mix(r, 6, :s) % :P,
                   TIMESTAMPTZ '2026-01-01' + (r % 300) * INTERVAL '1 day',
                   TIMESTAMPTZ '2026-01-01' + (r % 300) * INTERVAL '1 day'
            FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) r
            JOIN office o ON o.id = :office + r % :O
            """
        ),
        p,
    )

"""The search key: one folded, consonant-skeleton form for Hindi as people type it, in
Devanagari or in roman letters, computed by Postgres (`eo_key(text)`, an IMMUTABLE SQL function
made by migration 0017) so that generated columns keep every row's key current: OCR text that
arrives later and every new note are searchable at once, with no reindex job.

    शस्त्र, shastra, shashtra, sastra      → str
    खतौनी, khatauni                        → ktn
    रमेश चन्द्र, रमेश चंद्र, ramesh chandra → rms cndr
    ललितपुर, lalitpur                       → ltpr
    २०२६, 2026                              → 2026

How: Devanagari letters become roman consonants (aspirates and their plain forms alike: ख and
क are k; श ष स are s; nukta letters as their base: ज़ is j, ड़ is d, फ़ is p), anusvara and
chandrabindu n (so चंद्र = चन्द्र), vowel signs, virama, nukta, visarga, ZWJ/ZWNJ vanish, a vowel
letter is a; Devanagari digits are digits. Roman text loses the h of an aspirate (kh sh ch th
dh ph bh gh jh), w/z/f/q/x become v/j/p/k/k, c is s before e/i/y and k elsewhere (ch is च); then every vowel but a word's first goes (Hindi
in roman letters spells vowels every which way: ee/i, oo/u, a/aa, the schwa), and doubled
letters are one; n before p/b/m is m (हैंडपंप = handpump). Lossy on purpose: the page ranks exact words first.
"""

# consonants, nukta letters, vowel letters, anusvara/chandrabindu, vocalic r, digits, dandas
_DEVA_FROM = (
    "कखगघङचछजझञटठडढणतथदधन\u0929पफबभमयर\u0931ल\u0933\u0934वशषसह"
    "\u0958\u0959\u095a\u095b\u095c\u095d\u095e\u095f"  # क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़
    "अआइईउऊऋ\u0960\u090cएऐओऔऑऍऎऒ"
    "\u0902\u0901\u0943"  # anusvara, chandrabindu, the vowel sign of ऋ
    "०१२३४५६७८९"
    "।॥"
)
_DEVA_TO = (
    "kkggnCCjjnttddnttddnnppbbmyrrlllvsssH"  # च छ are C: roman c is k or s, but ch is च
    "kkgjddpy"
    "aaaaaaaaaaaaaaaaa"
    "nnr"
    "0123456789"
    "  "
)
#: deleted: vowel signs, virama, nukta, visarga, avagraha, ZWJ, ZWNJ, zero-width space, BOM
_DEVA_DROP = (
    "\u093e\u093f\u0940\u0941\u0942\u0944\u0947\u0948\u094b\u094c"  # vowel signs
    "\u0945\u0949\u0946\u094a\u0962\u0963"  # candra e/o, short e/o, vocalic l
    "\u093c\u094d\u0903\u093d"  # nukta, virama, visarga, avagraha
    "\u200d\u200c\u200b\ufeff\u00ad"  # ZWJ, ZWNJ, zero-width space, BOM, soft hyphen
)

assert len(_DEVA_FROM) == len(_DEVA_TO), (len(_DEVA_FROM), len(_DEVA_TO))


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


#: the function, as the migration creates it (IMMUTABLE: generated columns and indexes use it)
FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION eo_key(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
SELECT btrim(regexp_replace(regexp_replace(lower(
  regexp_replace(
    regexp_replace(
      regexp_replace(
        regexp_replace(
          regexp_replace(regexp_replace(regexp_replace(
            translate(
              translate(lower(normalize(t, NFC)), {_q(_DEVA_FROM + _DEVA_DROP)}, {_q(_DEVA_TO)}),
              'wzfqx', 'vjpkk'),
            'ch', 'C', 'g'), 'c([eiy])', 's\\1', 'g'), 'c', 'k', 'g'),
          '([kgjtdpbsC])h', '\\1', 'g'),
        '[^a-z0-9HC]+', ' ', 'g'),
      '\\m[aeiou]+', 'A', 'g'),
    '[aeiou]', '', 'g')),
  '([a-z0-9])\\1+', '\\1', 'g'), 'n([pbm])', 'm\\1', 'g'))
$$;
"""

#: each searchable table's generated key column: (table, expression over its own columns)
COLUMNS = {
    "efile": "to_tsvector('simple'::regconfig, eo_key(number || ' ' || subject))",
    "receipt": (
        "to_tsvector('simple'::regconfig, eo_key(diary_number || ' ' || sender_name || ' ' || "
        "coalesce(letter_number, '') || ' ' || subject || ' ' || coalesce(ocr_text, '')))"
    ),
    "note": "to_tsvector('simple'::regconfig, eo_key(body))",
    "dispatch": "to_tsvector('simple'::regconfig, eo_key(number || ' ' || subject))",
    "letter_version": "to_tsvector('simple'::regconfig, eo_key(subject || ' ' || body))",
    "library_entry": (
        "to_tsvector('simple'::regconfig, eo_key(coalesce(number, '') || ' ' || title || ' ' || "
        "coalesce(department, '') || ' ' || body || ' ' || coalesce(ocr_text, '')))"
    ),
}


def key_column(table: str):
    """The model's side of the generated column (never written by the app; loaded only when
    asked for)."""
    from sqlalchemy import Computed
    from sqlalchemy.dialects.postgresql import TSVECTOR
    from sqlalchemy.orm import mapped_column

    return mapped_column(TSVECTOR, Computed(COLUMNS[table], persisted=True), deferred=True)


def key_index(table: str):
    from sqlalchemy import Index

    return Index(f"ix_{table}_search_keys", "search_keys", postgresql_using="gin")

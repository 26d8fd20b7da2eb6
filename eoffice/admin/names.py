"""Names into login IDs: Hindi names as people spell them in Roman letters, and Aadhaar checks.

रामकिशोर यादव → ramkishor.yadav. The transliteration itself is indic-transliteration's (ITRANS);
what it cannot know is Hindi's silent inherent vowel (schwa): it writes "rAmakishora yAdava".
Before transliterating we mark the schwas Hindi does not pronounce with a virama (्), by the
usual rule: a word's last inherent vowel is silent (unless the word ends in a conjunct, चंद्र),
and a medial one between a vowel-bearing syllable before and after it (रामकिशोर: म).
"""

from __future__ import annotations

import re
import unicodedata

VIRAMA = "\u094d"
NUKTA = "\u093c"


def _is_consonant(ch: str) -> bool:
    return "\u0915" <= ch <= "\u0939" or "\u0958" <= ch <= "\u095f"


def _is_matra(ch: str) -> bool:
    return "\u093e" <= ch <= "\u094c" or ch in "\u0962\u0963"


def _syllables(word: str) -> list[list]:
    """[text, kind] per syllable: kind 'a' (inherent vowel), 'v' (a written vowel), '-' (none:
    a final virama, or a sign such as anusvara that rides on the syllable before)."""
    out: list[list] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        if _is_consonant(ch):
            j = i + 1
            while True:  # the cluster: C(nukta)(्C(nukta))*
                if j < n and word[j] == NUKTA:
                    j += 1
                if j + 1 < n and word[j] == VIRAMA and _is_consonant(word[j + 1]):
                    j += 2
                    continue
                break
            if j < n and _is_matra(word[j]):
                out.append([word[i : j + 1], "v", word[i:j]])
                j += 1
            elif j < n and word[j] == VIRAMA:
                out.append([word[i : j + 1], "-", word[i:j]])
                j += 1
            else:
                out.append([word[i:j], "a", word[i:j]])
            i = j
        elif "\u0904" <= ch <= "\u0914":  # an independent vowel
            out.append([ch, "v", ""])
            i += 1
        elif out:  # anusvara, chandrabindu, visarga: part of the syllable before
            out[-1][0] += ch
            i += 1
        else:
            out.append([ch, "-", ""])
            i += 1
    return out


def mark_silent_schwas(word: str) -> str:
    syl = _syllables(word)
    silent = [False] * len(syl)
    last = len(syl) - 1
    if last > 0 and syl[last][1] == "a" and VIRAMA not in syl[last][2]:
        silent[last] = True

    def sounded(k: int) -> bool:
        return syl[k][1] == "v" or (syl[k][1] == "a" and not silent[k])

    for k in range(last - 1, 0, -1):
        if syl[k][1] != "a" or syl[k][0] != syl[k][2]:  # an anusvara etc. keeps the vowel
            continue
        if sounded(k - 1) and sounded(k + 1):
            silent[k] = True
    return "".join(s[0] + (VIRAMA if silent[k] else "") for k, s in enumerate(syl))


def romanise(name: str) -> str:
    """A Hindi name in plain lower-case Roman letters: रामकिशोर यादव → "ramkishor yadav"."""
    from indic_transliteration import sanscript

    name = unicodedata.normalize("NFC", name)
    words = [mark_silent_schwas(w) for w in name.split()]
    itrans = sanscript.transliterate(" ".join(words), sanscript.DEVANAGARI, sanscript.ITRANS)
    itrans = re.sub(r"Mh", "ngh", itrans)  # सिंह → singh
    itrans = re.sub(r"M(?=[pbm])", "m", itrans)  # संपत → sampat
    itrans = itrans.replace("M", "n").replace(".N", "n").replace("RRi", "ri").replace("~N", "n")
    itrans = itrans.replace(".D", "d").replace(".h", "")
    return " ".join(re.sub(r"[^a-z0-9]", "", w.lower()) for w in itrans.split()).strip()


def login_base(name_hi: str, name_en: str | None = None) -> str:
    """The login ID a name suggests, before collisions are numbered: words joined by dots."""
    source = name_en if name_en and name_en.isascii() else romanise(name_hi)
    words = [re.sub(r"[^a-z0-9]", "", w) for w in source.lower().replace(".", " ").split()]
    base = ".".join(w for w in words if w)[:60].strip(".")
    return base if len(base) >= 3 else (base + "user")[:60]


# --- Aadhaar ---------------------------------------------------------------------------

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_ok(digits: str) -> bool:
    """Aadhaar's check digit (Verhoeff): True when the whole number checks out."""
    c = 0
    for i, d in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][int(d)]]
    return c == 0

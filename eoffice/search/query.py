"""What the words in the box become: a Postgres tsquery over the search keys (eoffice.platform.keys),
with the other spellings people type for the same word, worked out here on the query's side so
that no stored key changes:

    प्रधान मंत्री  ↔ प्रधानमंत्री      two words also as one (prdn & mntr | prdnmntr), one long
                                      word also as two (prdnmntr | prdn & mntr | …)
    digital → डिजिटल, register → रजिस्टर, budget → बजट   g/dg before e, i, y as j
    tax → टैक्स, station → स्टेशन, scheme → स्कीम         x as ks, -tion/-sion as -shan, sch as sk
    विभाग ↔ बिभाग, क्षेत्र ↔ छेत्र                          व and ब, क्ष and छ alike

Every word must be found (AND); each word may be found in any of its spellings (OR); the last
word also as the beginning of a word (results as one types).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

#: a roman word's other spellings, before keying: English loanwords as Hindi writes them
ROMAN = [
    (re.compile(r"dg(?=[eiy])"), "j"),  # budget → बजट
    (re.compile(r"g(?=[eiy])"), "j"),  # digital → डिजिटल, register → रजिस्टर
    (re.compile(r"x"), "ks"),  # tax → टैक्स
    (re.compile(r"[ts]ion"), "shan"),  # station → स्टेशन, commission → कमीशन
    (re.compile(r"sch"), "sk"),  # scheme → स्कीम, school → स्कूल
]
#: letters people type for one another, swapped in the word as typed (a key has lost too much:
#: बिभाग and विभाग key as bg and vbg): व/ब, क्ष/छ, and the same in roman letters
SWAPS = [
    (re.compile("व|ब"), {"व": "ब", "ब": "व"}),
    (re.compile("क्ष|छ"), {"क्ष": "छ", "छ": "क्ष"}),
    (re.compile("v|b"), {"v": "b", "b": "v"}),
    (re.compile("ksh|chh"), {"ksh": "chh", "chh": "ksh"}),
]
MAX_SPELLINGS = 8
#: a long word is also tried as two, each part at least this long (shorter parts are too common)
MIN_PART = 2
#: only a key this long is tried as two words (प्रधानमंत्री prdmmntr, जिलाधिकारी jldkr): "tarbooj"
#: (trbj) as "tr" and "bj", two of the commonest keys, made a rare word cost 150 ms at 1M files
MIN_SPLIT = 5
ROMAN_WORD = re.compile(r"^[a-z]+$")


def roman_spellings(word: str) -> list[str]:
    """The word and, if it is roman, its loanword spellings (each rule alone and all together)."""
    w = word.lower()
    if not ROMAN_WORD.match(w):
        return [word]
    out = [w]
    every = w
    for pattern, repl in ROMAN:
        if pattern.search(w):
            out.append(pattern.sub(repl, w))
            every = pattern.sub(repl, every)
    out.append(every)
    return list(dict.fromkeys(out))


def swapped(word: str) -> list[str]:
    """The word and its spellings with व/ब and क्ष/छ (v/b, ksh/chh) exchanged, place by place
    (the first three places; at most MAX_SPELLINGS)."""
    places = sorted(
        (m.start(), m.end(), table[m.group()])
        for pattern, table in SWAPS
        for m in pattern.finditer(word)
    )
    out = []
    for chosen in itertools.product((False, True), repeat=min(len(places), 3)):
        pieces, at = [], 0
        for (start, end, other), on in zip(places, chosen, strict=False):
            if on:
                pieces += [word[at:start], other]
                at = end
        out.append("".join(pieces) + word[at:])
        if len(out) >= MAX_SPELLINGS:
            break
    return list(dict.fromkeys(out))


def spellings_of(word: str) -> list[str]:
    """Every spelling of a typed word to key: its loanword spellings, each with its swaps."""
    out = [sw for sp in roman_spellings(word) for sw in swapped(sp)]
    return list(dict.fromkeys(out))[: 2 * MAX_SPELLINGS]


def fold(key: str) -> str:
    """What eo_key does last, for keys put together here: doubled letters as one, then n before
    p, b, m as m (प्रधान + मंत्री: prdn + mntr → prdmmntr, as eo_key('प्रधानमंत्री'))."""
    return re.sub(r"n([pbm])", r"m\1", _once(key))


def _once(key: str) -> str:
    """Doubled letters as one (eo_key's own step)."""
    return re.sub(r"([a-z0-9])\1+", r"\1", key)


@dataclass
class Word:
    """One typed word: its spellings, each a list of keys that must all be found."""

    spellings: list[list[str]] = field(default_factory=list)

    @property
    def single(self) -> str | None:
        """The word's key when it is one key in its own spelling (compounds are built of these)."""
        first = self.spellings[0] if self.spellings else []
        return first[0] if len(first) == 1 else None


@dataclass
class Query:
    words: list[Word]
    #: every word whole, the last too (a number typed in full: "2025" as a beginning would
    #: gather every key from 2025 on, 64 ms at 1M files against 13 for the word)
    whole: bool = False

    def __bool__(self) -> bool:
        return bool(self.words)

    @property
    def _last(self) -> int:
        """The word that is also a beginning (-1: none)."""
        return -1 if self.whole else len(self.words) - 1

    @property
    def keys(self) -> list[str]:
        """Every key the query looks for, in order: each spelling's, two words joined, a long
        word's parts (what the page marks in the results)."""
        out: list[str] = []
        joined = dict(self._joined())
        for i, w in enumerate(self.words):
            for sp in w.spellings:
                out.extend(sp)
                if len(sp) == 1:
                    out.extend(part for cut in _splits(sp[0]) for part in cut)
            if i in joined:
                out.append(joined[i])
        return list(dict.fromkeys(out))

    def _joined(self) -> list[tuple[int, str]]:
        """(i, key) for each two neighbouring one-key words i and i + 1, also tried as the one
        word they make (जिला अधिकारी = जिलाधिकारी)."""
        return [
            (i, _join(a.single, b.single))
            for i, (a, b) in enumerate(zip(self.words, self.words[1:], strict=False))
            if a.single and b.single
        ]

    @property
    def prefixes(self) -> list[str]:
        """The keys the last word's spellings begin with."""
        if not self.words or self.whole:
            return []
        return list(dict.fromkeys(sp[-1] for sp in self.words[-1].spellings))

    def tsquery(self) -> str:
        """The tsquery: every word, the last also as the beginning of a word."""
        if not self.words:
            return ""
        n = len(self.words)
        options = [self._and(range(n), None)]
        options += [self._and(range(n), pair) for pair in self._joined()]
        return " | ".join(f"( {o} )" for o in options)

    def share(self, freq) -> float:
        """At most what share of a table's rows the query matches, given `freq(key, prefix)`:
        the share of rows holding the key (or, `prefix`, a key beginning with it). Words are
        ANDed (the rarest bounds them), spellings and joined words ORed (their shares add)."""
        if not self.words:
            return 0.0
        last = self._last

        def word(i: int) -> float:
            total = 0.0
            for sp in self.words[i].spellings:
                total += min(freq(k, i == last and j == len(sp) - 1) for j, k in enumerate(sp))
                if len(sp) == 1:
                    total += sum(min(freq(h, False), freq(t, False)) for h, t in _splits(sp[0]))
            return total

        share = min(word(i) for i in range(len(self.words)))
        share += sum(freq(joined, i + 1 == last) for i, joined in self._joined())
        return min(share, 1.0)

    @property
    def short_last(self) -> bool:
        """The last word is a beginning too short to know how many words it begins (results
        as one types: "pr")."""
        if not self.words or self.whole:
            return False
        return min(len(sp[-1]) for sp in self.words[-1].spellings) < 4

    def _and(self, idx, joined: tuple[int, str] | None) -> str:
        last = self._last
        parts = []
        skip = -1
        for i in idx:
            if i == skip:
                continue
            if joined and joined[0] == i:
                parts.append(_key(joined[1], prefix=i + 1 == last))
                skip = i + 1
                continue
            parts.append(self._word(i, prefix=i == last))
        return " & ".join(parts)

    def _word(self, i: int, *, prefix: bool) -> str:
        alts = []
        for sp in self.words[i].spellings:
            keys = [_key(k, prefix=prefix and j == len(sp) - 1) for j, k in enumerate(sp)]
            alts.append(keys[0] if len(keys) == 1 else "( " + " & ".join(keys) + " )")
            if len(sp) == 1:  # one long key also as two words (प्रधानमंत्री = प्रधान मंत्री)
                for head, tail in _splits(sp[0]):  # whole words: a prefix of a part is too wide
                    alts.append(f"( {head} & {tail} )")
        return alts[0] if len(alts) == 1 else "( " + " | ".join(dict.fromkeys(alts)) + " )"


def _join(a: str, b: str) -> str:
    """Two words' keys as the key of the one word they make: a word's first vowel is kept as a,
    inside a word it goes (जिला अधिकारी: jl adkr; जिलाधिकारी: jldkr)."""
    return fold(a + (b[1:] if b.startswith("a") and len(b) > 1 else b))


def _splits(k: str) -> list[tuple[str, str]]:
    """A long key as two words' keys, at every place that leaves each part MIN_PART letters
    (not numbers: 2026 is not 20 and 26): the second may begin with a vowel (a), the first may
    end in n where the whole has m before p, b, m (प्रधानमंत्री: prdmmntr → prdn mntr)."""
    if not k.isalpha() or len(k) < MIN_SPLIT:
        return []
    out = []
    for cut in range(MIN_PART, len(k) - MIN_PART + 1):
        head, tail = k[:cut], k[cut:]
        heads = [head] + ([head[:-1] + "n"] if head.endswith("m") and tail[0] in "pbm" else [])
        tails = [tail] + (["a" + tail] if not tail.startswith("a") else [])
        out += [(h, t) for h in heads for t in tails]
    return out


def _key(k: str, *, prefix: bool) -> str:
    return f"{k}:*" if prefix else k


def build(words: list[str], keyed: dict[str, str]) -> Query:
    """The query of `words` (as typed), given each spelling's key (`keyed`: spelling → key, by
    Postgres's eo_key). Words that key to nothing (punctuation) are left out."""
    out = []
    for w in words:
        spellings: list[list[str]] = []
        for sp in spellings_of(w):
            tokens = keyed.get(sp, "").split()
            if tokens:
                spellings.append(tokens)
                # eo_key makes n before b, m into m after it made doubled letters one: नंबर is
                # mbr, "number" mmbr; both are tried
                once = [_once(t) for t in tokens]
                if once != tokens:
                    spellings.append(once)
        unique = list(dict.fromkeys(tuple(s) for s in spellings))
        if unique:
            out.append(Word([list(s) for s in unique][:MAX_SPELLINGS]))
    return Query(out)

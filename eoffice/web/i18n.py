"""Language selection and the office's terminology profile."""

from __future__ import annotations

import enum
from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date, format_datetime
from flask import current_app, g, request
from flask.globals import _cv_app  # the app context itself: `g` without its proxy (hot path)
from flask_babel import get_locale, get_translations, lazy_gettext, lazy_pgettext
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from eoffice.platform import clock
from eoffice.platform.kept import Kept


class FileTerm(enum.StrEnum):
    """The office's word for a file (see GLOSSARY.md): पत्रावली (UP, UK) or नस्ती (MP, CG)."""

    PATRAVALI = "patravali"
    NASTI = "nasti"


LANG_COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    """The user's saved choice, then the language cookie, then Hindi: never the browser's."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_language(response, lang: str):
    """Keep the choice in the browser for a year (it outlives the login session)."""
    response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


#: The office's own words for a file. One setting (Office.file_term) switches every page.
TERMS = {
    FileTerm.PATRAVALI: {
        "file": lazy_pgettext("patravali", "File"),
        "files": lazy_pgettext("patravali", "Files"),
    },
    FileTerm.NASTI: {
        "file": lazy_pgettext("nasti", "File"),
        "files": lazy_pgettext("nasti", "Files"),
    },
}


def term(word: str, office=None) -> str:
    """`term('files')` in the current office's vocabulary (पत्रावलियाँ or नस्तियाँ)."""
    office = office or getattr(g, "office", None)
    profile = FileTerm(office.file_term) if office is not None else FileTerm.PATRAVALI
    return str(TERMS[profile][word])


def _translations():
    """Flask-Babel's translations for the current locale, looked up in its own cache directly.
    A page calls gettext about a hundred times; Flask-Babel's path to the catalogue walks
    three context lookups per call, which was a tenth of the inbox's CPU time. Falls back to
    Flask-Babel whenever its cache does not hold the answer yet (first use, outside a request,
    inside force_locale before its first lookup). The catalogue is then kept beside the locale
    for the rest of the request (naming the locale to look it up costs more than the lookup)."""
    try:
        babel = _cv_app.get().g._flask_babel  # the app context's g without the proxy `g`
        locale = babel.babel_locale
        kept = babel.__dict__.get("eo_translations")
        if kept is not None and kept[0] is locale:  # the same locale object: the same catalogue
            return kept[1]
        domain = babel.babel_domain
        found = domain.cache[str(locale), domain.domain[0]]
        babel.eo_translations = (locale, found)
        return found
    except (AttributeError, LookupError):  # KeyError, and no app context (ContextVar unset)
        return get_translations()


def translate(msgid: str) -> str:
    """gettext for Python code on a hot path (the navigation's labels on every page)."""
    return _translations().ugettext(msgid)


def language() -> str:
    """The page's language ("hi", "en"), read where Flask-Babel keeps it once chosen (names
    of posts and offices ask this thousands of times on a district report)."""
    try:
        return _cv_app.get().g._flask_babel.babel_locale.language
    except (AttributeError, LookupError):
        locale = get_locale()
        return locale.language if locale is not None else "hi"


def install_fast_gettext(app) -> None:
    """Replace the gettext callables Flask-Babel gave Jinja with ones using `_translations`,
    already in Jinja's "newstyle" form (a translated string is marked safe when autoescaping
    and always %-formatted with its variables, exactly as jinja2.ext does it). Jinja's own
    wrappers cost two context calls a string, and a page has about a hundred strings."""
    app.jinja_env.newstyle_gettext = True  # {% trans %} compiles to calls of these as they are
    app.jinja_env.globals.update(
        _=_gettext,
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
    )


def _newstyle(eval_ctx, rv: str, variables: dict) -> str:
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


#: (catalogue, string) → the string as a template shows it, for calls without variables (most
#: of a page's strings: each was looked up, marked safe and %-formatted every time); and the
#: same for a plural with only its number ("3 दिन"), per number
_SHOWN = Kept(20_000)


@pass_eval_context
def _gettext(eval_ctx, string: str, /, **variables) -> str:
    tr = _translations()
    if variables or not eval_ctx.autoescape:
        return _newstyle(eval_ctx, tr.ugettext(string), variables)
    key = (tr, string)
    found = _SHOWN.get(key)
    return found if found is not None else _SHOWN.keep(key, Markup(tr.ugettext(string)) % {})


@pass_eval_context
def _ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    tr = _translations()
    if variables or not eval_ctx.autoescape or type(num) is not int:
        variables.setdefault("num", num)
        return _newstyle(eval_ctx, tr.ungettext(singular, plural, num), variables)
    key = (tr, singular, plural, num)
    found = _SHOWN.get(key)
    if found is None:
        found = _SHOWN.keep(key, Markup(tr.ungettext(singular, plural, num)) % {"num": num})
    return found


@pass_eval_context
def _pgettext(eval_ctx, context: str, string: str, /, **variables) -> str:
    variables.setdefault("context", context)
    return _newstyle(eval_ctx, _translations().upgettext(context, string), variables)


@pass_eval_context
def _npgettext(eval_ctx, context: str, singular: str, plural: str, num: int, /, **variables):
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    return _newstyle(
        eval_ctx, _translations().unpgettext(context, singular, plural, num), variables
    )


# --- dates and times: India's zone, unambiguous formats ---------------------------------
#: "2 दिसंबर 2026" or 02-12-2026, never "2/12/26"; times on the 24-hour clock, never "1:53 am"
DATE_FORMATS = {
    "short": "dd-MM-y",
    "medium": "d MMMM y",
    "long": "d MMMM y",
    "full": "EEEE, d MMMM y",
}
DATETIME_FORMATS = {
    "short": "dd-MM-y, HH:mm",
    "medium": "d MMMM y, HH:mm",
    "long": "d MMMM y, HH:mm",
    "full": "EEEE, d MMMM y, HH:mm",
}


def _locale():
    return get_locale() or "hi"


def format_day(value, format: str = "medium", locale=None) -> str:
    """A date (or a stored timestamp's Indian calendar day) as the pages show it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local_date(value)
    return _format_day(value, DATE_FORMATS.get(format, format), str(locale or language()))


@lru_cache(maxsize=4096)
def _format_day(value: date, pattern: str, locale: str) -> str:
    """Babel's formatting, remembered: a list shows the same few days in every row (a due date
    formatted afresh 25 times a page was a visible share of the inbox's time)."""
    return format_date(value, pattern, locale=locale)


def format_moment(value, format: str = "medium", locale=None) -> str:
    """A stored (UTC) timestamp in India's time: "2 दिसंबर 2026, 14:05"."""
    if value is None:
        return ""
    return format_datetime(
        clock.local(value), DATETIME_FORMATS.get(format, format), locale=locale or _locale()
    )


def install_date_filters(app) -> None:
    """Replace Flask-Babel's date filters (server zone and locale defaults such as "2/12/26,
    1:53 am") with ours; `|dateformat` and `|datetimeformat` keep their names in templates."""
    app.jinja_env.filters.update(
        dateformat=format_day,
        datetimeformat=format_moment,
        timeformat=lambda v, f="HH:mm": format_moment(v, f),
        dn=format_dn,
        dn_name=dn_name,
    )


# --- certificate names ------------------------------------------------------------------
#: the parts of a certificate's subject or issuer a user recognises, in the page's language
DN_LABELS = {
    "CN": lazy_gettext("Name"),
    "O": lazy_gettext("Organisation"),
    "OU": lazy_gettext("Unit"),
    "L": lazy_gettext("Place"),
    "ST": lazy_gettext("State"),
    "C": lazy_gettext("Country"),
}


def format_dn(value: str | None):
    """ "CN=अंकुर श्रीवास्तव,O=eoffice test CA" → "नाम: अंकुर श्रीवास्तव; संस्था: eoffice test CA",
    never the RFC 4514 string; Latin values are marked lang="en" on a Hindi page."""
    from markupsafe import Markup, escape

    if not value:
        return ""
    try:
        from cryptography import x509

        attrs = [
            a for rdn in reversed(list(x509.Name.from_rfc4514_string(value).rdns)) for a in rdn
        ]
        pairs = [(a.rfc4514_attribute_name, str(a.value)) for a in attrs]
    except (ValueError, TypeError):
        return escape(value)
    parts = []
    for key, text in pairs:
        label = DN_LABELS.get(key)
        if label is None:
            continue
        shown = escape(text)
        if text.isascii() and any(c.isalpha() for c in text):
            shown = Markup('<span lang="en">%s</span>') % text
        parts.append(Markup("%s: %s") % (str(label), shown))
    return Markup("; ").join(parts)


def dn_name(value: str | None) -> str:
    """The holder's name (CN) of an RFC 4514 subject, for a select's option text."""
    if not value:
        return ""
    try:
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        found = x509.Name.from_rfc4514_string(value).get_attributes_for_oid(NameOID.COMMON_NAME)
    except (ValueError, TypeError):
        return value
    return str(found[0].value) if found else value

"""Language selection and the office's terminology profile."""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import get_translations, lazy_pgettext
from flask_login import current_user

from eoffice.org.models import FileTerm

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
    inside force_locale before its first lookup)."""
    try:
        locale = g._flask_babel.babel_locale
        domain = g._flask_babel.babel_domain
        return domain.cache[str(locale), domain.domain[0]]
    except (AttributeError, KeyError, RuntimeError):
        return get_translations()


def install_fast_gettext(app) -> None:
    """Replace the gettext callables Flask-Babel gave Jinja with ones using `_translations`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )

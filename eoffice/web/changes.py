"""One change a form asks for, run the one way every page runs it: the service refuses
(`Refused`) and nothing of it stays, or it is committed.

    office, error = attempt(lambda: setup.save_office(actor, None, request.form), setup.message)
    if error is None:
        flash(...)
        return redirect_to(...)
    return render_template(..., error=error), 400
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db

T = TypeVar("T")


def attempt(change: Callable[[], T], say: Callable[[Refused], str]) -> tuple[T | None, str | None]:
    """(what the change returned, None) once committed; (None, what `say` makes of the
    refusal) once rolled back."""
    try:
        result = change()
    except Refused as e:
        db.session.rollback()
        return None, say(e)
    db.session.commit()
    return result, None

"""WTForms fields whose own error messages are ours, so they reach the user in Hindi.

(WTForms has no Hindi catalogue: its built-in "Not a valid choice." would leak English.)
"""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from eoffice.platform.clock import DAY_FORMATS
from eoffice.platform.text import clean_line, clean_text

#: how dates are typed: India's day-month-year first (and shown so), ISO and slashes accepted
DATE_FORMATS = DAY_FORMATS


class DateInput(DateField):
    """A date in a plain text box, shown and typed as 02-12-2026. A browser's own date picker
    (`<input type=date>`) follows the browser's locale, not the page's: an en-US phone showed
    mm/dd/yyyy on a Hindi page."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault(
            "render_kw",
            {"inputmode": "numeric", "maxlength": "10", "placeholder": _l("dd-mm-yyyy")},
        )
        super().__init__(label, validators, format=DATE_FORMATS, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Enter a real date."))) from None


class Select(SelectField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Choose one of the options."))) from None

    def pre_validate(self, form):
        if self.choices is not None and self.data not in {c[0] for c in self.choices}:
            raise ValidationError(_l("Choose one of the options."))


class MultiSelect(SelectMultipleField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError(str(_l("Choose one of the options."))) from None

    def pre_validate(self, form):
        allowed = {c[0] for c in self.choices or []}
        if any(v not in allowed for v in self.data or []):
            raise ValidationError(_l("Choose one of the options."))


GRADINGS = [
    ("normal", _l("Normal")),
    ("confidential", _l("Confidential")),
    ("secret", _l("Secret")),
]
PRIORITIES = [
    ("normal", _l("Normal")),
    ("immediate", _l("Immediate")),
    ("most_immediate", _l("Most immediate")),
]


def clean(value):
    return clean_line(value) if isinstance(value, str) else value


def required(message):
    """Required after cleaning: a value of only spaces or zero-width characters is empty."""

    def check(form, field):
        if not field.data:
            raise ValidationError(message)

    return check


def clean_multiline(value):
    return clean_text(value) if isinstance(value, str) else value

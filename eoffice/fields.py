"""WTForms fields whose own error messages are ours, so they reach the user in Hindi.

(WTForms has no Hindi catalogue: its built-in "Not a valid choice." would leak English.)
"""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.validators import ValidationError

from eoffice.text import clean_line, clean_text


class DateInput(DateField):
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

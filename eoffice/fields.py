"""WTForms fields whose own error messages are ours, so they reach the user in Hindi.

(WTForms has no Hindi catalogue: its built-in "Not a valid choice." would leak English.)
"""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import ValidationError


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

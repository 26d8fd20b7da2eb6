from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from eoffice.citizens import services
from eoffice.web.hostile import to_int


class StatusForm(FlaskForm):
    office = SelectField(_l("Office"), coerce=lambda v: to_int(v, 0), validate_choice=False)
    diary = StringField(
        _l("Diary number (on the acknowledgement)"),
        validators=[DataRequired(_l("Enter the diary number from the acknowledgement."))],
        render_kw={"maxlength": 60, "autocomplete": "off", "spellcheck": "false"},
    )
    digits = StringField(
        _l("Last four digits of your mobile number"),
        validators=[DataRequired(_l("Enter the last four digits of your mobile number."))],
        render_kw={"maxlength": 8, "inputmode": "numeric", "autocomplete": "off"},
    )
    #: the पावती's own key, from its QR link: lifts the per-number limit (services.lift_key)
    key = HiddenField()

    def validate_diary(self, field):
        parsed = services.parse_diary(field.data)
        if parsed is None:
            raise ValidationError(_l("Write the diary number as printed, e.g. कले/2026/000123."))
        if parsed[0] is None and self.office.data not in {
            c[0] for c in self.office.choices if c[0]
        }:
            raise ValidationError(_l("Choose the office, or write the whole diary number."))

    def validate_digits(self, field):
        if services.parse_digits(field.data) is None:
            raise ValidationError(_l("Write exactly four digits, e.g. 3210."))

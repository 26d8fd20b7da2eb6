import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from eoffice.platform.clock import today
from eoffice.platform.text import email_address
from eoffice.web.fields import GRADINGS, PRIORITIES, DateInput, Select
from eoffice.web.fields import clean as _clean
from eoffice.web.fields import required as _required

MODES = [
    ("post", lazy_pgettext("mode", "By post")),
    ("hand", _l("By hand")),
    ("email", _l("Email")),
    ("courier", _l("Courier")),
    ("portal", _l("Portal")),
]
#: no letter in an office's dak is older than this (the year numbers diaries and files)
EARLIEST = date(1950, 1, 1)
LANGUAGES = [("hi", _l("Hindi")), ("en", _l("English")), ("other", _l("Other"))]


class DiariseForm(FlaskForm):
    key = HiddenField()
    sender_name = StringField(
        _l("Sender's name"),
        filters=[_clean],
        validators=[
            _required(_l("Enter the sender's name.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    sender_designation = StringField(
        _l("Sender's designation"),
        filters=[_clean],
        validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters."))],
    )
    sender_organisation = StringField(
        _l("Organisation"),
        filters=[_clean],
        validators=[Optional(), Length(max=300, message=_l("At most %(max)d characters."))],
    )
    sender_address = TextAreaField(
        _l("Address"),
        filters=[_clean],
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
    )
    letter_number = StringField(
        _l("Letter number"),
        filters=[_clean],
        validators=[Optional(), Length(max=100, message=_l("At most %(max)d characters."))],
    )
    letter_date = DateInput(_l("Letter date"), validators=[Optional()])
    received_on = DateInput(
        _l("Date received"),
        default=today,
        validators=[InputRequired(_l("Enter the date the letter was received."))],
    )
    mode = Select(_l("Received by"), choices=MODES, default="post")
    language = Select(_l("Language of the letter"), choices=LANGUAGES, default="hi")
    subject = TextAreaField(
        _l("Subject"),
        filters=[_clean],
        validators=[
            _required(_l("Enter the subject of the letter.")),
            Length(max=1000, message=_l("At most %(max)d characters.")),
        ],
    )
    category = Select(_l("Category"), coerce=int, validators=[Optional()])
    grading = Select(_l("Grading"), choices=GRADINGS, default="normal")
    priority = Select(_l("Priority"), choices=PRIORITIES, default="normal")
    due_on = DateInput(_l("Due date"), validators=[Optional()])
    citizen_mobile = StringField(
        _l("Citizen's mobile (for status enquiries)"), filters=[_clean], validators=[Optional()]
    )
    citizen_email = StringField(
        _l("Sender's email (optional, for an acknowledgement)"),
        filters=[_clean],
        validators=[Optional(), Length(max=254, message=_l("The email address is too long."))],
    )
    during_outage = BooleanField(_l("Received during an outage (entered afterwards)"))
    is_physical_only = BooleanField(_l("Physical letter only (no scan)"))
    scan = MultipleFileField(_l("Scan (PDF) or photos (JPEG/PNG)"))

    def validate_received_on(self, field):
        if field.data and field.data > today():
            raise ValidationError(_l("The date received cannot be in the future."))
        if field.data and field.data < EARLIEST:  # 0001-01-01 made diary number कले/1/000003
            raise ValidationError(_l("This date is too far in the past. Check the year."))

    def validate_letter_date(self, field):
        if field.data and field.data < EARLIEST:
            raise ValidationError(_l("This date is too far in the past. Check the year."))
        if field.data and self.received_on.data and field.data > self.received_on.data:
            raise ValidationError(_l("The letter cannot be dated after it was received."))

    def validate_due_on(self, field):
        if field.data and self.received_on.data and field.data < self.received_on.data:
            raise ValidationError(_l("The due date cannot be before the date received."))

    def validate_citizen_mobile(self, field):
        if field.data:
            digits = re.sub(r"[\s-]", "", field.data).removeprefix("+91")
            if not re.fullmatch(r"[6-9][0-9]{9}", digits):
                raise ValidationError(_l("Enter a 10-digit Indian mobile number."))
            field.data = digits

    def validate_citizen_email(self, field):
        if field.data:
            checked = email_address(field.data)
            if checked is None:
                raise ValidationError(
                    _l("Enter one email address like name@example.com (only one).")
                )
            field.data = checked

    def uploads(self) -> list:
        return [f for f in (self.scan.data or []) if getattr(f, "filename", "")]

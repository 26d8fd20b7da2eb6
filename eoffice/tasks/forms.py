from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from eoffice.platform.clock import today
from eoffice.web.fields import DateInput, Select, clean, clean_multiline, required

AT_MOST = _l("At most %(max)d characters.")


class TaskForm(FlaskForm):
    key = HiddenField()
    title = StringField(
        _l("Task"),
        filters=[clean],
        validators=[required(_l("Write what is to be done.")), Length(max=300, message=AT_MOST)],
        render_kw={"maxlength": 300},
    )
    details = TextAreaField(
        _l("Details (optional)"),
        filters=[clean_multiline],
        validators=[Optional(), Length(max=5000, message=AT_MOST)],
    )
    to_post = Select(_l("Give to"), coerce=int)
    due_on = DateInput(_l("Due by"))
    number = StringField(
        _l("File or diary number it is about (optional)"),
        filters=[clean],
        validators=[Optional(), Length(max=120, message=AT_MOST)],
    )

    def validate_due_on(self, field):
        if field.data is None:
            raise ValidationError(_l("Enter the date by which it is due."))
        if field.data < today():
            raise ValidationError(_l("The date cannot be in the past."))


class ProgressForm(FlaskForm):
    key = HiddenField()
    remarks = TextAreaField(
        _l("Progress or outcome"),
        filters=[clean_multiline],
        validators=[
            required(_l("Write what was done.")),
            Length(max=5000, message=AT_MOST),
        ],
    )


class ReminderForm(FlaskForm):
    key = HiddenField()
    message = TextAreaField(
        _l("Message (optional)"),
        filters=[clean_multiline],
        validators=[Optional(), Length(max=2000, message=AT_MOST)],
    )

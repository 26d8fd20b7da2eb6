from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from eoffice.web.fields import GRADINGS, PRIORITIES, Select, clean, required

KINDS = [("electronic", _l("Electronic")), ("physical", _l("Physical (paper)"))]


class FileForm(FlaskForm):
    key = HiddenField()
    #: a receipt to place in the new file as its first correspondence
    receipt = HiddenField()
    subject = TextAreaField(
        _l("Subject"),
        filters=[clean],
        validators=[
            required(_l("Enter the subject of the file.")),
            Length(max=1000, message=_l("At most %(max)d characters.")),
        ],
    )
    section = Select(_l("Section"), coerce=int)
    head = Select(_l("Subject head"), coerce=int)
    kind = Select(_l("Type"), choices=KINDS, default="electronic")
    category = Select(_l("Category"), coerce=int, validators=[Optional()])
    grading = Select(_l("Grading"), choices=GRADINGS, default="normal")
    priority = Select(_l("Priority"), choices=PRIORITIES, default="normal")
    physical_location = StringField(
        _l("Where the paper file is kept"),
        filters=[clean],
        validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters."))],
    )

    def validate_head(self, field):
        if not field.data:  # no silent default from another section: a choice is required
            raise ValidationError(_l("Choose the subject head."))

    def validate_physical_location(self, field):
        if self.kind.data == "physical" and not field.data:
            raise ValidationError(_l("Say where the paper file is kept."))


class AttachForm(FlaskForm):
    receipt = Select(_l("Receipt"), coerce=int)

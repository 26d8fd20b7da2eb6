from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from eoffice.org.models import Post
from eoffice.platform.clock import today
from eoffice.platform.extensions import db
from eoffice.web.fields import PRIORITIES, DateInput, MultiSelect, Select, clean, clean_multiline
from eoffice.web.hostile import to_int


class SendForm(FlaskForm):
    key = HiddenField()
    #: the item's last movement when the form was drawn: a stale form cannot move it again
    expected = HiddenField()
    q = StringField(_l("Find a post: name, designation or abbreviation"), filters=[clean])
    #: any post id: the service says why a post cannot receive (vacant, self, other district)
    to_post = StringField(_l("Send to"))
    remarks = TextAreaField(
        _l("Remarks"),
        filters=[clean_multiline],
        validators=[Optional(), Length(max=2000, message=_l("At most %(max)d characters."))],
    )
    priority = Select(_l("Priority"), choices=PRIORITIES, default="normal")
    due_on = DateInput(_l("Reply by (optional)"), validators=[Optional()])
    copies = MultiSelect(_l("Copy for information (optional)"), coerce=int)

    def validate_to_post(self, field):
        value = (field.data or "").strip()
        post_id = to_int(value)
        post = db.session.get(Post, post_id) if post_id is not None else None
        if post is None:
            raise ValidationError(_l("Choose the post to send to."))
        field.post = post

    def validate_due_on(self, field):
        if field.data and field.data < today():
            raise ValidationError(_l("The date cannot be in the past."))

    def validate_expected(self, field):
        if field.data and not field.data.isdigit():
            raise ValidationError(_l("The form was damaged. Please open it again."))

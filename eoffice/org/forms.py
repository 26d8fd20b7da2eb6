from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, Optional

from eoffice.platform.clock import today
from eoffice.web.fields import DateInput, Select, clean


class DelegationForm(FlaskForm):
    post = Select(_l("Post"), coerce=int)
    delegate = Select(_l("Hand over to"), coerce=int)
    starts_on = DateInput(
        lazy_pgettext("date range", "From"),
        default=today,
        validators=[InputRequired(_l("Enter a date."))],
    )
    ends_on = DateInput(_l("Until (inclusive)"), validators=[InputRequired(_l("Enter a date."))])
    reason = StringField(
        _l("Reason (e.g. earned leave)"),
        filters=[clean],
        validators=[Optional(), Length(max=300, message=_l("At most %(max)d characters."))],
    )


class TransferForm(FlaskForm):
    successor = Select(_l("New holder"), coerce=int)

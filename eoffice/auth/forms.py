from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

#: Longer passwords are refused before hashing; argon2 would take them, a 2G link should not.
MAX_PASSWORD = 256


class LoginForm(FlaskForm):
    login_id = StringField(
        _l("Login ID"),
        validators=[
            DataRequired(_l("Enter your login ID.")),
            Length(max=200, message=_l("The login ID is too long.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=MAX_PASSWORD, message=_l("The password is too long.")),
        ],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(_l("Enter your current password.")),
            Length(max=MAX_PASSWORD, message=_l("The password is too long.")),
        ],
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(
                min=10,
                max=MAX_PASSWORD,
                message=_l("The new password must be 10 to 256 characters long."),
            ),
        ],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Enter the new password again.")),
            EqualTo("new_password", _l("The two new passwords do not match.")),
        ],
    )

    def validate_new_password(self, field):
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("The new password must differ from the current one."))

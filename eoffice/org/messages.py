"""What the organisation's refusals say, in the user's language: the post-holder page and the
admin's user page give charges through the same service (org.services.take_charge)."""

from flask_babel import lazy_gettext as _l

#: Why a charge cannot be given (org.services.take_charge, transfer): the admin's pages too.
CHARGE_REFUSED = {
    "user_disabled": _l(
        "This user is deactivated: a deactivated user holds no post. Activate them first if "
        "they have returned."
    ),
    "post_unknown": _l("Choose an active post of an open office."),
    "other_district": _l("Choose a post of your district."),
    "other_office": _l("You can give a post only to the people of its office."),
    "date_future": _l("The date cannot be in the future: record a transfer on the day it happens."),
    "date_before": _l("The date cannot be before the present charge began (%(since)s)."),
    "holds_already": _l("The user already holds this post."),
    "post_held": _l(
        "%(holder)s holds this post as a regular charge. Give an additional charge, or first "
        "transfer %(holder)s."
    ),
    "additional_other_office": _l(
        "An additional charge is of a post of the user's own office. To move the user to "
        "another office, give the post as a regular charge (a transfer)."
    ),
}

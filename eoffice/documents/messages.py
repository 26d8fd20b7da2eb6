"""What an upload refused by the sanitiser (eoffice.documents.sanitise.Rejected) tells the user:
the same words for dak and for documents placed in a file."""

from flask_babel import lazy_gettext as _l

REJECTED = {
    "empty": _l("The file is empty."),
    "wrong_type": _l("Only PDF, JPEG or PNG files can be attached."),
    "one_pdf_only": _l("Attach one PDF, or one or more photos, not both."),
    "encrypted": _l("This PDF is password-protected. Please attach an unprotected copy."),
    "malformed_pdf": _l("This PDF is damaged and cannot be opened. Please scan it again."),
    "no_pages": _l("This PDF has no pages."),
    "too_many_pages": _l("The document has too many pages. Please split it."),
    "image_too_large": _l(
        "The photo has too many pixels. Please take it again at a lower resolution."
    ),
    "malformed_image": _l("The photo is damaged and cannot be opened."),
    "too_complex": _l("The file could not be processed. Please scan it again or split it."),
    "odd_shape": _l(
        "This does not have the shape of a page (far longer than it is wide). Please photograph "
        "or scan the page again."
    ),
    "busy": _l(
        "The server is busy checking other uploads. Nothing is lost: please press the button "
        "again in a minute."
    ),
}

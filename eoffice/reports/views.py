"""/reports/: the pendency report (per officer, section, office), its drill-down and CSV."""

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from eoffice.movement.views import AGE_LABELS
from eoffice.org import scope
from eoffice.org.current import current_actor
from eoffice.org.models import Post
from eoffice.platform.clock import today
from eoffice.platform.extensions import db
from eoffice.policy.routes import login_required
from eoffice.reports import services
from eoffice.tasks.services import overdue_tasks_by_post
from eoffice.web.hostile import db_int, to_int

bp = Blueprint("reports", __name__, url_prefix="/reports")


GROUPS = ("post", "section", "office")
#: desks on a page of the officer-wise report (a district has thousands)
PAGE = 50


@bp.get("/")
@login_required
def index():
    return render_template("reports/index.html")


@bp.get("/pendency")
@login_required
def pendency():
    by = request.args.get("by", "post")
    by = by if by in GROUPS else "post"
    post_ids = scope.scope_post_ids(current_actor())
    page = max(1, request.args.get("page", 1, type=db_int) or 1)
    shown, count, groups = [], 0, []
    if by == "post":
        shown, count = services.most_delayed_page(current_actor(), post_ids, page, PAGE)
    else:
        groups = services.grouped(current_actor(), post_ids, by)
    late = overdue_tasks_by_post(post_ids)
    late_posts = scope.load_posts(list(late))
    late_tasks = [(late_posts[pid], late[pid]) for pid in post_ids if pid in late]
    from eoffice.records.registers import pending_by_register

    return render_template(
        "reports/pendency.html",
        by=by, lines=shown, total_lines=count, page=page, page_size=PAGE, groups=groups,
        late_tasks=late_tasks, scope=scope.scope_name(current_actor()), as_of=today(),
        registers=pending_by_register(post_ids),
    )  # fmt: skip


@bp.get("/pendency/<int:post_id>")
@login_required
def pendency_items(post_id: int):
    post = _post_in_scope(post_id)
    band = request.args.get("band")
    band = band if band in AGE_LABELS else None
    return render_template(
        "reports/pendency_items.html",
        post=post, band=band, items=services.items(post, band), as_of=today(),
        can_remind=current_actor().can("give_tasks") and not current_actor().holds(post.id),
    )  # fmt: skip


@bp.get("/pendency<any('.csv', '.pdf'):fmt>")
@login_required
def pendency_out(fmt: str):
    """The tab on screen (officer-, section- or office-wise) as a CSV or a Hindi PDF."""
    from eoffice.reports.periodic_views import _scope, table_out
    from eoffice.reports.tables import pendency_table
    from eoffice.web.i18n import format_day

    by = request.args.get("by", "post")
    by = by if by in GROUPS else "post"
    caption = _("as of %(date)s", date=format_day(today(), "long")) + f" — {_scope()}"
    table = pendency_table(current_actor(), by, caption, AGE_LABELS)
    return table_out(fmt, table, f"pendency-{by}-{today().isoformat()}", "")


def _post_in_scope(post_id: int) -> Post:
    if to_int(str(post_id)) is None:
        abort(404)
    post = db.session.get(Post, post_id)
    if post is None or post.id not in set(scope.scope_post_ids(current_actor())):
        abort(404)
    return post


# the other reports' routes, on this blueprint
from eoffice.reports import periodic_views, register_views  # noqa: E402,F401

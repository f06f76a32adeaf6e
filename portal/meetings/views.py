"""Meeting pages: list, create and edit, roster, the tablet attendance screen, QR check-in, voter log,
sign-in sheet, exports, attendance rates and the admin's list of meeting kinds."""
import functools
from datetime import date, datetime, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from ..accounts.services import active_communities, active_deputies, deputies_query
from ..audit.services import history_for
from ..bounds import FIRST_DAY, LAST_DAY
from ..clock import local_today, to_local, to_utc
from ..errors import ServiceError, commit_form, run_and_commit
from ..exports import FORMATS, table_response
from ..extensions import db, limiter
from ..forms import commit_once, first_error
from ..htmx import is_htmx, render_with_oob, url_template
from ..models import Community, Level, Role, User, utcnow
from ..opinions.models import Category
from ..opinions.services import active_categories
from ..periods import Period, PeriodForm, read_period, this_year
from ..permissions import ANY_ROLE, can_mark_attendance, get_visible_meeting_or_404, public, role_required
from ..settings import committee_name
from . import bp
from .exports import export_meeting, export_rates, meetings_table
from .notices import (
    calendar_feed,
    calendar_owner,
    notice_for,
    renew_calendar_token,
    reply_to_meeting,
    subscribe_address,
    upcoming_notices,
)
from .forms import (
    MarkForm,
    MeetingForm,
    MeetingKindForm,
    MeetingOpinionForm,
    ReplyForm,
    RosterForm,
    VoterLogForm,
)
from .models import AttendanceStatus, Meeting, MeetingKind, Reply
from .marks import (
    Marked,
    Tap,
    TapConflict,
    attendance_cards,
    attendance_history,
    board_changes,
    check_sheet_date,
    corrected_tap_time,
    own_marks,
    record_tap,
)
from .charts import attendance_charts
from .checkin import (
    CheckinRefused,
    checked_in,
    checkin_confirmation,
    checkin_step,
    checkin_token,
    self_check_in,
    verify_checkin,
)
from .rates import attendance_rates, period_tally, tallies, tally
from .services import (
    MeetingFields,
    close_meeting,
    create_meeting,
    meeting_kinds,
    meeting_query,
    reopen_meeting,
    roster_ids,
    save_meeting_kind,
    set_roster,
    update_meeting,
)
from .voter_meetings import add_meeting_opinion, meeting_opinions, save_voter_log

# The rates page lists this many deputies at a time; its totals are over all of them.
RATES_PER_PAGE = 50

# The statuses on the card's first row of buttons; 请假 has its own small form asking the reason.
QUICK_STATUSES = [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY, AttendanceStatus.ABSENT]


@functools.cache
def _meeting_statement() -> Select:
    """A meeting by id, built once per process (a tap's first read after its user: `session.get` builds and keys a
    new statement every time, which cost more than running it)."""
    return select(Meeting).where(Meeting.id == bindparam("id"))


def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.execute(_meeting_statement(), {"id": meeting_id}).scalar_one_or_none()
    return get_visible_meeting_or_404(current_user, meeting)


def _parse_month(value: str) -> tuple[int, int] | None:
    try:
        moment = datetime.strptime(value, "%Y-%m")
    except ValueError:
        return None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:  # the month after 9999-12 is no date
        return None
    return moment.year, moment.month


@bp.route("/")
@role_required(*ANY_ROLE)
def index():
    """Meetings, latest first, filtered by kind, community and month (a deputy sees their own)."""
    kind_id = request.args.get("kind", type=int)
    community_id = request.args.get("community", type=int)
    month_value = request.args.get("month", "")
    month = _parse_month(month_value)
    period_form = PeriodForm(request.args)
    period = read_period(period_form, community_id=community_id)
    voter_log = request.args.get("voter") == "1"
    page = db.paginate(meeting_query(current_user, kind_id, month, period, voter_log),
                       per_page=current_app.config["PER_PAGE"], error_out=False)
    meeting_ids = [m.id for m in page.items]
    own = {} if current_user.has_role(Role.STAFF) else own_marks(meeting_ids, current_user.id)
    deputy = {}
    if not current_user.has_role(Role.STAFF):
        deputy["notices"] = upcoming_notices(current_user.id)
        if current_user.calendar_token:
            deputy["calendar_url"] = url_for("meetings.calendar", token=current_user.calendar_token, _external=True)
            deputy["subscribe_url"] = subscribe_address(deputy["calendar_url"])
    return render_template(
        "meetings/index.html", page=page, tallies=tallies(meeting_ids), own=own, **deputy,
        kinds=meeting_kinds(active_only=False), communities=active_communities(),
        kind_id=kind_id, community_id=community_id, month=month_value if month else "",
        period_form=period_form, voter=voter_log,
    )


def _fill_meeting_choices(form: MeetingForm, meeting: Meeting | None = None) -> None:
    kinds = meeting_kinds()
    if meeting is not None and meeting.kind not in kinds:
        kinds.append(meeting.kind)
    form.kind.choices = [SelectChoice(0, _("— choose —"))] + [SelectChoice(k.id, k.name) for k in kinds]
    form.community.choices = [SelectChoice(0, _("— none —"))] + [SelectChoice(c.id, c.name) for c in active_communities()]


def _fields(form: MeetingForm) -> MeetingFields:
    return MeetingFields(
        kind=db.session.get(MeetingKind, form.kind.data) if form.kind.data else None,
        title=form.title.data or "",
        starts_at=to_utc(form.starts_at.data) if form.starts_at.data else None,
        ends_at=to_utc(form.ends_at.data) if form.ends_at.data else None,
        place=form.place.data or "",
        community=db.session.get(Community, form.community.data) if form.community.data else None,
        notes=form.notes.data or "",
        fixed_checkin_code=bool(form.fixed_checkin_code.data),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new():
    """Create a meeting; every active deputy is on its roster until staff change it."""
    form = MeetingForm()
    _fill_meeting_choices(form)
    if request.method == "GET":
        start = to_local(utcnow()).replace(minute=0, second=0, microsecond=0, tzinfo=None) + timedelta(hours=1)
        form.starts_at.data, form.ends_at.data = start, start + timedelta(hours=2)
    if form.validate_on_submit():
        url = commit_once(
            form,
            lambda: create_meeting(current_user, _fields(form)),
            lambda meeting: url_for("meetings.detail", meeting_id=meeting.id),
            lambda meeting: _("The meeting was created with %(n)d expected deputies.", n=len(meeting.roster)),
        )
        if url is not None:
            return redirect(url)
    return render_template("meetings/form.html", form=form, meeting=None)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit(meeting_id: int):
    """Change a meeting's particulars, and write its notes or minutes."""
    meeting = _meeting(meeting_id)
    form = MeetingForm(obj=meeting)
    _fill_meeting_choices(form, meeting)
    if request.method == "GET":
        form.kind.data, form.community.data = meeting.kind_id, meeting.community_id or 0
        form.starts_at.data = to_local(meeting.starts_at).replace(tzinfo=None)
        form.ends_at.data = to_local(meeting.ends_at).replace(tzinfo=None)
    if form.validate_on_submit():
        saved = commit_form(form, lambda: update_meeting(meeting, _fields(form)))
        if saved is not None:
            flash(_("The meeting was saved."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=meeting)


def _opinion_form(meeting: Meeting, form: MeetingOpinionForm | None = None) -> MeetingOpinionForm:
    form = form or MeetingOpinionForm(formdata=None)
    form.category.choices = [SelectChoice(0, _("— choose —"))] + [SelectChoice(c.id, c.name) for c in active_categories()]
    form.deputy.choices = [SelectChoice(0, _("— choose —"))] + [
        SelectChoice(card.deputy_id, card.name) for card in attendance_cards(meeting)]
    form.community.choices = [SelectChoice(0, _("The meeting's community"))] + [
        SelectChoice(c.id, c.name) for c in active_communities()]
    return form


def _checkin_code_context(meeting: Meeting) -> dict:
    import segno  # imported on the first check-in code: most workers never draw one

    url = url_for("meetings.checkin", meeting_id=meeting.id, token=checkin_token(meeting), _external=True)
    return {
        "meeting": meeting,
        "checkin_url": url,
        "checkin_step": checkin_step(),
        "qr_svg": segno.make(url, error="m").svg_inline(scale=5, omitsize=True, title=_("Check-in code")),
    }


def _detail_context(meeting: Meeting) -> dict:
    context = {"meeting": meeting, "tally": tally(meeting), "statuses": list(AttendanceStatus)}
    if current_user.has_role(Role.STAFF):
        context["cards"] = attendance_cards(meeting)
        context["history"] = attendance_history(meeting)
        context["audit_history"] = history_for(current_user, "Meeting", meeting.id)
        if not meeting.closed:
            context.update(_checkin_code_context(meeting))
    else:
        cards = attendance_cards(meeting, current_user.id)
        context["own"] = cards[0].mark if cards else None
    if meeting.kind.voter_log:
        context["opinions"] = meeting_opinions(meeting)
        if current_user.has_role(Role.STAFF):
            log_form = VoterLogForm(formdata=None, data={"voter_count": meeting.voter_count, "answers": meeting.answers})
            context.update(log_form=log_form, opinion_form=_opinion_form(meeting))
    return context


@bp.route("/<int:meeting_id>")
@role_required(*ANY_ROLE)
def detail(meeting_id: int):
    """A meeting: particulars, tally, QR check-in code and roster (staff), own mark (deputy), voter log."""
    return render_template("meetings/detail.html", **_detail_context(_meeting(meeting_id)))


@bp.route("/<int:meeting_id>/roster", methods=["GET", "POST"])
@role_required(Role.STAFF)
def roster(meeting_id: int):
    """Choose the deputies expected at the meeting."""
    meeting = _meeting(meeting_id)
    form = RosterForm()
    deputies = active_deputies()
    form.deputies.choices = [SelectChoice(u.id, u.name) for u in deputies]
    if form.validate_on_submit():
        saved = commit_form(form, lambda: set_roster(meeting, form.deputies.data or []))
        if saved is not None:
            flash(_("The roster was saved."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
        chosen = set(form.deputies.data or [])
    else:
        chosen = set(form.deputies.data or []) if request.method == "POST" else roster_ids(meeting)
    return render_template("meetings/roster.html", form=form, meeting=meeting, deputies=deputies, chosen=chosen)


@functools.cache
def _card_labels(locale: str) -> dict[str, str]:
    """The cards' words in one language, translated once per process (a tap's answer looked up eleven)."""
    labels = {status.value: status.label for status in AttendanceStatus}
    labels.update({level.value: level.label for level in Level}, unmarked=_("Not signed in"),
                  reason=_("Reason for the leave"), confirm_leave=_("Confirm leave"))
    return labels


def _card_context(meeting: Meeting, sheet_on: date | None = None) -> dict:
    """What every attendance card of the request shares, worked out once: labels, permission, mark URL, CSRF token."""
    labels = _card_labels(str(get_locale()))
    # The mark's URL with the deputy's id left as "{id}": each card (and attendance.js) puts its own in.
    mark_url = url_template("meetings.mark", "deputy_id", meeting_id=meeting.id)
    return {"meeting": meeting, "labels": labels, "can_mark": can_mark_attendance(current_user, meeting),
            "mark_url": mark_url, "csrf": generate_csrf(), "quick_statuses": QUICK_STATUSES, "sheet_on": sheet_on}


def _board_context(meeting: Meeting, sheet_on: date | None = None) -> dict:
    return {**_card_context(meeting, sheet_on), "cards": attendance_cards(meeting), "tally": tally(meeting),
            "actions": False}


def _sheet_date(meeting: Meeting, source) -> tuple[date | None, str | None]:
    """The 补录 sheet date a request carries (`sheet_on`), checked; (None, message) when it is refused."""
    raw = source.get("sheet_on", "")
    if not raw:
        return None, None
    try:
        return check_sheet_date(meeting, date.fromisoformat(raw)), None
    except ValueError:
        return None, _("Not a valid date.")
    except ServiceError as error:
        return None, error.message


@bp.route("/<int:meeting_id>/attendance")
@role_required(Role.STAFF)
def attendance(meeting_id: int):
    """The tablet screen at the door: a card per rostered deputy, a live tally, taps queued while offline.

    With `?sheet_on=DATE` (a meeting that has begun) the marks are 补录 from the paper sheet of that date.
    """
    meeting = _meeting(meeting_id)
    sheet_on, sheet_error = _sheet_date(meeting, request.args)
    return render_template("meetings/attendance.html", **_board_context(meeting, sheet_on), sheet_error=sheet_error,
                           sheet_raw=request.args.get("sheet_on", ""), today=local_today(), status=meeting.status)


@bp.route("/attendance-sw.js")
@public
def service_worker():
    """The tablets' service worker, served under /meetings/ so that its scope covers the attendance screens."""
    response = current_app.send_static_file("js/attendance-sw.js")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/<int:meeting_id>/attendance/changes")
@role_required(Role.STAFF)
def changes(meeting_id: int):
    """The tablets' poll: 204 when the board is still at `since`, else the changed cards and the tally."""
    meeting = _meeting(meeting_id)
    found = board_changes(meeting, request.args.get("since", -1, type=int))
    if found is None:
        return Response(status=204)
    body = render_template("meetings/_changes.html", **_card_context(meeting, _sheet_date(meeting, request.args)[0]),
                           changes=found, cards=found.cards, tally=found.tally, actions=not found.whole)
    return body, 200, {"X-Board-Version": str(found.version)}


def _tap(form: MarkForm) -> Tap:
    """The tap as the server dates it: the tablet's own clock only says how long before sending it was made."""
    if form.tapped_at.data is None or form.sent_at.data is None:
        return Tap(form.tap_id.data or None)
    return Tap(form.tap_id.data or None, corrected_tap_time(form.tapped_at.data, form.sent_at.data, utcnow()))


def _form_error(form: MarkForm) -> ServiceError:
    if form.status.errors:
        return ServiceError(_("Please choose a valid status."), "status")
    for field in (form.reason, form.tap_id, form.tapped_at, form.sent_at):
        if field.errors:
            return ServiceError(field.errors[0], field.name)
    return ServiceError(_("The form has expired or is invalid. Please reload the page and try again."))


@bp.route("/<int:meeting_id>/attendance/<int:deputy_id>", methods=["POST"])
@role_required(Role.STAFF)
def mark(meeting_id: int, deputy_id: int):
    """Record one tap; htmx gets the one card back and the tally out of band (a refusal: 422, its reason; a tap id
    recorded for another meeting or deputy: 409, nothing written)."""
    meeting = _meeting(meeting_id)
    form = MarkForm()
    sheet_on, sheet_error = _sheet_date(meeting, request.form)
    if sheet_error:
        outcome = ServiceError(sheet_error, "sheet_on")
    elif form.validate_on_submit():
        try:
            outcome = run_and_commit(lambda: record_tap(current_user, meeting, deputy_id, form.status.data,
                                                        form.reason.data or "", tap=_tap(form), sheet_on=sheet_on),
                                     keep_loaded=True)
        except IntegrityError:  # the same tap arrived twice at once: the first one counts
            db.session.rollback()
            outcome = None
    else:
        outcome = _form_error(form)
    error = outcome if isinstance(outcome, ServiceError) else None
    if not is_htmx():
        if error:
            flash(error.message, "error")
        args = {"sheet_on": sheet_on.isoformat()} if sheet_on else {}
        return redirect(url_for("meetings.attendance", meeting_id=meeting.id, **args) + f"#card-{deputy_id}")
    if isinstance(error, TapConflict):
        return render_template("meetings/_refusal.html", message=error.message), 409
    if isinstance(outcome, Marked):
        card, board_tally = outcome.card, outcome.tally
    else:
        card, board_tally = next(iter(attendance_cards(meeting, deputy_id)), None), tally(meeting)
    if card is None:  # not on the roster: nothing to swap but the reason
        return render_template("meetings/_refusal.html", message=error.message if error else ""), 422
    body = render_with_oob("meetings/_card.html", "meetings/_tally.html", **_card_context(meeting, sheet_on),
                           cards=[card], error=error, reason=form.reason.data if error else "", tally=board_tally,
                           actions=True)
    return body, 422 if error else 200


@bp.route("/<int:meeting_id>/close", methods=["POST"])
@role_required(Role.STAFF)
def close(meeting_id: int):
    """Close the meeting: attendance becomes read-only."""
    return _state_change(meeting_id, close_meeting, _("The meeting was closed; its attendance is now read-only."))


@bp.route("/<int:meeting_id>/reopen", methods=["POST"])
@role_required(Role.ADMIN)
def reopen(meeting_id: int):
    """Reopen a closed meeting (admin); who and when is recorded on the meeting."""
    return _state_change(meeting_id, reopen_meeting, _("The meeting was reopened."))


def _state_change(meeting_id: int, action, message: str):
    meeting = _meeting(meeting_id)
    outcome = run_and_commit(lambda: action(current_user, meeting))
    if isinstance(outcome, ServiceError):
        flash(outcome.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/voter-log", methods=["POST"])
@role_required(Role.STAFF)
def voter_log(meeting_id: int):
    """Save the voters present and the answers fed back."""
    meeting = _meeting(meeting_id)
    form = VoterLogForm()
    if form.validate_on_submit():
        saved = commit_form(form, lambda: save_voter_log(meeting, form.voter_count.data, form.answers.data))
        if saved is not None:
            flash(_("The voter-meeting log was saved."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#voter-log")
    context = _detail_context(meeting)
    context["log_form"] = form
    return render_template("meetings/detail.html", **context), 422


@bp.route("/<int:meeting_id>/opinions", methods=["POST"])
@role_required(Role.STAFF)
def add_opinion(meeting_id: int):
    """Add an opinion voters raised; htmx swaps the opinion list and a fresh form in place."""
    meeting = _meeting(meeting_id)
    form = _opinion_form(meeting, MeetingOpinionForm())
    status = 200
    if form.validate_on_submit():
        url = commit_once(
            form,
            lambda: add_meeting_opinion(
                current_user, meeting, db.session.get(User, form.deputy.data), form.content.data,
                db.session.get(Category, form.category.data),
                db.session.get(Community, form.community.data) if form.community.data else None,
            ),
            lambda opinion: url_for("meetings.detail", meeting_id=meeting.id) + "#meeting-opinions",
            lambda opinion: _("The opinion was added."),
        )
        if url is None:
            status = 422
        elif not is_htmx():
            return redirect(url)
        else:
            form = _opinion_form(meeting)
    else:
        status = 422
    context = _detail_context(meeting)
    context["opinion_form"] = form
    if is_htmx():
        return render_template("meetings/_opinions.html", **context), status
    return render_template("meetings/detail.html", **context), status


@bp.route("/<int:meeting_id>/checkin-code")
@role_required(Role.STAFF)
def checkin_code(meeting_id: int):
    """The rotating QR code, polled by the screen at the door; 204 while the code is unchanged."""
    meeting = _meeting(meeting_id)
    if meeting.closed or meeting.fixed_checkin_code:
        return "", 204
    if request.args.get("step", type=int) == checkin_step():
        return "", 204
    return render_template("meetings/_checkin_code.html", **_checkin_code_context(meeting))


@bp.route("/<int:meeting_id>/checkin/<token>", methods=["GET", "POST"])
@role_required(Role.DEPUTY)
def checkin(meeting_id: int, token: str):
    """QR self check-in: a rostered deputy confirms, and is marked present (or late)."""
    meeting = db.session.get(Meeting, meeting_id)
    already = checked_in(meeting, current_user) if meeting is not None else None
    if already is not None:  # a second scan: say so, whatever the code or the hour
        return render_template("meetings/checkin_done.html", meeting=meeting, mark=already, again=True)
    if request.method == "POST":
        confirmation = request.form.get("confirmation")
        outcome = run_and_commit(lambda: self_check_in(current_user, meeting, token, confirmation=confirmation))
    else:
        outcome = run_and_commit(lambda: verify_checkin(current_user, meeting, token))
    if isinstance(outcome, ServiceError):
        status = outcome.status if isinstance(outcome, CheckinRefused) else 400
        return render_template("meetings/checkin_refused.html", message=outcome.message), status
    if request.method == "POST":
        return render_template("meetings/checkin_done.html", meeting=meeting, mark=outcome)
    return render_template("meetings/checkin.html", meeting=meeting, token=token,
                           confirmation=checkin_confirmation(current_user, meeting))


@bp.route("/<int:meeting_id>/sheet")
@role_required(Role.STAFF)
def sheet(meeting_id: int):
    """The printable sign-in sheet (签到表): roster, status and a signature column."""
    meeting = _meeting(meeting_id)
    return render_template("meetings/sheet.html", meeting=meeting, cards=attendance_cards(meeting), tally=tally(meeting))


@bp.route("/export.<fmt>")
@role_required(Role.STAFF)
def list_export(fmt: str):
    """The meetings of the list's filters with their rosters and marks, as CSV or XLSX."""
    if fmt not in FORMATS:
        abort(404)
    period = read_period(PeriodForm(request.args), community_id=request.args.get("community", type=int))
    query = meeting_query(current_user, request.args.get("kind", type=int), _parse_month(request.args.get("month", "")),
                          period, request.args.get("voter") == "1")
    header, rows = meetings_table(query)
    return table_response(fmt, header, rows, f"meetings-{local_today().isoformat()}", title=_("Meetings"))


@bp.route("/<int:meeting_id>/export.<fmt>")
@role_required(Role.STAFF)
def export(meeting_id: int, fmt: str):
    """The meeting's attendance as CSV or XLSX."""
    if fmt not in FORMATS:
        abort(404)
    meeting = _meeting(meeting_id)
    return export_meeting(meeting, fmt)


def _period() -> tuple[PeriodForm, Period]:
    form = PeriodForm(request.args)
    return form, read_period(form, this_year(), request.args.get("community", type=int))


@bp.route("/rates")
@role_required(Role.STAFF)
def rates():
    """Every deputy's attendance rate over a period (this year by default)."""
    form, period = _period()
    page = db.paginate(deputies_query(community=period.community_id, during=period), per_page=RATES_PER_PAGE, error_out=False)
    return render_template(
        "meetings/rates.html", form=form, rows=attendance_rates(period, page.items), page=page,
        total=period_tally(period), start=period.start, end=period.end, charts=attendance_charts(period),
        communities=active_communities(), community_id=period.community_id, args=period.args(),
    )


@bp.route("/rates/export.<fmt>")
@role_required(Role.STAFF)
def rates_export(fmt: str):
    """The period's rates as CSV or XLSX."""
    if fmt not in FORMATS:
        abort(404)
    _form, period = _period()
    profiles = list(db.session.scalars(deputies_query(community=period.community_id, during=period)))
    return export_rates(attendance_rates(period, profiles), period, fmt)


@bp.route("/kinds", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def kinds():
    """The kinds of meeting, with a form to add one."""
    form = MeetingKindForm()
    if form.validate_on_submit():
        url = commit_once(
            form,
            lambda: save_meeting_kind(None, form.name.data, form.voter_log.data),
            lambda kind: url_for("meetings.kinds"),
            lambda kind: _("Meeting kind %(name)s was added.", name=kind.name),
        )
        if url is not None:
            return redirect(url)
    return render_template("meetings/kinds.html", form=form, kinds=meeting_kinds(active_only=False))


@bp.route("/kinds/<int:kind_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def kind_edit(kind_id: int):
    """Rename a kind, change its voter log flag, or retire it."""
    kind = db.get_or_404(MeetingKind, kind_id)
    form = MeetingKindForm(obj=kind)
    if form.validate_on_submit():
        saved = commit_form(form, lambda: save_meeting_kind(kind, form.name.data, form.voter_log.data, form.active.data))
        if saved is not None:
            flash(_("Meeting kind %(name)s was saved.", name=kind.name), "success")
            return redirect(url_for("meetings.kinds"))
    return render_template("meetings/kind_form.html", form=form, kind=kind)


@bp.route("/<int:meeting_id>/reply", methods=["POST"])
@role_required(Role.DEPUTY)
def reply(meeting_id: int):
    """A deputy answers a meeting notice before it starts: attend, or leave with a reason; htmx gets the notice back."""
    meeting = _meeting(meeting_id)
    form = ReplyForm()
    if form.validate_on_submit():
        outcome = run_and_commit(
            lambda: reply_to_meeting(current_user, meeting, Reply(form.reply.data), form.reason.data or ""))
        error = outcome if isinstance(outcome, ServiceError) else None
    else:
        error = ServiceError(first_error(form, _("Please check the form.")))
    if not is_htmx():
        if error:
            flash(error.message, "error")
        else:
            flash(_("Your answer was sent to the committee office."), "success")
        return redirect(url_for("main.deputy_home") + f"#notice-{meeting.id}")
    notice = notice_for(meeting, current_user.id)
    body = render_template("meetings/_notice.html", notice=notice, error=error,
                           reason=(form.reason.data or "") if error else "")
    return body, 422 if error else 200


@bp.route("/calendar", methods=["POST"])
@role_required(Role.DEPUTY)
def renew_calendar():
    """Give the deputy a new secret calendar address; the old address stops working."""
    outcome = run_and_commit(lambda: renew_calendar_token(current_user))
    if not isinstance(outcome, ServiceError):
        flash(_("Your calendar has a new address. Subscribe to it again on your phone; the old address no longer works."),
              "success")
    return redirect(url_for("meetings.index") + "#calendar")


@bp.route("/calendar/<token>.ics")
@public
@limiter.limit("60 per minute")
def calendar(token: str):
    """The deputy's meetings as an iCalendar feed, for a phone's calendar; the secret in the address is the key."""
    owner = calendar_owner(token)
    if owner is None:
        abort(404)
    body = calendar_feed(owner, committee_name())
    return current_app.response_class(body, mimetype="text/calendar", headers={"Cache-Control": "private, no-store"})

"""The deputy's record (one, or the committee's in one print) and the work report (page and Word document)."""
from flask import render_template, request
from flask_login import current_user

from ..accounts.services import deputies_query
from ..evidence.services import deputy_showcase
from ..exports import download
from ..extensions import db
from ..models import DeputyProfile, Role
from ..periods import Period, PeriodForm, read_period, this_year
from ..permissions import ANY_ROLE, get_visible_deputy_or_404, role_required
from ..settings import committee_name
from . import bp
from .charts import charts_for
from .document import document_properties, report_sections, report_title, word_document
from .forms import ReportFilterForm
from .report import work_report
from .services import deputy_records

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALL_CHARTS = ("category", "community", "states", "four-ones", "attendance")
# The web page and the Word document draw each chart beside the report section whose tables hold its numbers.
SECTION_CHARTS = {"four-ones": ("four-ones",), "opinions": ("category", "community", "states"), "attendance": ("attendance",)}


def _period(form: PeriodForm) -> Period:
    """The period the form asks for (this year by default) and its community, if it has one."""
    return read_period(form, this_year(), form.community.data if isinstance(form, ReportFilterForm) else None)


@bp.route("/deputies/<int:user_id>")
@role_required(*ANY_ROLE)
def record(user_id: int):
    """A deputy's record for a period: a deputy sees their own, staff anyone's (else 404)."""
    profile = get_visible_deputy_or_404(current_user, db.session.get(DeputyProfile, user_id))
    form = PeriodForm(request.args)
    period = _period(form)
    return render_template("reports/record.html", form=form, record=deputy_records([profile], period)[0],
                           showcase=deputy_showcase([profile.user_id], period))


@bp.route("/deputies")
@role_required(Role.STAFF)
def records():
    """The record of every deputy of the period, one after another, to print in one go; filtered by community."""
    form = ReportFilterForm(request.args)
    period = _period(form)
    profiles = list(db.session.scalars(deputies_query(community=period.community_id, during=period)))
    return render_template("reports/records.html", form=form, period=period, records=deputy_records(profiles, period),
                           showcase=deputy_showcase([p.user_id for p in profiles], period))


def _report():
    form = ReportFilterForm(request.args)
    report = work_report(_period(form))
    committee = committee_name()
    return form, report, committee, report_title(report, committee)


def _section_charts(period: Period) -> dict:
    charts = charts_for(period, ALL_CHARTS)
    return {section: [chart for key in keys for chart in charts[key]] for section, keys in SECTION_CHARTS.items()}


@bp.route("/")
@role_required(Role.STAFF)
def work_report_page():
    """The work report for a period and community on one printable page, with its charts and the Word download."""
    form, report, _committee, title = _report()
    return render_template(
        "reports/work_report.html", form=form, report=report, title=title, sections=report_sections(report),
        charts=_section_charts(report.period), args=report.period.args(),
    )


@bp.route("/work-report.docx")
@role_required(Role.STAFF)
def work_report_docx():
    """The same report as a Word document for official use (GB/T 9704), named after the committee and the period."""
    _form, report, committee, title = _report()
    body = word_document(title, report_sections(report), _section_charts(report.period),
                         document_properties(report, title, committee))
    filename = f"{title}-{report.period.start.isoformat()}-{report.period.end.isoformat()}.docx"
    return download(body, DOCX, filename)

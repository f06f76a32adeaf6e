"""The work report laid out once, as sections of paragraphs and tables, for the web page and the Word document."""
import io
from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import gettext as _

from ..figures import percent
from .report import WorkReport


@dataclass
class Table:
    """A table of the report: its header and rows of text; `numeric` columns are right-aligned."""

    header: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()
    caption: str = ""


@dataclass
class Section:
    """A heading, its paragraphs and tables, and the chart the web page draws beside them (if any)."""

    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def report_title(report: WorkReport, committee: str) -> str:
    """“××街道人大工委工作汇报（和平里社区）”."""
    if report.community is not None:
        return _("Work report of %(committee)s (%(community)s)", committee=committee, community=report.community.name)
    return _("Work report of %(committee)s", committee=committee)


def report_sections(report: WorkReport) -> list[Section]:
    """The report's sections in its order: figures, 四个一, opinions and adoption, answers, matters, attendance, evaluations."""
    return [builder(report) for builder in (_figures, _four_ones, _opinions, _adopted, _matters, _attendance, _evaluations)]


def _figures(report: WorkReport) -> Section:
    f = report.figures
    line = _("From %(start)s to %(end)s, %(n)d deputies went into communities and collected %(opinions)d voter opinions; "
             "%(submitted)d suggestions went to the district committee, %(adopted)d were adopted, an adoption rate of %(rate)s.",
             start=format_date(f.period.start), end=format_date(f.period.end), n=f.deputies_in_communities, opinions=f.opinions,
             submitted=f.submitted, adopted=f.adopted, rate=percent(f.adoption_rate))
    return Section("figures", _("The figures"), [line], [Table([_("Figure"), _("Value")], [
        [_("Deputies who went into communities"), str(f.deputies_in_communities)],
        [_("Voter opinions collected"), str(f.opinions)],
        [_("Suggestions submitted"), str(f.submitted)],
        [_("Adopted by the district"), str(f.adopted)],
        [_("Adoption rate"), percent(f.adoption_rate, 1)],
        [_("Practical matters done"), str(f.matters_done)],
        [_("Voter meetings and visits held"), str(f.voter_meetings)],
        [_("Attendance rate"), percent(f.attendance.rate, 1)],
        [_("Voter satisfaction"), percent(f.satisfaction_rate, 1)],
    ], numeric=(1,))])


def _four_ones(report: WorkReport) -> Section:
    section = Section("four-ones", _("The four ones"), [] if report.campaigns else [_("No campaign falls in this period.")])
    for campaign, tallies in report.campaigns:
        section.paragraphs.append(_(
            "%(campaign)s (%(start)s to %(end)s), the whole campaign so far: %(complete)d of %(deputies)d deputies have done every item.",
            campaign=campaign.name, start=format_date(campaign.starts_on), end=format_date(campaign.ends_on),
            complete=tallies.complete, deputies=tallies.deputies))
        section.tables.append(Table(
            [_("Item"), _("Done"), _("Verified"), _("Deputies"), _("Completion rate")],
            [[t.item.title, str(t.done), str(t.verified), str(t.deputies), percent(t.rate)] for t in tallies.items],
            numeric=(1, 2, 3, 4), caption=campaign.name))
    return section


def _opinions(report: WorkReport) -> Section:
    return Section("opinions", _("Opinions and adoption"), [
        _("Adoption rate = adopted ÷ submitted, for the suggestions submitted in the period."),
    ], [
        _by_label(_("Category"), report.opinions_by_category, report.adoption_by_category),
        _by_label(_("Community"), report.opinions_by_community, report.adoption_by_community),
        Table([_("State"), _("Suggestions")], [[state.label, str(n)] for state, n in report.state_counts], numeric=(1,),
              caption=_("Suggestions submitted in the period, by where they stand now")),
    ])


def _adopted(report: WorkReport) -> Section:
    section = Section("adopted", _("Adopted suggestions and the district's answers"))
    if not report.adopted:
        section.paragraphs.append(_("None in this period."))
        return section
    section.tables.append(Table(
        [_("Submitted on"), _("Suggestion"), _("Deputies"), _("Category"), _("State"), _("The district's answer")],
        [[format_date(o.suggestion.submitted_on), o.suggestion.title, "、".join(d.name for d in o.suggestion.deputies),
          o.suggestion.category.name, o.suggestion.state.label, _answer(o)] for o in report.adopted]))
    return section


def _matters(report: WorkReport) -> Section:
    section = Section("matters", _("Practical matters done"))
    if not report.matters:
        section.paragraphs.append(_("None in this period."))
        return section
    section.tables.append(Table(
        [_("Date"), _("Practical matter"), _("Place"), _("Community")],
        [[format_date(m.done_on), m.title, m.location or "—", m.community.name] for m in report.matters]))
    return section


def _attendance(report: WorkReport) -> Section:
    f, t = report.figures, report.figures.attendance
    section = Section("attendance", _("Attendance and voter meetings"), [
        _("Attendance rate = (present + late + left early) ÷ rostered places of the meetings held; leave is counted apart."),
        _("%(attended)d of %(expected)d rostered places attended (%(rate)s); on leave %(excused)d, absent %(absent)d. "
          "%(meetings)d voter meetings and visits were held.",
          attended=t.attended, expected=t.expected, rate=percent(t.rate, 1), excused=t.excused, absent=t.absent, meetings=f.voter_meetings),
    ], [Table(
        [_("Month"), _("Rostered places"), _("Attended"), _("On leave"), _("Attendance rate")],
        [[format_date(month, "yyyy-MM"), str(m.expected), str(m.attended), str(m.excused), percent(m.rate, 1)]
         for month, m in report.attendance_by_month],
        numeric=(1, 2, 3, 4), caption=_("Attendance by month"))])
    if report.voter_meetings:
        section.tables.append(Table(
            [_("Date"), _("Meeting"), _("Place"), _("Voters present")],
            [[format_date(m.starts_at), m.title, m.place or (m.community.name if m.community else "—"), str(m.voter_count or "—")]
             for m in report.voter_meetings],
            numeric=(3,), caption=_("Voter meetings and visits held")))
    return section


def _evaluations(report: WorkReport) -> Section:
    f = report.figures
    section = Section("evaluations", _("Voter evaluations"), [
        _("%(ballots)d ballots, %(satisfied)d of them satisfied: a satisfaction rate of %(rate)s.",
          ballots=f.ballots, satisfied=f.satisfied, rate=percent(f.satisfaction_rate, 1)),
    ])
    if report.evaluations:
        section.tables.append(Table(
            [_("Deputy"), _("Period"), _("Satisfied"), _("Basically satisfied"), _("Dissatisfied"), _("Satisfaction rate"), _("Rating")],
            [[e.deputy.name, f"{format_date(e.starts_on)} – {format_date(e.ends_on)}", str(e.satisfied), str(e.basically_satisfied),
              str(e.dissatisfied), percent(e.satisfaction), rating.label if rating else "—"] for e, rating in report.evaluations],
            numeric=(2, 3, 4, 5)))
    return section


def _answer(outcome) -> str:
    if outcome.answer is None:
        return "—"
    return f"{outcome.answer.note or '—'}（{format_date(outcome.suggestion.answered_on)}）"


def _by_label(label: str, opinions: list[tuple[str, int]], adoption: list) -> Table:
    """Opinions collected and suggestions submitted and adopted, side by side per category or community."""
    rows: dict[str, list] = {name: [n, 0, 0, None] for name, n in opinions}
    for row in adoption:
        rows.setdefault(row.label, [0, 0, 0, None])[1:] = [row.submitted, row.adopted, row.rate]
    return Table(
        [label, _("Voter opinions"), _("Submitted"), _("Adopted"), _("Adoption rate")],
        [[name, str(o), str(s), str(a), percent(r)] for name, (o, s, a, r) in rows.items()],
        numeric=(1, 2, 3, 4),
        caption=_("By %(what)s", what=label),
    )


def word_document(title: str, sections: list[Section]) -> bytes:
    """The sections as a .docx the director edits further in Word or WPS: headings, paragraphs, plain tables."""
    from docx import Document  # python-docx and lxml load on the first report, not in every worker
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(11)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")  # Word picks the Chinese font from eastAsia
    heading = document.add_heading(title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in sections:
        document.add_heading(section.title, level=1)
        for text in section.paragraphs:
            document.add_paragraph(text)
        for table in section.tables:
            if table.caption:
                document.add_paragraph(table.caption, style="Caption")
            _add_table(document, table)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add_table(document, table: Table) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, table.header):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, row)):
            cell.text = text
            if index in table.numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT

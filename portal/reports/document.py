"""The work report laid out once, as sections of paragraphs and tables, for the web page and the Word document.

Every rate reads as `figures.percent` writes it by default (whole per cent, rounded half up), as the overview and
the committee's own report write them: a rate reads the same in a sentence, a table and a chart.
"""
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from flask import current_app, g
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..charts import Chart, chart_png
from ..evidence.services import matter_photos, report_picture
from ..clock import to_local
from ..figures import percent, points_text
from ..models import utcnow
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
    photos: list["Photo"] = field(default_factory=list)


@dataclass
class Photo:
    """A photo of the evidence (a practical matter before or after), with the caption the report prints under it."""

    caption: str
    attachment: object  # portal.evidence.models.Attachment


def report_title(report: WorkReport, committee: str) -> str:
    """“××街道人大工委工作汇报（和平里社区）”."""
    if report.community is not None:
        return _("Work report of %(committee)s (%(community)s)", committee=committee, community=report.community.name)
    return _("Work report of %(committee)s", committee=committee)


def report_sections(report: WorkReport) -> list[Section]:
    """The report's sections in its order: figures, 四个一, opinions and adoption, answers, matters, attendance, evaluations,
    duty days and points."""
    g.report_texts = {}  # the dates and labels the tables repeat, each made once (see _once)
    return [builder(report) for builder in (_figures, _four_ones, _opinions, _adopted, _matters, _attendance, _evaluations,
                                            _points)]


def _once(make, value) -> str:
    """`make(value)`, once per report: a year's tables repeat a few dates and labels hundreds of times."""
    texts = g.report_texts
    if (make, value) not in texts:
        texts[make, value] = make(value)
    return texts[make, value]


_LABEL = attrgetter("label")


def _date(value) -> str:
    """The date as the report writes it (made once per report)."""
    return _once(format_date, value)


def _label(member) -> str:
    """A state's or a rating's label (made once per report)."""
    return _once(_LABEL, member)


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
        [_("Adoption rate"), percent(f.adoption_rate)],
        [_("Practical matters done"), str(f.matters_done)],
        [_("Voter meetings and visits held"), str(f.voter_meetings)],
        [_("Attendance rate"), percent(f.attendance.rate)],
        [_("Voter satisfaction"), percent(f.satisfaction_rate)],
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
        [[_date(o.suggestion.submitted_on), o.suggestion.title, "、".join(d.name for d in o.suggestion.deputies),
          o.suggestion.category.name, _label(o.suggestion.state), _answer(o)] for o in report.adopted]))
    return section


def _matters(report: WorkReport) -> Section:
    section = Section("matters", _("Practical matters done"))
    if not report.matters:
        section.paragraphs.append(_("None in this period."))
        return section
    section.tables.append(Table(
        [_("Date"), _("Practical matter"), _("Place"), _("Community")],
        [[_date(m.done_on), m.title, m.location or "—", m.community.name] for m in report.matters]))
    photos = matter_photos([m.id for m in report.matters])
    section.photos = [
        Photo(_("%(matter)s (%(role)s, %(date)s)", matter=m.title, role=a.role.label, date=format_date(m.done_on)), a)
        for m in report.matters for a in photos.get(m.id, ())
    ][:MAX_PHOTOS]
    return section


def _attendance(report: WorkReport) -> Section:
    f, t = report.figures, report.figures.attendance
    section = Section("attendance", _("Attendance and voter meetings"), [
        _("Attendance rate = (present + late + left early) ÷ rostered places of the meetings held; leave is counted apart."),
        _("%(attended)d of %(expected)d rostered places attended (%(rate)s); on leave %(excused)d, absent %(absent)d. "
          "%(meetings)d voter meetings and visits were held.",
          attended=t.attended, expected=t.expected, rate=percent(t.rate), excused=t.excused, absent=t.absent, meetings=f.voter_meetings),
    ], [Table(
        [_("Month"), _("Rostered places"), _("Attended"), _("On leave"), _("Attendance rate")],
        [[format_date(month, "yyyy-MM"), str(m.expected), str(m.attended), str(m.excused), percent(m.rate)]
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
          ballots=f.ballots, satisfied=f.satisfied, rate=percent(f.satisfaction_rate)),
    ])
    if report.evaluations:
        section.tables.append(Table(
            [_("Deputy"), _("Period"), _("Satisfied"), _("Basically satisfied"), _("Dissatisfied"), _("Satisfaction rate"), _("Rating")],
            [[e.deputy.name, f"{_date(e.starts_on)} – {_date(e.ends_on)}", str(e.satisfied), str(e.basically_satisfied),
              str(e.dissatisfied), percent(e.satisfaction), _label(rating) if rating else "—"] for e, rating in report.evaluations],
            numeric=(2, 3, 4, 5)))
    return section


def _points(report: WorkReport) -> Section:
    section = Section("points", _("Duty days and points"), [_(
        "Each duty earns the points of the rules in force on its day; duty days are the distinct days with at least "
        "one duty, leave, absence and the voters' rating excepted.")])
    if not report.points:
        section.paragraphs.append(_("None in this period."))
        return section
    section.tables.append(Table(
        [_("Rank"), _("Deputy"), _("Community"), _("Duty days"), _("Duty points")],
        [[str(row.rank), row.name, row.community, str(row.days), points_text(row.points)] for row in report.points],
        numeric=(0, 3, 4)))
    return section


def _answer(outcome) -> str:
    if outcome.answer is None:
        return "—"
    return f"{outcome.answer.note or '—'}（{_date(outcome.suggestion.answered_on)}）"


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


# GB/T 9704 in twentieths of a point (twips): A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm, so the
# text block is 156 × 225 mm; 22 lines of 28 characters of 三号 (16 pt) on it. Word's document grid holds the two
# counts: a line pitch of 225 mm ÷ 22, and a character pitch of 156 mm ÷ 28 written as its difference from 16 pt
# in 1/4096 pt. The page number's line starts 7 mm under the text block, so its foot is about 22 mm above the edge.
MM = 1440 / 25.4
A4 = (11906, 16838)
MARGINS = {"top": round(37 * MM), "bottom": round(35 * MM), "left": round(28 * MM), "right": round(26 * MM)}
LINES, CHARACTERS, BODY_PT = 22, 28, 16
TEXT_WIDTH = A4[0] - MARGINS["left"] - MARGINS["right"]
PAGE = {
    "width": A4[0], "height": A4[1], **MARGINS, "footer": round(22 * MM),
    "line_pitch": (A4[1] - MARGINS["top"] - MARGINS["bottom"]) // LINES,
    "char_space": math.floor((TEXT_WIDTH / 20 / CHARACTERS - BODY_PT) * 4096),
}
# The fonts GB/T 9704 names, and what Word or WPS may take instead on a computer without them.
FONTS = {"title": "方正小标宋简体", "body": "仿宋_GB2312", "heading": "黑体", "page_number": "宋体"}
FONT_TABLE = [
    {"name": "方正小标宋简体", "alternatives": "FZXiaoBiaoSong-B05S,华文中宋,宋体", "panose": None, "family": "auto", "pitch": "variable"},
    {"name": "仿宋_GB2312", "alternatives": "仿宋,FangSong", "panose": "02010609030101010101", "family": "modern", "pitch": "fixed"},
    {"name": "黑体", "alternatives": "SimHei", "panose": "02010609060101010101", "family": "modern", "pitch": "fixed"},
    {"name": "宋体", "alternatives": "SimSun", "panose": "02010600030101010101", "family": "auto", "pitch": "variable"},
]
EMU_PER_TWIP = 635
HALF_CELL_CHARACTER = 116  # a table's text is 五号 (10.5 pt): half a character, in twips (a digit of a wider font)
CELL_MARGINS = 2 * 57 + 210  # the cells' margins (1 mm each side), and a character's room for bold headers and other fonts
IMAGE_MAX_HEIGHT = round(170 * MM) * EMU_PER_TWIP  # a tall chart shrinks to leave room for its caption on the page
CHINESE_NUMBERS = "一二三四五六七八九十"
MAX_PHOTOS = 60  # a year's report stays a file one can mail: at most this many photos, each about 100 kB
PHOTO_WIDTH = TEXT_WIDTH * EMU_PER_TWIP * 3 // 4

DOCX_PARTS = [  # (part in the package, its template in templates/reports/word/)
    ("[Content_Types].xml", "content_types.xml"),
    ("_rels/.rels", "package.rels.xml"),
    ("docProps/core.xml", "core.xml"),
    ("docProps/app.xml", "app.xml"),
    ("word/_rels/document.xml.rels", "document.rels.xml"),
    ("word/document.xml", "document.xml"),
    ("word/styles.xml", "styles.xml"),
    ("word/settings.xml", "settings.xml"),
    ("word/fontTable.xml", "fontTable.xml"),
    ("word/footer1.xml", "footer.xml"),
    ("word/footer2.xml", "footer.xml"),
]
# Characters XML 1.0 cannot carry (a pasted control character would make the whole file unreadable).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BREAK = Markup('</w:t><w:br/><w:t xml:space="preserve">')


@dataclass
class DocumentProperties:
    """What Word shows under File → Info: the title, subject and keywords, the committee as author and the time."""

    title: str
    subject: str
    creator: str
    keywords: str
    language: str
    created: datetime  # UTC


def document_properties(report: WorkReport, title: str, committee: str) -> DocumentProperties:
    """The report's properties, written now (the portal's clock) by the committee."""
    locale = get_locale()
    return DocumentProperties(
        title=title,
        subject=_("Work report from %(start)s to %(end)s", start=format_date(report.period.start), end=format_date(report.period.end)),
        creator=committee,
        keywords=_("deputies, four ones, voter opinions, suggestions, adoption rate, attendance, voter evaluations"),
        language=f"{locale.language}-{locale.territory}" if locale.territory else locale.language,
        created=utcnow(),
    )


def word_document(title: str, sections: list[Section], charts: dict[str, list[Chart]], properties: DocumentProperties) -> bytes:
    """The sections as a .docx laid out for official documents (GB/T 9704), with the charts as pictures beside their
    sections, written from templates: the director hands it upward as it is or edits it further in Word or WPS."""
    images = []
    parts = []
    for index, section in enumerate(sections, start=1):
        pictures = []
        for chart in charts.get(section.key, ()):
            png = chart_png(chart)
            if png is not None:
                number = len(images) + 1
                images.append({"rid": f"rIdImage{number}", "name": f"chart{number}.png", "png": png})
                pictures.append({**images[-1], **_extent(chart), "number": number, "title": chart.title,
                                 "description": chart.summary})
        photos = []
        for photo in section.photos:
            picture = report_picture(photo.attachment)
            if picture is None:
                continue
            number = len(images) + 1
            data, extension, width, height = picture
            images.append({"rid": f"rIdImage{number}", "name": f"photo{number}.{extension}", "png": data})
            cy = min(round(PHOTO_WIDTH * height / width), IMAGE_MAX_HEIGHT)
            photos.append({**images[-1], "cx": round(cy * width / height), "cy": cy, "number": number,
                           "title": photo.caption, "description": photo.caption})
        parts.append({
            "heading": _numbered(index, section.title),
            "paragraphs": section.paragraphs,
            "images": pictures,
            "photos": photos,
            "tables": [_table_xml(table) for table in section.tables],
        })
    context = {
        "title": title, "sections": parts, "images": images, "properties": properties, "page": PAGE, "fonts": FONTS,
        "font_table": FONT_TABLE, "text": _xml_text, "clean": _xml_clean,
        "names": {"figure": _("Report figure"), "cell": _("Report table text"), "number": _("Report table number")},
    }
    stamp = to_local(properties.created).timetuple()[:6]  # the parts' times in the zip, on the committee's clock
    environment = current_app.jinja_env
    out = io.BytesIO()
    # Every part deflated, the pictures too (a palette PNG still shrinks by a fifth): gzip over the file gains nothing.
    with zipfile.ZipFile(out, "w") as package:
        for name, template in DOCX_PARTS:
            part = zipfile.ZipInfo(name, stamp)
            part.compress_type = zipfile.ZIP_DEFLATED  # zlib's default level, 6
            xml = environment.get_template(f"reports/word/{template}").stream(context, odd=name != "word/footer2.xml")
            xml.enable_buffering(2048)  # written as rendered, in pieces: a year's document.xml is never whole in memory
            with package.open(part, "w") as stream:
                xml.dump(stream, "utf-8")
        for image in images:
            package.writestr(zipfile.ZipInfo(f"word/media/{image['name']}", stamp), image["png"], zipfile.ZIP_DEFLATED, 6)
    return out.getvalue()


def _table_xml(table: Table) -> dict:
    """A table for the template: its caption, column widths, and each cell as (style, text made XML)."""
    styles = ["CellNumber" if column in table.numeric else "Cell" for column in range(len(table.header))]
    return {"caption": table.caption, "widths": _widths(table), "header": list(zip(styles, map(_xml_text, table.header))),
            "rows": [list(zip(styles, map(_xml_text, row))) for row in table.rows]}


def _xml_clean(value) -> str:
    """The text without the characters XML forbids (the template escapes it)."""
    return _NOT_XML.sub("", str(value))


def _xml_text(value) -> Markup:
    """Text for a w:t element: escaped, without the characters XML forbids, each line break a w:br."""
    text = escape(_xml_clean(value))
    if "\n" in text or "\r" in text:
        text = _BREAK.join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return text


def _numbered(index: int, title: str) -> str:
    """A first-level heading numbered as GB/T 9704 numbers them: “一、”, “二、” … (“1. ” in another language)."""
    if get_locale().language == "zh" and index <= len(CHINESE_NUMBERS):
        return f"{CHINESE_NUMBERS[index - 1]}、{title}"
    return f"{index}. {title}"


def _widths(table: Table) -> list[int]:
    """Column widths in twips across the text block. A column of short texts (a date, a number, a name, a state)
    gets the width of its widest text on one line; the columns of long texts share what is left, the narrower
    of them whole where they fit, the widest wrapping."""
    needs = [max(map(_text_width, column)) * HALF_CELL_CHARACTER + CELL_MARGINS for column in zip(table.header, *table.rows)]
    if sum(needs) <= TEXT_WIDTH:
        widths = [TEXT_WIDTH * need // sum(needs) for need in needs]
    else:
        long = [need for need in needs if need > TEXT_WIDTH // 4]
        room = TEXT_WIDTH - (sum(needs) - sum(long))
        if not long or room < len(long) * TEXT_WIDTH // 8:
            long, room = needs, TEXT_WIDTH  # too many columns to keep the short ones whole: every column shares
        left = len(long)
        for need in sorted(long):
            if need * left > room:
                break
            room, left = room - need, left - 1
        cap = room // max(left, 1)
        widths = [min(need, cap) if need in long else need for need in needs]
    widths[widths.index(max(widths))] += TEXT_WIDTH - sum(widths)
    return widths


def _text_width(text: str) -> int:
    """The text's width in half characters: GBK spends two bytes on a Chinese character and one on a digit."""
    return len(text.encode("gbk", "replace"))


def _extent(chart: Chart) -> dict[str, int]:
    """The picture's size in EMU: the text block's width, or less for a chart taller than the page can hold."""
    width = TEXT_WIDTH * EMU_PER_TWIP
    height = round(width * chart.height / chart.width)
    if height > IMAGE_MAX_HEIGHT:
        width, height = round(width * IMAGE_MAX_HEIGHT / height), IMAGE_MAX_HEIGHT
    return {"cx": width, "cy": height}

"""The demo's evidence: photos drawn here with Pillow (a road before and after, fitness equipment, a community day)
and an answer letter, attached through the same service the pages use."""
import io

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from ..campaigns.models import ChecklistRecord
from ..charts import CJK_FONTS
from ..evidence.models import Attachment, AttachmentRole, OwnerKind
from ..evidence.services import Upload, attach_files
from ..extensions import db
from ..matters.models import PracticalMatter
from ..models import User
from ..suggestions.models import ADOPTED_STATES, Suggestion

SIZE = (1200, 800)
ROAD = "协调市政对气象街30-54号路面进行了修复"
FITNESS = "在气象街26号楼为居民安装了健身器材"


def _font(size: int):
    for path in CJK_FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return None  # no CJK font: the pictures go without their caption


def _canvas(sky: str, ground: str, caption: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", SIZE, sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 480, SIZE[0], SIZE[1]), fill=ground)
    font = _font(44)
    if font is not None:
        draw.rectangle((0, SIZE[1] - 90, SIZE[0], SIZE[1]), fill=(0, 0, 0))
        draw.text((30, SIZE[1] - 72), caption, font=font, fill="white")
    return image, draw


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def road(repaired: bool) -> bytes:
    """The road at 气象街30-54号, with potholes and puddles or newly laid."""
    image, draw = _canvas("#b9d3ea", "#4a4a4a" if repaired else "#7a7266", "气象街30-54号 " + ("修复后" if repaired else "修复前"))
    for x in range(0, SIZE[0], 160):
        draw.rectangle((x + 40, 230, x + 130, 480), fill="#c8b89a")  # the houses along the street
        draw.rectangle((x + 65, 280, x + 100, 320), fill="#6d8fb0")
    if repaired:
        for x in range(40, SIZE[0], 180):
            draw.rectangle((x, 610, x + 100, 624), fill="white")  # fresh lane markings
    else:
        for x, y, w in ((150, 560, 180), (520, 640, 240), (900, 580, 150)):
            draw.ellipse((x, y, x + w, y + w // 3), fill="#5b6f80")  # puddles in the potholes
    return _jpeg(image)


def fitness() -> bytes:
    """Fitness equipment in front of 气象街26号楼."""
    image, draw = _canvas("#cfe6f5", "#7fb069", "气象街26号楼 健身器材")
    draw.rectangle((700, 120, 1150, 480), fill="#d9c7a7")  # the building
    for y in range(160, 460, 70):
        for x in range(730, 1120, 90):
            draw.rectangle((x, y, x + 50, y + 40), fill="#6d8fb0")
    for x, colour in ((120, "#e4572e"), (330, "#2e86ab"), (520, "#f3a712")):
        draw.line((x, 650, x + 60, 470, x + 120, 650), fill=colour, width=14)  # the frames
        draw.ellipse((x + 35, 440, x + 85, 490), outline=colour, width=10)
    return _jpeg(image)


def community_day() -> bytes:
    """A deputy's community day: the service station and the residents."""
    image, draw = _canvas("#f2e3c9", "#c2b280", "体验一天 · 社区服务站")
    draw.rectangle((200, 180, 1000, 480), fill="#b03a2e")
    draw.rectangle((480, 330, 720, 480), fill="#f5f5f5")
    for x in range(120, 1100, 140):
        draw.ellipse((x, 520, x + 60, 580), fill="#3d3d3d")  # heads
        draw.rectangle((x - 5, 580, x + 65, 700), fill="#2e86ab")
    return _jpeg(image)


def answer_letter() -> bytes:
    """The district's answer letter, as a scanned one-page PDF."""
    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)
    font = _font(48)
    if font is not None:
        draw.text((420, 180), "关于代表建议的答复函", font=font, fill="black")
    for y in range(360, 1400, 70):
        draw.line((160, y, 1080, y), fill="#999999", width=3)
    draw.ellipse((820, 1420, 1060, 1660), outline="#c0392b", width=12)  # the seal
    out = io.BytesIO()
    image.save(out, "PDF", resolution=150)
    return out.getvalue()


def seed_evidence() -> None:
    """Photos on the two repaired things of the report, on a community day, and an answer letter; once."""
    if db.session.scalar(select(Attachment.id).limit(1)) is not None:
        return
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(["staff1", "xiahong"])))}
    staff = users["staff1"]
    matters = {m.title: m for m in db.session.scalars(select(PracticalMatter).where(PracticalMatter.title.in_([ROAD, FITNESS])))}
    if ROAD in matters:
        attach_files(staff, OwnerKind.MATTER, matters[ROAD], AttachmentRole.BEFORE, [Upload("路面修复前.jpg", road(False))])
        attach_files(staff, OwnerKind.MATTER, matters[ROAD], AttachmentRole.AFTER, [Upload("路面修复后.jpg", road(True))])
    if FITNESS in matters:
        attach_files(staff, OwnerKind.MATTER, matters[FITNESS], AttachmentRole.AFTER, [Upload("健身器材.jpg", fitness())])
    deputy = users.get("xiahong")
    record = deputy and db.session.scalar(
        select(ChecklistRecord).where(ChecklistRecord.deputy_id == deputy.id).order_by(ChecklistRecord.done_on.desc()).limit(1))
    if record is not None:
        attach_files(deputy, OwnerKind.RECORD, record, AttachmentRole.PHOTO, [Upload("体验一天.jpg", community_day())])
    adopted = db.session.scalar(select(Suggestion).where(Suggestion.state.in_(ADOPTED_STATES)).order_by(Suggestion.id).limit(1))
    if adopted is not None:
        attach_files(staff, OwnerKind.SUGGESTION, adopted, AttachmentRole.ANSWER_LETTER, [Upload("区委答复函.pdf", answer_letter())])

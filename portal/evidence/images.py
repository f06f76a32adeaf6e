"""What an uploaded file is, read from its bytes: photos re-encoded with Pillow (orientation applied, every metadata
block dropped, the long side capped, a thumbnail made), PDFs kept as they are, everything else refused."""
import functools
import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

LONG_SIDE = 2048
THUMB_SIDE = 320
MAX_SIDE = 12_000  # a phone's largest photo is about 8,000 px wide
MAX_PIXELS = 50_000_000  # above this Pillow warns, and the warning is an error here: a bomb is refused before decoding
JPEG_QUALITY = 85

HEIC_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
# What each content may be called; a name with none of the portal's extensions says nothing and is judged by its bytes.
NAMES = {
    "JPEG": {".jpg", ".jpeg", ".jfif", ".jpe"},
    "PNG": {".png"},
    "WEBP": {".webp"},
    "HEIF": {".heic", ".heif"},
    "PDF": {".pdf"},
}
KNOWN_EXTENSIONS = set().union(*NAMES.values())

NOT_ALLOWED = _l("Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be attached.")
WRONG_NAME = _l("“%(name)s” is not what its name says. Please choose the original photo or PDF.")
TOO_LARGE = _l("“%(name)s” is too large an image (at most %(side)d pixels a side). Please choose a smaller photo.")
UNREADABLE = _l("“%(name)s” cannot be read as a picture. Please choose a JPEG photo.")
NO_HEIC = _l("“%(name)s” is a HEIC photo, which this server cannot read. Please choose JPEG (on an iPhone: Settings → Camera → Formats → Most Compatible).")


class Refused(Exception):
    """The file is not accepted; the message says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


@dataclass
class Prepared:
    """A file ready to store: its bytes and type, and for an image its size and thumbnail."""

    data: bytes
    content_type: str
    sha256: str
    width: int | None = None
    height: int | None = None
    thumb: bytes | None = None
    thumb_sha256: str | None = None


@functools.cache
def pillow():
    """`PIL.Image` with the portal's limit on pixels, imported with the first picture read (most workers read none)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    return Image


@functools.cache
def heif_available() -> bool:
    """Whether HEIC photos can be read (the plugin installed and registered with Pillow)."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


def display_name(name: str | None) -> str:
    """The uploader's file name made safe to show: no folders, no control or format characters, at most 100 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    name = name.strip(" .")[:100]
    return name or "file"


def sniff(data: bytes) -> str | None:
    """The format the bytes begin with, whatever the name says."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in HEIC_BRANDS:
        return "HEIF"
    if data.startswith(b"%PDF-"):
        return "PDF"
    return None


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def prepare(data: bytes, name: str) -> Prepared:
    """The file to store for an upload, or Refused with the reason."""
    shown = display_name(name)
    kind = sniff(data)
    extension = _extension(shown)
    if kind is None:
        raise Refused(WRONG_NAME % {"name": shown} if extension in KNOWN_EXTENSIONS else NOT_ALLOWED)
    if extension and extension not in NAMES[kind]:
        raise Refused(WRONG_NAME % {"name": shown} if extension in KNOWN_EXTENSIONS else NOT_ALLOWED)
    if kind == "PDF":
        return _pdf(data, shown)
    if kind == "HEIF" and not heif_available():
        raise Refused(NO_HEIC % {"name": shown})
    return _image(data, kind, shown)


def _pdf(data: bytes, shown: str) -> Prepared:
    # Kept as it is: served only as a download (never inline), with nosniff, so whatever else its bytes hold is
    # never run in the portal's pages. A file that does not end as a PDF ends is not one.
    if b"%%EOF" not in data[-1024:]:
        raise Refused(WRONG_NAME % {"name": shown})
    return Prepared(data, "application/pdf", hashlib.sha256(data).hexdigest())


def _image(data: bytes, kind: str, shown: str) -> Prepared:
    from PIL import ImageOps

    Image = pillow()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                if max(image.size) > MAX_SIDE:
                    raise Refused(TOO_LARGE % {"name": shown, "side": MAX_SIDE})
                if kind == "JPEG":  # decoded at the smallest scale still as large as what is stored: a fraction of the memory
                    image.draft("RGB", (LONG_SIDE, LONG_SIDE))
                image.load()
                upright = ImageOps.exif_transpose(image)  # a copy, turned as the camera was held
                upright.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Refused(TOO_LARGE % {"name": shown, "side": MAX_SIDE}) from None
        except Refused:
            raise
        except (OSError, ValueError, SyntaxError, EOFError, Image.UnidentifiedImageError):
            raise Refused(UNREADABLE % {"name": shown}) from None
    alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    try:
        pixels = upright.convert("RGBA" if alpha else "RGB")
    except (OSError, ValueError):
        raise Refused(UNREADABLE % {"name": shown}) from None
    # A new image carries none of the source's info (EXIF with GPS, ICC, XMP, text chunks, comments).
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    stored, content_type = _encode(clean, "PNG" if alpha else "JPEG")
    thumb = clean.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    if alpha:
        flat = Image.new("RGB", thumb.size, "white")
        flat.paste(thumb, mask=thumb.getchannel("A"))
        thumb = flat
    thumb_bytes, _type = _encode(thumb, "JPEG")
    return Prepared(stored, content_type, hashlib.sha256(stored).hexdigest(), clean.width, clean.height,
                    thumb_bytes, hashlib.sha256(thumb_bytes).hexdigest())


def _encode(image, fmt: str) -> tuple[bytes, str]:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return out.getvalue(), "image/jpeg"
    image.save(out, "PNG", optimize=True)
    return out.getvalue(), "image/png"

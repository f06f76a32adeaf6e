"""Files for the evidence tests, drawn with Pillow (no binary fixtures)."""
import io

from PIL import Image, ImageDraw

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def picture(size=(640, 480), color="seagreen", mode="RGB") -> Image.Image:
    image = Image.new(mode, size, color)
    ImageDraw.Draw(image).rectangle((size[0] // 8, size[1] // 8, size[0] // 2, size[1] // 2), fill="white")
    return image


def jpeg(size=(640, 480), color="seagreen", gps=False, orientation=None) -> bytes:
    """A JPEG photo, with a GPS position and an orientation tag in its EXIF if asked."""
    exif = Image.Exif()
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    picture(size, color).save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def png(size=(320, 240), mode="RGBA", **params) -> bytes:
    out = io.BytesIO()
    picture(size, (200, 30, 30, 128) if mode == "RGBA" else "navy", mode).save(out, "PNG", **params)
    return out.getvalue()


def pdf(body: bytes = b"") -> bytes:
    """A one-page PDF (Pillow writes it), with `body` bytes inside if given."""
    out = io.BytesIO()
    picture((200, 100)).save(out, "PDF")
    data = out.getvalue()
    return data.replace(b"%%EOF", body + b"\n%%EOF") if body else data

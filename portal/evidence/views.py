"""Adding files to a record, removing one, and the one download view that checks the owning record's permission."""
from urllib.parse import quote

from flask import Response, abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from ..errors import ServiceError, commit_form, run_and_commit
from ..extensions import db
from ..htmx import is_htmx
from ..permissions import ANY_ROLE, can_attach, can_view_owner, role_required
from ..storage import StorageError
from . import bp
from .forms import EvidenceForm
from .models import Attachment, AttachmentRole, OwnerKind
from .services import Upload, attach_files, attachments_of, file_bytes, load_owner, owner_of, owner_url, remove_attachment


def upload_request_limit() -> None:
    """An upload's request may carry several photos: its own limit, set before CSRF protection reads the form."""
    if request.endpoint == "evidence.upload":
        config = current_app.config
        request.max_content_length = config["EVIDENCE_MAX_FILE_BYTES"] * config["EVIDENCE_MAX_FILES_PER_UPLOAD"] + 1024 * 1024


def gallery(kind: OwnerKind | str, owner, form: EvidenceForm | None = None) -> dict:
    """What the files section of a record's page shows (a template global, and the htmx answer)."""
    kind = OwnerKind(kind)
    return {"kind": kind, "owner": owner, "attachments": attachments_of(kind, owner.id),
            "form": form or (EvidenceForm(kind, formdata=None) if can_attach(current_user, kind, owner) else None)}


def _visible_owner(kind: OwnerKind, owner_id: int):
    owner = load_owner(kind, owner_id)
    if not can_view_owner(current_user, kind, owner):
        abort(404)
    return owner


def _answer(kind: OwnerKind, owner, form: EvidenceForm | None = None, status: int = 200):
    if is_htmx():
        return render_template("evidence/_gallery.html", gallery=gallery(kind, owner, form)), status
    if status != 200:
        return render_template("evidence/upload.html", gallery=gallery(kind, owner, form), back_url=owner_url(kind, owner.id)), status
    return redirect(owner_url(kind, owner.id))


@bp.route("/<kind>/<int:owner_id>", methods=["POST"])
@role_required(*ANY_ROLE)
def upload(kind: str, owner_id: int):
    """Add one or several files to a record; a refused file leaves the record as it was, with the reason at the field."""
    if kind not in {k.value for k in OwnerKind}:
        abort(404)
    kind = OwnerKind(kind)
    owner = _visible_owner(kind, owner_id)
    if not can_attach(current_user, kind, owner):
        abort(403)
    form = EvidenceForm(kind)
    if not form.validate_on_submit():
        return _answer(kind, owner, form, 422)
    files = [f for f in form.files.data if isinstance(f, FileStorage) and f.filename]
    uploads = [Upload(f.filename, f.read()) for f in files]
    added = commit_form(form, lambda: attach_files(current_user, kind, owner, AttachmentRole(form.role.data), uploads))
    if added is None:
        return _answer(kind, owner, form, 422)
    if not is_htmx():
        flash(_("%(n)d files were added.", n=len(added)), "success")
    return _answer(kind, owner)


def _attachment_or_404(attachment_id: int) -> tuple[Attachment, object]:
    """A file still on its record, if the user may see the record (else 404: its existence is not revealed)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.removed_at is not None:
        abort(404)
    owner = owner_of(attachment)
    if not can_view_owner(current_user, attachment.owner_kind, owner):
        abort(404)
    return attachment, owner


def _file_response(data: bytes, content_type: str, disposition: str, name: str) -> Response:
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(name, safe='')}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # Served by itself, a file may run nothing and load nothing (a PDF viewer a browser opens anyway).
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _stored(attachment: Attachment, thumb: bool = False) -> bytes:
    try:
        return file_bytes(attachment, thumb)
    except StorageError:
        current_app.logger.error("evidence file %s is missing from the storage", attachment.thumb_key if thumb else attachment.key)
        abort(404)


@bp.route("/<int:attachment_id>")
@role_required(*ANY_ROLE)
def download(attachment_id: int):
    """The file: a photo shown by the browser, a PDF always downloaded."""
    attachment, _owner = _attachment_or_404(attachment_id)
    disposition = "inline" if attachment.is_image else "attachment"
    return _file_response(_stored(attachment), attachment.content_type, disposition, attachment.original_name)


@bp.route("/<int:attachment_id>/thumb")
@role_required(*ANY_ROLE)
def thumb(attachment_id: int):
    """A photo's thumbnail."""
    attachment, _owner = _attachment_or_404(attachment_id)
    if not attachment.is_image:
        abort(404)
    return _file_response(_stored(attachment, thumb=True), "image/jpeg", "inline", "thumb.jpg")


@bp.route("/<int:attachment_id>/remove", methods=["POST"])
@role_required(*ANY_ROLE)
def remove(attachment_id: int):
    """Take a file off its record (kept for the audit: who removed it and when)."""
    attachment, owner = _attachment_or_404(attachment_id)
    outcome = run_and_commit(lambda: remove_attachment(current_user, attachment))
    if isinstance(outcome, ServiceError):
        abort(403)
    if not is_htmx():
        flash(_("The file was removed."), "success")
    return _answer(attachment.owner_kind, owner)

"""Uploaded files: checked on the way in (type by extension and by content, size), stored under MEDIA_ROOT
(outside the static tree, never served by URL), and handed out only by a view that has already checked
that the caller may see the object the file belongs to."""

from __future__ import annotations

import mimetypes
import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse

# extension -> the leading bytes a real file of that type starts with (None: text, checked for NUL bytes)
ALLOWED_TYPES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".zip": (b"PK\x03\x04",),
    ".csv": None,
    ".txt": None,
}


def validate_upload(file: UploadedFile, *, field: str = "file", allowed: set[str] | None = None) -> None:
    """Raise a field ValidationError unless the file is of an allowed type, is what its name says, and fits."""
    allowed = allowed or set(ALLOWED_TYPES)
    ext = os.path.splitext(file.name or "")[1].lower()
    if ext not in allowed:
        raise ValidationError(
            {field: f"Files of type “{ext or 'unknown'}” are not accepted. Allowed: {', '.join(sorted(allowed))}."}
        )
    if file.size > settings.PRM_UPLOAD_MAX_BYTES:
        limit = settings.PRM_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise ValidationError({field: f"The file is larger than the {limit} MB limit."})
    if file.size == 0:
        raise ValidationError({field: "The file is empty."})
    head = file.read(2048)
    file.seek(0)
    signatures = ALLOWED_TYPES[ext]
    if signatures is None:
        if b"\x00" in head:
            raise ValidationError({field: f"This does not look like a {ext} text file."})
    elif not head.startswith(signatures):
        raise ValidationError({field: f"The file's content is not a {ext} file."})


def upload_to(prefix: str):
    """A storage path that keeps no user-chosen name on disk: <prefix>/<yyyy>/<uuid><ext>."""

    def path(instance, filename: str) -> str:
        from django.utils import timezone

        return f"{prefix}/{timezone.now():%Y}/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()}"

    return path


def serve_file(field_file, *, download_name: str) -> FileResponse:
    """Stream a stored file as an attachment. Call only after the caller's access to its owner was checked."""
    content_type = mimetypes.guess_type(download_name)[0] or "application/octet-stream"
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=download_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

"""Photos and documents (of work records, of case events), checked by what they contain rather
than by their name.

A photo is decoded with Pillow, turned upright, scaled down and re-encoded as JPEG, so nothing
but pixels reaches the store (no EXIF location, nothing appended to the file). A document must
be a PDF, a Word .docx or an Excel .xlsx by its first bytes and, for the two zip formats, by the
parts inside. Stored names are generated; the name the user gave is kept only for display."""

from __future__ import annotations

import contextlib
import io
import os
import uuid
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from shequ.errors import DomainError

PHOTO, DOCUMENT = "照片", "附件"  # what an upload was offered as
PHOTO_SIDE = 1600  # enough for a ledger page or a summary, ~300 KB as JPEG
PREVIEW_SIDE = 320
MAX_PIXELS = 50_000_000  # a 50-megapixel camera; more is a decompression bomb, not a photo
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}
DOCUMENTS = {
    # kind: (content type, the part a real file of that kind contains)
    "pdf": ("application/pdf", None),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "word/document.xml",
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xl/workbook.xml",
    ),
}


@dataclass
class Checked:
    """A file ready to store: its content, the preview of a photo, and what to record."""

    content: bytes
    content_type: str
    extension: str
    preview: bytes | None = None
    width: int | None = None
    height: int | None = None


def _too_big(data: bytes) -> None:
    if len(data) > settings.RECORD_FILE_MAX_BYTES:
        limit = settings.RECORD_FILE_MAX_BYTES // (1024 * 1024)
        raise DomainError(_("文件过大，不能超过%(mb)sMB") % {"mb": limit}, field="files")
    if not data:
        raise DomainError(_("文件是空的"), field="files")


def check_photo(data: bytes, name: str) -> Checked:
    """Decode, orient, scale and re-encode a photo; a clear Chinese error for anything else."""
    _too_big(data)
    refused = DomainError(
        _("“%(name)s”不是可识别的照片（支持 JPG、PNG、WebP、GIF、BMP）") % {"name": name},
        field="files",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in PHOTO_FORMATS:
                raise refused
            if probe.width * probe.height > MAX_PIXELS:
                raise DomainError(_("“%(name)s”像素过多，不是照片") % {"name": name}, field="files")
            probe.verify()  # structure and checksums; the image must be opened again after
            image = Image.open(io.BytesIO(data))
            image.load()
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise refused from exc
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    photo = io.BytesIO()
    image.save(photo, "JPEG", quality=85, optimize=True)
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    preview = io.BytesIO()
    image.save(preview, "JPEG", quality=80)
    return Checked(photo.getvalue(), "image/jpeg", "jpg", preview.getvalue(), *_size(photo))


def _size(photo: io.BytesIO) -> tuple[int, int]:
    photo.seek(0)
    with Image.open(photo) as image:
        return image.width, image.height


def check_document(data: bytes, name: str) -> Checked:
    """A PDF, .docx or .xlsx, recognised by its content whatever its name says."""
    _too_big(data)
    if data.startswith(b"%PDF-"):
        return Checked(data, DOCUMENTS["pdf"][0], "pdf")
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = set(archive.namelist())
        except zipfile.BadZipFile:
            parts = set()
        for extension, (content_type, part) in DOCUMENTS.items():
            if part in parts:
                return Checked(data, content_type, extension)
    raise DomainError(
        _("“%(name)s”不是 PDF、Word（.docx）或 Excel（.xlsx）文件") % {"name": name},
        field="files",
    )


def display_name(name: str, extension: str) -> str:
    """The user's file name, without any folder, shortened, ending in the real extension."""
    stem = Path(name.replace("\\", "/")).name.rsplit(".", 1)[0].strip() or _("文件")
    return f"{stem[:90]}.{extension}"


def new_stored_name(extension: str) -> str:
    return f"{uuid.uuid4().hex}.{extension}"


def path(stored_as: str, *, preview: bool = False) -> Path:
    stem, extension = stored_as.rsplit(".", 1)
    return Path(settings.RECORD_FILES_DIR) / (
        f"{stem}.preview.{extension}" if preview else stored_as
    )


def private_folder(folder: Path) -> Path:
    """`folder` made if missing and left to the service account alone (0700), like the files
    in it: photos of residents' homes and documents about them are for shequ to serve, through
    the record's scope, not for every account of the machine to read. A folder an older version
    left open (0755) is narrowed once, with the files already in it (0644 then)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # a folder someone else owns stays theirs
            folder.chmod(0o700)
            for inside in folder.rglob("*"):
                if inside.is_file() and inside.stat().st_mode & 0o077:
                    inside.chmod(0o600)
    return folder


def write_private(target: Path, content: bytes) -> None:
    """A new file readable and writable by the service account only (0600)."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)


def write(stored_as: str, checked: Checked) -> list[Path]:
    """Write the file (and a photo's preview); the paths written, to remove on failure."""
    private_folder(Path(settings.RECORD_FILES_DIR))
    written = [path(stored_as)]
    write_private(written[0], checked.content)
    if checked.preview is not None:
        written.append(path(stored_as, preview=True))
        write_private(written[1], checked.preview)
    return written


def remove(stored_as: str) -> None:
    for each in (path(stored_as), path(stored_as, preview=True)):
        each.unlink(missing_ok=True)


@dataclass
class Upload:
    """A file as it came from the browser or a script: its name and bytes, and whether it was
    offered as a photo or as a document."""

    name: str
    data: bytes
    kind: str = PHOTO

    @classmethod
    def read(cls, uploaded, kind: str = PHOTO) -> Upload:
        """From a Django UploadedFile, reading no more than is needed to refuse it as too big."""
        return cls(uploaded.name or "", uploaded.read(settings.RECORD_FILE_MAX_BYTES + 1), kind)

    def check(self) -> Checked:
        """The file checked as what it was offered as."""
        if self.kind == PHOTO:
            return check_photo(self.data, self.name)
        return check_document(self.data, self.name)


def store(
    checked: list[tuple[Upload, Checked]], row: Callable[[Upload, Checked, str], Any]
) -> list:
    """Write each checked file under a new name and make its row with `row(upload, checked,
    stored_as)`; if anything fails, the files written so far are removed (the caller's
    transaction takes the rows back), so a batch is stored whole or not at all."""
    written: list[Path] = []
    rows = []
    try:
        for upload, result in checked:
            stored_as = new_stored_name(result.extension)
            written += write(stored_as, result)
            rows.append(row(upload, result, stored_as))
    except BaseException:
        for each in written:
            each.unlink(missing_ok=True)
        raise
    return rows


def serve(
    stored_as: str,
    *,
    name: str,
    content_type: str,
    photo: bool,
    preview: bool = False,
    private: bool = False,
) -> FileResponse:
    """A stored file as the answer to a request already checked for scope: a photo (or its
    preview) shown in the page, a document downloaded. `private` files (judicial papers) are
    not kept in the browser's cache."""
    found = path(stored_as, preview=preview and photo)
    if not found.is_file():
        raise Http404
    response = FileResponse(
        found.open("rb"),
        content_type="image/jpeg" if preview and photo else content_type,
        as_attachment=not photo,
        filename=name,
    )
    response["Cache-Control"] = "no-store" if private else "private, max-age=3600"
    return response


def attachment(content: bytes | IO[bytes], extension: str, file_name: str) -> HttpResponse:
    """A generated .xlsx or .docx sent as a download under a Chinese file name: its bytes, or
    an open file, which is sent in blocks and closed (deleted, if temporary) once sent."""
    content_type = DOCUMENTS[extension][0]
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = FileResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response

"""Rebuilding an uploaded PDF so that only its pages reach an officer.

Looking for dangerous names in a PDF misses what a hostile file hides: names inside compressed object streams,
names written with ``#xx`` escapes (``/X#46A`` is ``/XFA``), kinds of active content the check does not know.
So, as for images, a PDF is never stored as it was sent. qpdf (through pikepdf) parses it, which resolves object
streams and escapes, and a new document is built from its pages only: their content, their resources (fonts,
images) and their geometry. The document catalog is not copied, so ``/AcroForm`` (with XFA), ``/Names``
(document JavaScript, embedded files), ``/OpenAction``, ``/AA``, outlines and metadata stay behind.
Annotations are first flattened into the page, so a filled-in form keeps its visible values, and then removed
with their actions and attached files. A last walk over everything the new document holds drops any action,
attached file or multimedia that was hidden in a resource. Data outside the PDF's objects (a ZIP or an HTML
page appended or slipped in to make a polyglot, unreferenced objects, comments) is never written.

Each stream the new document holds is decoded once, under caps, before it is written: an image's size is read
from its dictionary (and from the JPEG header) before anything is decoded, LZW output is counted without being
produced, and qpdf's own memory limits stop Flate, RunLength and predictor output. A file that breaks a cap is
refused with a reason the applicant can act on; the caps are settings (``UPLOAD_MAX_*``).
"""

from __future__ import annotations

import io
import logging
import re
import warnings
import zipfile
from dataclasses import dataclass

import pikepdf
import pikepdf.settings
from django.conf import settings
from django.utils.translation import gettext as _
from pikepdf import Array, Dictionary, Name, Stream
from PIL import Image, UnidentifiedImageError

from applications.uploads import UploadRejectedError

logger = logging.getLogger(__name__)

# What a page keeps: how it looks, nothing that acts. Resources and geometry are pushed down from the page tree
# when qpdf opens the file, so nothing inherited is lost.
_PAGE_KEYS = frozenset(
    {
        "/Type",
        "/Parent",
        "/Resources",
        "/Contents",
        "/MediaBox",
        "/CropBox",
        "/BleedBox",
        "/TrimBox",
        "/ArtBox",
        "/Rotate",
        "/UserUnit",
        "/Group",
    }
)
# Keys dropped wherever they appear in what the pages reach: actions, scripts, forms, attached or external
# files, multimedia, and side data a viewer may act on or a polyglot may hide in.
_DROPPED_KEYS = frozenset(
    {
        "/A",
        "/AA",
        "/OpenAction",
        "/JS",
        "/JavaScript",
        "/Next",
        "/URI",
        "/Names",
        "/Dests",
        "/AcroForm",
        "/XFA",
        "/EmbeddedFiles",
        "/EF",
        "/RF",
        "/FS",
        "/AF",
        "/Collection",
        "/RichMediaContent",
        "/RichMediaSettings",
        "/Movie",
        "/Sound",
        "/3DD",
        "/Annots",
        "/OPI",
        "/Alternates",
        "/Ref",
        "/Metadata",
        "/PieceInfo",
        "/Thumb",
        "/Outlines",
        "/Threads",
        "/StructTreeRoot",
        "/OCProperties",
        "/Perms",
    }
)
# A stream whose data lives in another file: the reference goes, the (empty) stream stays.
_STREAM_DROPPED_KEYS = frozenset({"/F", "/FFilter", "/FDecodeParms"})
# Objects that are never kept, wherever they are referenced from.
_FORBIDDEN_TYPES = frozenset(
    {"/Action", "/Filespec", "/EmbeddedFile", "/Annot", "/Catalog", "/Pages", "/Page", "/Collection"}
)
_FORBIDDEN_SUBTYPES = frozenset(
    {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D", "/PS"}
)
_ACTION_TYPES = frozenset(
    {
        "/GoTo",
        "/GoToR",
        "/GoToE",
        "/GoToDp",
        "/Launch",
        "/Thread",
        "/URI",
        "/Sound",
        "/Movie",
        "/Hide",
        "/Named",
        "/SubmitForm",
        "/ResetForm",
        "/ImportData",
        "/JavaScript",
        "/SetOCGState",
        "/Rendition",
        "/Trans",
        "/GoTo3DView",
        "/RichMediaExecute",
    }
)
_LZW = frozenset({"/LZWDecode", "/LZW"})
# Filters qpdf leaves encoded (images): their output size follows from the image's width and height.
_IMAGE_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"})
_HEADER_SIZED = frozenset({"/DCTDecode", "/DCT", "/JPXDecode"})
_MAX_FILTERS = 8
_COMPONENTS = {"/DeviceRGB": 3, "/CalRGB": 3, "/RGB": 3, "/Lab": 3, "/DeviceCMYK": 4, "/CMYK": 4}
# An inline image (BI <dictionary> ID <data> EI) inside a content stream, and its declared size.
_INLINE_IMAGE = re.compile(rb"BI\s")  # a plain literal: scanning 50 MB takes a fraction of a second
_TOKEN_BEFORE = frozenset(b" \t\r\n\f\0])>")
_MAX_INLINE_IMAGES = 100_000
_INLINE_WIDTH = re.compile(rb"/W(?:idth)?\s*(\d+)")
_INLINE_HEIGHT = re.compile(rb"/H(?:eight)?\s*(\d+)")


@dataclass(frozen=True)
class _Limits:
    pages: int
    pixels: int
    stream_bytes: int
    total_bytes: int
    objects: int

    @classmethod
    def from_settings(cls) -> _Limits:
        return cls(
            pages=settings.UPLOAD_MAX_PDF_PAGES,
            pixels=settings.UPLOAD_MAX_IMAGE_PIXELS,
            stream_bytes=settings.UPLOAD_MAX_PDF_DECOMPRESSED_BYTES,
            total_bytes=settings.UPLOAD_MAX_PDF_TOTAL_DECOMPRESSED_BYTES,
            objects=settings.UPLOAD_MAX_PDF_OBJECTS,
        )


def _refuse(message: str, reason: str) -> UploadRejectedError:
    return UploadRejectedError(message, details={"reason": reason})


def _bomb() -> UploadRejectedError:
    return _refuse(_("The PDF expands to too much data to be checked."), "decompression_bomb")


def _damaged() -> UploadRejectedError:
    return _refuse(_("The PDF file is damaged and cannot be read."), "damaged")


def _image_too_large() -> UploadRejectedError:
    return _refuse(
        _(
            "The PDF contains an image that is too large in pixels. Please scan or export it at a lower resolution."
        ),
        "image_too_large",
    )


def _too_complex() -> UploadRejectedError:
    return _refuse(_("The PDF is too complex to check."), "too_complex")


def rebuild_pdf(content: bytes) -> bytes:
    """Return a new PDF holding only the pages of ``content``, or raise UploadRejectedError."""
    limits = _Limits.from_settings()
    end = content.rfind(b"%%EOF")
    if end < 0:
        raise _refuse(_("The PDF file is incomplete (it was cut off). Please upload it again."), "truncated")
    # Whatever follows the last end-of-file marker (an appended ZIP or HTML page) is not part of the PDF.
    content = content[: end + len(b"%%EOF")] + b"\n"
    # qpdf's limits are process-wide: they are set from the settings on each call, the same for every upload.
    pikepdf.settings.set_qpdf_limits(
        flate_max_memory=limits.stream_bytes,
        run_length_max_memory=limits.stream_bytes,
        png_max_memory=limits.stream_bytes,
        tiff_max_memory=limits.stream_bytes,
        max_stream_filters=_MAX_FILTERS,
        parser_max_container_size=1_000_000,
    )
    limit_errors = pikepdf.settings.qpdf_limit_errors()
    try:
        try:
            source = pikepdf.open(io.BytesIO(content))
        except pikepdf.PasswordError:
            raise _refuse(
                _("The PDF is password-protected or encrypted. Please upload an unprotected copy."),
                "encrypted",
            ) from None
        with source:
            rebuilt = _rebuild(source, limits)
    except UploadRejectedError:
        raise
    except (pikepdf.PdfError, RuntimeError) as error:
        if pikepdf.settings.qpdf_limit_errors() > limit_errors or _limit_reached(error):
            raise _bomb() from None
        raise _damaged() from None
    except Exception:  # a hostile file may break the parser anywhere: the applicant gets a clear refusal
        logger.warning("upload.pdf_unreadable", exc_info=True)
        raise _damaged() from None
    if zipfile.is_zipfile(io.BytesIO(rebuilt)):  # a ZIP stored inside a stream, near the end: never served
        raise _refuse(_("The PDF hides other data inside it. Please upload a plain PDF."), "polyglot")
    return rebuilt


def _rebuild(source: pikepdf.Pdf, limits: _Limits) -> bytes:
    count = len(source.pages)
    if count == 0:
        raise _refuse(_("The PDF has no pages."), "no_pages")
    if count > limits.pages:
        raise _refuse(_("The PDF has more than %(pages)s pages.") % {"pages": limits.pages}, "too_many_pages")
    _flatten_annotations(source)
    rebuilt = pikepdf.new()
    for page in source.pages:
        for key in list(page.obj.keys()):
            if key not in _PAGE_KEYS:
                del page.obj[key]
        rebuilt.pages.append(page)
    _Walk(rebuilt, limits).run()
    out = io.BytesIO()
    rebuilt.save(
        out,
        min_version=source.pdf_version,
        fix_metadata_version=False,
        compress_streams=True,
        stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        deterministic_id=True,
    )
    return out.getvalue()


def _flatten_annotations(source: pikepdf.Pdf) -> None:
    """Draw what annotations and filled-in form fields show into the page itself; they are removed after."""
    acroform = source.Root.get("/AcroForm")
    try:
        if (
            isinstance(acroform, Dictionary)
            and acroform.get("/NeedAppearances") is True
            and not _appearances_use_lzw(source)
        ):
            # Drawing a field reads its old appearance: qpdf bounds Flate there, not LZW (checked just above).
            source.generate_appearance_streams()
        source.flatten_annotations(mode="all")
    except (pikepdf.PdfError, RuntimeError):
        # A form qpdf cannot draw is dropped with the other annotations: the page content itself still shows.
        logger.info("upload.pdf_flatten_failed", exc_info=True)


def _appearances_use_lzw(source: pikepdf.Pdf) -> bool:
    for page in source.pages:
        annotations = page.obj.get("/Annots")
        for annotation in annotations if isinstance(annotations, Array) else []:
            appearance = annotation.get("/AP") if isinstance(annotation, Dictionary) else None
            if not isinstance(appearance, Dictionary):
                continue
            for state in appearance.values():
                streams = state.values() if isinstance(state, Dictionary) else [state]
                for stream in streams:
                    if isinstance(stream, Stream) and _LZW & set(_filter_names(stream.get("/Filter"))):
                        return True
    return False


class _Walk:
    """One pass over every object the rebuilt pages reach: prune what acts, check every stream under the caps."""

    def __init__(self, pdf: pikepdf.Pdf, limits: _Limits) -> None:
        self.pdf = pdf
        self.limits = limits
        self.seen: set[tuple[int, int]] = set()
        self.objects = 0
        self.decoded = 0

    def run(self) -> None:
        stack: list[object] = []
        for page in self.pdf.pages:
            self.seen.add(page.obj.objgen)
            for key in list(page.obj.keys()):
                if key != "/Parent" and _forbidden(page.obj[key]):
                    del page.obj[key]
                elif key != "/Parent":
                    stack.append(page.obj[key])
        while stack:
            obj = stack.pop()
            if not isinstance(obj, (Dictionary, Stream, Array)):
                continue
            if obj.is_indirect:
                if obj.objgen in self.seen:
                    continue
                self.seen.add(obj.objgen)
            self.objects += 1
            if self.objects > self.limits.objects:
                raise _too_complex()
            if isinstance(obj, Array):
                for index in reversed(range(len(obj))):
                    if _forbidden(obj[index]):
                        del obj[index]
                stack.extend(obj)
                continue
            is_stream = isinstance(obj, Stream)
            for key in list(obj.keys()):
                if (
                    key in _DROPPED_KEYS
                    or (is_stream and key in _STREAM_DROPPED_KEYS)
                    or _forbidden(obj[key])
                ):
                    del obj[key]
                else:
                    stack.append(obj[key])
            if is_stream:
                self.check_stream(obj)

    def check_stream(self, stream: Stream) -> None:
        filters = _filter_names(stream.get("/Filter"))
        parms = _decode_parms(stream.get("/DecodeParms"), len(filters))
        if len(filters) > _MAX_FILTERS:
            raise _damaged()
        split = next((i for i, name in enumerate(filters) if name in _IMAGE_FILTERS), len(filters))
        generic, image_filters = filters[:split], filters[split:]
        if _name(stream.get("/Subtype")) == "/Image":
            self.check_image_size(stream, estimate_bytes=not image_filters)
        if len(filters) == 1 and filters[0] in _HEADER_SIZED:
            self.check_header_size(stream.read_raw_bytes())
        lzw = next((i for i, name in enumerate(generic) if name in _LZW), None)
        if lzw is not None:
            before = self.decode(stream, generic[:lzw], parms[:lzw])
            early_change = parms[lzw].get("/EarlyChange", 1) if parms[lzw] is not None else 1
            if _lzw_output_length(before, early_change=int(early_change), cap=self.limits.stream_bytes) > (
                self.limits.stream_bytes
            ):
                raise _bomb()
        data = self.decode(stream, generic, parms[:split], whole=not image_filters)
        self.decoded += len(data)
        if self.decoded > self.limits.total_bytes:
            raise _bomb()
        if not image_filters and _name(stream.get("/Subtype")) != "/Image":
            self.check_inline_images(data)

    def decode(self, stream: Stream, filters: list[str], parms: list, *, whole: bool = False) -> bytes:
        """The stream's data after ``filters`` (a prefix of its own), under qpdf's memory limits."""
        if not filters:
            return stream.read_raw_bytes()
        if whole:
            try:
                return stream.read_bytes()
            except (pikepdf.PdfError, RuntimeError) as error:
                if _limit_reached(error):
                    raise _bomb() from None
                # Damaged data: a viewer shows what it can, and qpdf copies it as it is.
                return stream.read_raw_bytes()
        scratch = pikepdf.new()
        part = Stream(scratch, stream.read_raw_bytes())
        part.Filter = Array([Name(name) for name in filters])
        if any(parm is not None for parm in parms):
            part.DecodeParms = Array(
                [Dictionary({k: v for k, v in parm.items()}) if parm is not None else None for parm in parms]
            )
        try:
            return part.read_bytes()
        except (pikepdf.PdfError, RuntimeError) as error:
            if _limit_reached(error):
                raise _bomb() from None
            return b""

    def check_image_size(self, stream: Stream, *, estimate_bytes: bool) -> None:
        width, height = stream.get("/Width"), stream.get("/Height")
        if not isinstance(width, int) or not isinstance(height, int) or width < 1 or height < 1:
            raise _damaged()
        if width * height > self.limits.pixels:
            raise _image_too_large()
        if estimate_bytes:  # decoded by qpdf here: refuse before decoding what will not fit
            bits = stream.get("/BitsPerComponent", 8)
            bits = bits if isinstance(bits, int) and 1 <= bits <= 16 else 8
            components = 1 if stream.get("/ImageMask") is True else _components(stream.get("/ColorSpace"))
            if (width * bits * components + 7) // 8 * height > self.limits.stream_bytes:
                raise _image_too_large()

    def check_header_size(self, data: bytes) -> None:
        """A JPEG's own header, not the PDF dictionary, decides how large a viewer decodes it."""
        Image.MAX_IMAGE_PIXELS = self.limits.pixels
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as image:
                    width, height = image.size
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _image_too_large() from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            return  # not an image a viewer can show either; its dictionary size was checked
        if width * height > self.limits.pixels:
            raise _image_too_large()

    def check_inline_images(self, data: bytes) -> None:
        for count, match in enumerate(_INLINE_IMAGE.finditer(data)):
            if count >= _MAX_INLINE_IMAGES:
                raise _too_complex()
            if match.start() and data[match.start() - 1] not in _TOKEN_BEFORE:
                continue  # "BI" inside a longer word
            header = data[match.end() : match.end() + 1024]
            end = header.find(b"ID")
            if end < 0:
                continue
            width, height = _INLINE_WIDTH.search(header, 0, end), _INLINE_HEIGHT.search(header, 0, end)
            if width and height and int(width.group(1)) * int(height.group(1)) > self.limits.pixels:
                raise _image_too_large()


def _limit_reached(error: Exception) -> bool:
    return "limit" in str(error).lower()


def _name(value: object) -> str | None:
    if not isinstance(value, Name):
        return None
    try:
        return str(value)
    except UnicodeDecodeError:  # a name no reader knows: not one of ours either
        return "/?"


def _forbidden(obj: object) -> bool:
    if not isinstance(obj, (Dictionary, Stream)):
        return False
    return (
        _name(obj.get("/Type")) in _FORBIDDEN_TYPES
        or _name(obj.get("/S")) in _ACTION_TYPES
        or _name(obj.get("/Subtype")) in _FORBIDDEN_SUBTYPES
        or _name(obj.get("/Subtype2")) == "/PS"
    )


def _filter_names(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, Name):
        return [_name(value) or ""]
    if isinstance(value, Array) and all(isinstance(item, Name) for item in value):
        return [_name(item) or "" for item in value]
    raise _damaged()


def _decode_parms(value: object, count: int) -> list[Dictionary | None]:
    if isinstance(value, Dictionary):
        items = [value]
    elif isinstance(value, Array):
        items = list(value)
    else:
        items = []
    items = [item if isinstance(item, Dictionary) else None for item in items]
    return (items + [None] * count)[: max(count, len(items))]


def _components(colorspace: object) -> int:
    """How many components an image's colour space has; 1 when unsure (the decode limits still hold)."""
    if isinstance(colorspace, Name):
        return _COMPONENTS.get(_name(colorspace) or "", 1)
    if isinstance(colorspace, Array) and len(colorspace) > 1:
        family = _name(colorspace[0])
        if family == "/ICCBased" and isinstance(colorspace[1], Stream):
            n = colorspace[1].get("/N")
            return n if isinstance(n, int) and 1 <= n <= 4 else 1
        if family == "/DeviceN" and isinstance(colorspace[1], Array):
            return max(1, min(len(colorspace[1]), 32))
        if family in ("/CalRGB", "/Lab"):
            return 3
    return 1


def _lzw_output_length(data: bytes, *, early_change: int, cap: int) -> int:
    """How many bytes LZW ``data`` decodes to, counted without producing them (stops once past ``cap``)."""
    lengths = [1] * 256 + [0, 0]  # 256: clear table, 257: end of data
    total, buffer, buffered, width = 0, 0, 0, 9
    previous: int | None = None
    for byte in data:
        buffer = (buffer << 8) | byte
        buffered += 8
        while buffered >= width:
            buffered -= width
            code = (buffer >> buffered) & ((1 << width) - 1)
            buffer &= (1 << buffered) - 1
            if code == 256:
                del lengths[258:]
                width, previous = 9, None
                continue
            if code == 257:
                return total
            if previous is None:
                if code > 255:
                    return total
                length = 1
            else:
                if code < len(lengths):
                    length = lengths[code]
                elif code == len(lengths):
                    length = previous + 1
                else:
                    return total  # a broken code: decoders stop here
                if len(lengths) < 4096:
                    lengths.append(previous + 1)
            total += length
            if total > cap:
                return total
            previous = length
            size = len(lengths) + early_change
            width = 12 if size >= 2048 else 11 if size >= 1024 else 10 if size >= 512 else 9
    return total

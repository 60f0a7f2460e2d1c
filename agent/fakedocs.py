"""Generators for Office, PDF and archive documents holding fake values only.

Used by the tests, the demo and the benchmarks. Every sample is built in memory: openpyxl for xlsx, hand-written XML parts
for docx/pptx/odt/ods (python-docx is not a dependency), a hand-written PDF with a
Japanese CID font (Adobe-Japan1, not embedded: text extraction needs only the CMap),
zipfile/pyzipper/py7zr/tarfile for archives, msoffcrypto-tool/pypdf for encryption.
"""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from scanner.extract.cfb import cfb_bytes
from scanner.extract.tables import col_letter

FAKE_PENSION = "1234-567890"  # planted fake values, never real people's
FAKE_MY_NUMBER = "123456789018"
FAKE_NAME = "山田 太郎"


# --- spreadsheets --------------------------------------------------------------------------


def xlsx_roster(rows: int = 5, *, title_rows: bool = True, sheet_protection: bool = False) -> bytes:
    """A workbook: a cover sheet, then a roster on sheet 2 under title rows.

    Columns: No | 氏名 | 基礎年金番号(記号) | 基礎年金番号(番号) | 生年月日 | 基礎年金番号 | 商品コード.
    記号 is numeric with format "0000" (leading zero), 番号 numeric; the full number column
    is numeric with format "0000000000"; 商品コード holds a 10-digit look-alike.
    """
    import openpyxl

    wb = openpyxl.Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = "表紙"
    cover["B2"] = "年金受給者名簿（テスト用）"
    ws = wb.create_sheet("名簿")
    if title_rows:
        ws["A1"] = "被保険者名簿"
        ws["A2"] = "作成日 令和6年4月1日"
    ws.append([])
    ws.append(["No", "氏名", "基礎年金番号(記号)", "基礎年金番号(番号)", "生年月日", "基礎年金番号", "商品コード"])
    for i in range(rows):
        ws.append([i + 1, FAKE_NAME, 123, 567890 + i, "昭和45年1月1日", 123567890 + i, 9876543210])
        r = ws.max_row
        ws.cell(r, 3).number_format = "0000"
        ws.cell(r, 6).number_format = "0000000000"
    if sheet_protection:
        ws.protection.sheet = True
        wb.security.lockStructure = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_from_rows(sheets: Mapping[str, Sequence[Sequence[str]]]) -> bytes:
    """A minimal xlsx written by hand (inline strings, no openpyxl): one sheet per entry."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    parts: dict[str, str] = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                      f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                      for i in range(1, len(sheets) + 1))
            + "</Types>"),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f"<workbook {ns} {rel_ns}><sheets>"
            + "".join(f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, name in enumerate(sheets, 1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{rel}" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(sheets) + 1))
            + "</Relationships>"),
    }
    for i, rows in enumerate(sheets.values(), 1):
        xml_rows = "".join(
            f'<row r="{r}">' + "".join(
                f'<c r="{col_letter(c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                for c, v in enumerate(row) if v != "") + "</row>"
            for r, row in enumerate(rows, 1))
        parts[f"xl/worksheets/sheet{i}.xml"] = f"<worksheet {ns}><sheetData>{xml_rows}</sheetData></worksheet>"
    return zip_bytes(parts)



# --- Word / PowerPoint ---------------------------------------------------------------------

_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def _w_para(text: str) -> str:
    return f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(text)}</w:t></w:r></w:p>"


def _w_table(rows: Sequence[Sequence[str]]) -> str:
    body = "".join(
        "<w:tr>" + "".join(f"<w:tc>{_w_para(c)}</w:tc>" for c in row) + "</w:tr>" for row in rows
    )
    return f"<w:tbl>{body}</w:tbl>"


def _w_textbox(text: str) -> str:
    """A text box as Word writes it: mc:Choice holds it, mc:Fallback repeats it."""
    box = f"<w:txbxContent>{_w_para(text)}</w:txbxContent>"
    return (
        '<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"<mc:Choice Requires=\"wps\"><w:drawing>{box}</w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )


def docx(paragraphs: Sequence[str] = (), tables: Sequence[Sequence[Sequence[str]]] = (),
         header: str = "", comment: str = "", textbox: str = "", body_xml: str | None = None) -> bytes:
    """A minimal docx: body paragraphs, tables, a header, a comment, a text box."""
    body = "".join(_w_para(p) for p in paragraphs) + "".join(_w_table(t) for t in tables)
    if textbox:
        body += _w_textbox(textbox)
    document = body_xml if body_xml is not None else (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W_NS}><w:body>{body}</w:body></w:document>'
    )
    parts = {"[Content_Types].xml": _CT, "word/document.xml": document}
    if header:
        parts["word/header1.xml"] = f"<w:hdr {_W_NS}>{_w_para(header)}</w:hdr>"
    if comment:
        parts["word/comments.xml"] = f'<w:comments {_W_NS}><w:comment w:id="0">{_w_para(comment)}</w:comment></w:comments>'
    return zip_bytes(parts)


def with_parts(package: bytes, parts: Mapping[str, str | bytes]) -> bytes:
    """A zip package (docx, xlsx, odt ...) with ``parts`` added or replaced; the others keep
    their order and compression (an ODF mimetype stays first and stored)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            if info.filename not in parts:
                zout.writestr(info, zin.read(info))
        for name, data in parts.items():
            zout.writestr(name, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def renamed_parts(package: bytes, renames: Mapping[str, str], types: Mapping[str, str]) -> bytes:
    """An OOXML package with parts renamed and each part's content type declared, the way Word
    Online saves its body as word/document2.xml: ``types`` maps (new) part names to content types."""
    overrides = "".join(f'<Override PartName="/{escape(name)}" ContentType="{escape(kind)}"/>'
                        for name, kind in types.items())
    with zipfile.ZipFile(io.BytesIO(package)) as zin:
        parts: dict[str, str | bytes] = {renames.get(n, n): zin.read(n) for n in zin.namelist()}
    parts["[Content_Types].xml"] = _CT.replace("</Types>", overrides + "</Types>")
    return zip_bytes(parts)


_A_NS = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
_P_NS = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'


def _slide(texts: Sequence[str]) -> str:
    paras = "".join(f"<a:p><a:r><a:t>{escape(t)}</a:t></a:r></a:p>" for t in texts)
    return f"<p:sld {_P_NS} {_A_NS}><p:cSld><p:spTree><p:sp><p:txBody>{paras}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"


def pptx(slides: Sequence[Sequence[str]], notes: Sequence[str] = ()) -> bytes:
    parts = {"[Content_Types].xml": _CT, "ppt/presentation.xml": f"<p:presentation {_P_NS}/>"}
    for n, texts in enumerate(slides, start=1):
        parts[f"ppt/slides/slide{n}.xml"] = _slide(texts)
    for n, text in enumerate(notes, start=1):
        parts[f"ppt/notesSlides/notesSlide{n}.xml"] = _slide([text]).replace("p:sld", "p:notes")
    return zip_bytes(parts)


# --- OpenDocument ------------------------------------------------------------------------------

_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def _odf(kind: str, body: str, encrypted: bool = False) -> bytes:
    content = f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}><office:body>{body}</office:body></office:document-content>'
    entry = '<manifest:encryption-data manifest:checksum="x"/>' if encrypted else ""
    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{entry}'
        "</manifest:file-entry></manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{kind}")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _odf_table(rows: Sequence[Sequence[str]]) -> str:
    return '<table:table table:name="名簿">' + "".join(
        "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{escape(c)}</text:p></table:table-cell>'
            for c in row) + "</table:table-row>" for row in rows) + "</table:table>"


def odt(paragraphs: Sequence[str], table: Sequence[Sequence[str]] = (), encrypted: bool = False) -> bytes:
    paras = "".join(f"<text:p>{escape(p[:3])}<text:span>{escape(p[3:])}</text:span></text:p>" for p in paragraphs)
    return _odf("text", f"<office:text>{paras}{_odf_table(table) if table else ''}</office:text>", encrypted)


def ods(rows: Sequence[Sequence[str]]) -> bytes:
    return _odf("spreadsheet", f"<office:spreadsheet>{_odf_table(rows)}</office:spreadsheet>")


# --- PDF ------------------------------------------------------------------------------------------


def pdf_japanese(pages: Sequence[str], *, identity_h: bool = False) -> bytes:
    """A PDF whose pages show ``pages`` in a Japanese CID font, a line for each line of text.

    Default: Type0 font with the predefined CMap UniJIS-UCS2-H (Adobe-Japan1), so the
    reader must map CIDs to Unicode itself. ``identity_h``: Identity-H with the text's
    code points as CIDs plus a ToUnicode CMap, as PDF writers that embed subsets do.
    """
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    font_id = 3 + 2 * len(pages)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for i, text in enumerate(pages):
        page = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
                f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>")
        shown = " T* ".join(f"<{line.encode('utf-16-be').hex().upper()}> Tj" for line in text.split("\n"))
        content = f"BT /F1 12 Tf 14 TL 50 780 Td {shown} ET".encode()
        objects.append(page.encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    encoding = "/Identity-H" if identity_h else "/UniJIS-UCS2-H"
    to_unicode = f" /ToUnicode {font_id + 3} 0 R" if identity_h else ""
    objects.append(f"<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiMin-W3 /Encoding {encoding} "
                   f"/DescendantFonts [{font_id + 1} 0 R]{to_unicode} >>".encode())
    objects.append(f"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiMin-W3 "
                   f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> "
                   f"/FontDescriptor {font_id + 2} 0 R >>".encode())
    objects.append(b"<< /Type /FontDescriptor /FontName /HeiseiMin-W3 /Flags 4 /FontBBox [0 -141 1000 859] "
                   b"/ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>")
    if identity_h:
        cmap = _to_unicode_cmap("".join(pages))
        objects.append(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    return _pdf_file(objects)


def _to_unicode_cmap(text: str) -> bytes:
    chars = sorted({c for c in text if ord(c) < 0x10000})
    lines = [f"<{ord(c):04X}> <{ord(c):04X}>" for c in chars]
    return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
            "/CMapName /Test-UCS def 1 begincodespacerange <0000> <FFFF> endcodespacerange "
            f"{len(lines)} beginbfchar\n" + "\n".join(lines) + "\nendbfchar endcmap "
            "CMapName currentdict /CMap defineresource pop end end").encode()


def _pdf_file(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_image_only() -> bytes:
    """One page holding only a tiny inline image (a scan without a text layer)."""
    content = b"q 100 0 0 100 50 600 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\xff\xff\x00 EI Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    return _pdf_file(objects)


def pdf_encrypted(data: bytes, user_password: str, owner_password: str = "owner-secret") -> bytes:
    """``data`` re-written with encryption; an empty user password means permissions only."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- encryption of OOXML ------------------------------------------------------------------------


def encrypt_ooxml(data: bytes, password: str = "Password1234_") -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


# --- archives --------------------------------------------------------------------------------------


class _Cp932ZipInfo(zipfile.ZipInfo):
    """Stores its name as CP932 bytes with the UTF-8 flag off, as Japanese Windows does."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile's hook)
        return self.filename.encode("cp932"), self.flag_bits & ~0x800


def zip_bytes(members: Mapping[str, str | bytes], *, cp932_names: bool = False) -> bytes:
    """A zip; with ``cp932_names`` the names are stored as CP932 bytes, UTF-8 flag off."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = _Cp932ZipInfo(name) if cp932_names else zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out.getvalue()


def _set_flag(raw: bytes, bit: int) -> bytes:
    buf = bytearray(raw)
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = buf.find(sig)
        while pos != -1:
            (flags,) = struct.unpack_from("<H", buf, pos + flag_at)
            struct.pack_into("<H", buf, pos + flag_at, flags | bit)
            pos = buf.find(sig, pos + 4)
    return bytes(buf)


def zip_flag_encrypted(members: Mapping[str, str | bytes]) -> bytes:
    """A zip whose members carry the traditional-encryption flag (bit 0). Only the flag
    matters for detection; the data stays plain."""
    return _set_flag(zip_bytes(members), 0x1)


def zip_aes(members: Mapping[str, str | bytes], password: bytes = b"secret", plain: dict[str, str] | None = None
            ) -> bytes:
    import pyzipper

    out = io.BytesIO()
    with pyzipper.AESZipFile(out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password)
        for name, data in members.items():
            zf.writestr(name, data)
    if not plain:
        return out.getvalue()
    # append plain members after the encrypted ones
    with zipfile.ZipFile(out, "a") as zf:
        for name, text in plain.items():
            zf.writestr(name, text)
    return out.getvalue()


def sevenzip(members: Mapping[str, str | bytes], password: str | None = None, header_encryption: bool = False
             ) -> bytes:
    import py7zr

    out = io.BytesIO()
    with py7zr.SevenZipFile(out, "w", password=password, header_encryption=header_encryption) as archive:
        for name, data in members.items():
            archive.writestr(data, name)
    return out.getvalue()


def tar_bytes(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as tar:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def zip_ratio_bomb(megabytes: int = 4) -> bytes:
    """One member of zeros: about 1000:1."""
    return zip_bytes({"zeros.txt": b"\0" * (megabytes << 20)})


def zip_overlap_bomb(entries: int = 50, megabytes: int = 1) -> bytes:
    """Many central-directory entries sharing one local entry's data (the non-recursive
    zip bomb trick): each member declares the full size, the file stays tiny."""
    data = b"A" * (megabytes << 20)
    packed = zlib.compress(data, 9)[2:-4]  # raw deflate
    crc = zlib.crc32(data)
    name = b"a.txt"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), len(data), len(name), 0)
    body = local + name + packed
    central = b""
    for i in range(entries):
        member = f"m{i}.txt".encode()
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(packed),
                               len(data), len(member), 0, 0, 0, 0, 0, 0) + member
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, entries, entries, len(central), len(body), 0)
    return body + central + end


# --- OLE2 compound files (Outlook .msg) ---------------------------------------------------

def outlook_msg(subject: str, body: str = "", attachments: Mapping[str, bytes] | None = None, *,
                html: str = "", ansi: str = "", attached_mail: Mapping[str, bytes] | None = None) -> bytes:
    """An Outlook .msg ([MS-OXMSG]): subject and body as UTF-16 properties (``ansi``: the body
    as 8-bit text in that code page instead), an HTML body, attachments by file name, and an
    attached mail (the streams of another outlook_msg, as from outlook_msg_streams)."""
    return cfb_bytes(outlook_msg_streams(subject, body, attachments, html=html, ansi=ansi,
                                         attached_mail=attached_mail))


def outlook_msg_streams(subject: str, body: str = "", attachments: Mapping[str, bytes] | None = None,
                        *, html: str = "", ansi: str = "", attached_mail: Mapping[str, bytes] | None = None
                        ) -> dict[str, bytes]:
    def prop(tag: str, text: str) -> tuple[str, bytes]:
        return f"__substg1.0_{tag}001F", text.encode("utf-16-le")

    streams = dict([("__properties_version1.0", bytes(32)), prop("0037", subject)])
    if body and ansi:
        streams["__substg1.0_1000001E"] = body.encode(ansi)
    elif body:
        streams.update([prop("1000", body)])
    if html:
        streams["__substg1.0_10130102"] = html.encode("utf-8")
    attachments = dict(attachments or {})
    for n, (name, data) in enumerate(attachments.items()):
        folder = f"__attach_version1.0_#{n:08X}"
        streams[f"{folder}/__properties_version1.0"] = bytes(8)
        streams[f"{folder}/__substg1.0_3707001F"] = name.encode("utf-16-le")
        streams[f"{folder}/__substg1.0_37010102"] = data
    if attached_mail is not None:
        folder = f"__attach_version1.0_#{len(attachments):08X}"
        streams[f"{folder}/__properties_version1.0"] = bytes(8)
        streams[f"{folder}/__substg1.0_3707001F"] = "転送.msg".encode("utf-16-le")
        for path, data in attached_mail.items():
            streams[f"{folder}/__substg1.0_3701000D/{path}"] = data
    return streams


def pdf_form(fields: Mapping[str, str], notes: Sequence[str] = ()) -> bytes:
    """A one-page PDF form whose text fields are filled in (values only in the form, none in
    the page text), with comment notes on the page."""
    def text(value: str) -> bytes:
        return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"

    n_fields, n_notes = len(fields), len(notes)
    first_field = 6
    field_refs = " ".join(f"{first_field + i} 0 R" for i in range(n_fields))
    annot_refs = " ".join(f"{first_field + i} 0 R" for i in range(n_fields + n_notes))
    content = b"BT /F1 12 Tf 50 780 Td (Application form) Tj ET"
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [{field_refs}] >> >>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [{annot_refs}] "
         "/Resources << /Font << /F1 5 0 R >> >> >>").encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, (name, value) in enumerate(fields.items()):
        objects.append(b"<< /Type /Annot /Subtype /Widget /FT /Tx /T " + text(name) + b" /V " + text(value)
                       + b" /Rect [50 %d 250 %d] /P 3 0 R >>" % (700 - 30 * i, 720 - 30 * i))
    for i, note in enumerate(notes):
        objects.append(b"<< /Type /Annot /Subtype /Text /Contents " + text(note)
                       + b" /Rect [400 %d 420 %d] /P 3 0 R >>" % (700 - 30 * i, 720 - 30 * i))
    return _pdf_file(objects)


def ole_package(name: str, data: bytes) -> bytes:
    """An embedded-object container (word/embeddings/oleObject1.bin) holding a file dragged
    into a document, as Windows' Packager writes it (the "\\x01Ole10Native" stream)."""
    label = name.encode("cp932")
    path = b"C:\\Users\\jimu\\Desktop\\" + label
    body = (struct.pack("<H", 2) + label + b"\0" + path + b"\0" + struct.pack("<HHI", 0, 3, len(path) + 1)
            + path + b"\0" + struct.pack("<I", len(data)) + data)
    return cfb_bytes({"\x01Ole10Native": struct.pack("<I", len(body)) + body})

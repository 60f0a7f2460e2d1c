"""expat, set up as defusedxml would have it, for the formats that stream big XML.

ElementTree's Python-level parser (the one defusedxml wraps) spends ~13-30 us per element;
XML Spreadsheet exports and mail-merged Word documents hold millions. These formats drive
expat with handlers of their own instead, and refuse what defusedxml refuses: a DTD, and
with it every entity declaration and external entity (no expansion, no fetching).
"""

from __future__ import annotations

from typing import IO
from xml.parsers import expat

from ..errors import CorruptFile
from . import ScanContext

SEP = "}"  # expat names an element "namespace}local": ElementTree's "{namespace}local" without "{"
READ_BYTES = 1 << 16


def safe_parser() -> expat.XMLParserType:
    """A namespace-aware expat parser that buffers text and refuses DTDs and entities."""
    parser = expat.ParserCreate(namespace_separator=SEP)
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    return parser


def feed(parser: expat.XMLParserType, stream: IO[bytes], ctx: ScanContext, what: str = "XML") -> None:
    """The whole stream through ``parser`` in pieces, the deadline checked between them; a
    parse error is CorruptFile("malformed <what>: ...")."""
    try:
        while chunk := stream.read(READ_BYTES):
            ctx.deadline.check()
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise CorruptFile(f"malformed {what}: {exc}") from exc


def _refuse_dtd(*_args: object) -> int:  # an int for ExternalEntityRefHandler's signature
    raise CorruptFile("malformed XML: a DTD or entity declaration (refused, as defusedxml does)")

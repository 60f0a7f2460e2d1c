import codecs
import io
import shutil
import subprocess

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scanner.encoding import ISO2022, REPLACE, STRICT, Guess, TextStream, guess_encoding, plausibility

ROSTER = "氏名,フリガナ,基礎年金番号\n山田太郎,ヤマダタロウ,1234-567890\nこれは架空のデータです。\n"

# Realistic office text: ASCII, hiragana, katakana, common kanji, full-width digits
# and punctuation. Half-width katakana alone is ambiguous between cp932 and euc-jp
# (a byte pair of it is also a valid kanji), so it is left out of the alphabet.
JAPANESE = st.sampled_from(
    list("あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん")
    + list("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン")
    + list("山田太郎佐藤花子鈴木一郎高橋東京都大阪府年金番号氏名住所生年月日基礎厚生国民保険者")
    + list("０１２３４５６７８９－、。「」（）　")
)
ASCII = st.sampled_from(list("abcXYZ0123456789-,./ \t\n"))
TEXT = st.lists(st.one_of(JAPANESE, ASCII), min_size=1, max_size=300).map("".join)


def decode_all(data: bytes, *, chunk_bytes: int = 1 << 20) -> tuple[str, TextStream]:
    guess = guess_encoding(data[:8192], at_eof=len(data) <= 8192)
    assert guess is not None
    stream = TextStream(io.BytesIO(data), guess, chunk_bytes=chunk_bytes)
    return "".join(stream), stream


@pytest.mark.parametrize(
    ("data", "encoding", "how"),
    [
        (ROSTER.encode("utf-8"), "utf-8", "strict"),
        (b"\xef\xbb\xbf" + ROSTER.encode("utf-8"), "utf-8", "bom"),
        (b"\xff\xfe" + ROSTER.encode("utf-16-le"), "utf-16-le", "bom"),
        (b"\xfe\xff" + ROSTER.encode("utf-16-be"), "utf-16-be", "bom"),
        (ROSTER.encode("cp932"), "cp932", "strict"),
        (ROSTER.encode("euc-jp"), "euc-jp", "strict"),
        ("name,number\nyamada,1234-567890\n".encode("utf-16-le"), "utf-16-le", "nul-pattern"),
        ("name,number\nyamada,1234-567890\n".encode("utf-16-be"), "utf-16-be", "nul-pattern"),
        (b"plain ascii only\n", "utf-8", "ascii"),
    ],
)
def test_guess_known_encodings(data: bytes, encoding: str, how: str) -> None:
    bom = {"utf-8": 3, "utf-16-le": 2, "utf-16-be": 2}[encoding] if how == "bom" else 0
    assert guess_encoding(data, at_eof=True) == Guess(encoding, bom, how)


def test_short_euc_jp_is_not_taken_for_cp932() -> None:
    data = "山田".encode("euc-jp")
    guess = guess_encoding(data, at_eof=True)
    assert guess is not None and guess.encoding == "euc-jp"


def test_binary_is_none() -> None:
    assert guess_encoding(bytes(range(256)) * 4) is None
    assert guess_encoding(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") is None


# Names as Japanese systems write them: family and given name apart by U+3000, whose UTF-16
# has a NUL on the "wrong" side, as has 一 (U+4E00).
SPACED_ROSTER = "".join(f"{name},{number}\r\n" for name, number in [
    ("山田　太郎", "1234-567890"), ("鈴木　一郎", "2345-678901"), ("佐藤　花子", "3456-789012")] * 20)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_with_ideographic_spaces_in_it(encoding: str) -> None:
    data = ("氏名,基礎年金番号\r\n" + SPACED_ROSTER).encode(encoding)
    assert guess_encoding(data[:8192]) == Guess(encoding, 0, "nul-pattern")
    assert decode_all(data)[0] == "氏名,基礎年金番号\r\n" + SPACED_ROSTER


@pytest.mark.parametrize("where", ["padded fields", "zero-filled tail", "zero-filled head"])
def test_text_with_nul_bytes_in_it_is_still_text(where: str) -> None:
    text = ROSTER * 20
    data = {"padded fields": text.encode("cp932").replace(b",", b"\x00\x00,"),
            "zero-filled tail": text.encode("cp932") + bytes(600),
            "zero-filled head": bytes(100) + text.encode("cp932")}[where]
    guess = guess_encoding(data[:8192], at_eof=True)
    assert guess is not None and guess.encoding == "cp932"
    assert "1234-567890" in decode_all(data)[0]


def test_nul_bytes_do_not_make_binary_into_text() -> None:
    assert guess_encoding(bytes(3000) + bytes(range(32)) * 100) is None  # NULs and controls
    assert guess_encoding(bytes(8192)) is None  # a disk image's zero-filled start
    assert guess_encoding(bytes(6000) + ROSTER.encode("cp932") * 10) is None  # more zeros than anything
    # few NULs, no controls, bytes no Japanese encoding decodes strictly
    assert guess_encoding(bytes(range(0x80, 0x100)) * 30 + bytes(20) + ROSTER.encode("cp932")) is None


@given(st.binary(min_size=64, max_size=4096))
def test_random_bytes_with_nuls_are_never_taken_for_japanese_text(data: bytes) -> None:
    mixed = data.replace(b"\x01", b"\x00")
    assume(b"\x00" in mixed)
    guess = guess_encoding(mixed)
    assert guess is None or plausibility(decode_all(mixed)[0]) >= 0.6


def test_cut_multibyte_character_at_sample_end_is_not_an_error() -> None:
    data = ("あ" * 100).encode("utf-8")[:-1]
    guess = guess_encoding(data, at_eof=False)
    assert guess == Guess("utf-8", 0, "strict")


def test_plausibility_prefers_real_japanese() -> None:
    real = ROSTER
    mislabeled = ROSTER.encode("euc-jp").decode("cp932", "replace")
    assert plausibility(real) > 0.95
    assert plausibility(mislabeled) < plausibility(real)


def test_ascii_head_then_cp932_later_is_decoded_as_cp932() -> None:
    data = b"id,value\n" * 50_000 + ROSTER.encode("cp932")
    text, stream = decode_all(data, chunk_bytes=4096)
    assert text.endswith(ROSTER)
    assert stream.encoding == "cp932"
    assert stream.problems == []


def test_invalid_bytes_late_in_file_are_replaced_and_recorded() -> None:
    data = ROSTER.encode("utf-8") * 1000 + b"\xff\xfe\xfd broken\n" + ROSTER.encode("utf-8")
    text, stream = decode_all(data, chunk_bytes=1000)
    assert text.startswith(ROSTER) and text.endswith(ROSTER)
    assert "\ufffd" in text
    assert len(stream.problems) == 1 and "offset" in stream.problems[0]
    assert str(len(ROSTER.encode("utf-8")) * 1000) in stream.problems[0]


def test_undecodable_everywhere_is_decoded_with_replacement_and_recorded() -> None:
    data = ROSTER.encode("utf-8") + "山田".encode("cp932") + "田中".encode("euc-jp") + b"\x80\x80\xff"
    text, stream = decode_all(data)
    assert "基礎年金番号" in text or "\ufffd" in text
    assert stream.problems


@settings(max_examples=150, deadline=None)
@given(TEXT, st.sampled_from(["utf-8", "cp932", "euc-jp"]), st.integers(min_value=1, max_value=64))
def test_round_trip_ascii_compatible(text: str, encoding: str, chunk_bytes: int) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)  # only text the encoding can represent
    decoded, stream = decode_all(data, chunk_bytes=chunk_bytes)
    assert decoded == text
    assert stream.problems == []


@settings(max_examples=100, deadline=None)
@given(TEXT, st.sampled_from([("utf-8-sig", b""), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")]))
def test_round_trip_with_bom(text: str, codec_bom: tuple[str, bytes]) -> None:
    codec, bom = codec_bom
    data = bom + text.encode(codec)
    decoded, _ = decode_all(data, chunk_bytes=7)
    assert decoded == text


# EUC-JP as Windows writes it (eucJP-ms, CP51932): NEC row-13 characters such as ㈱ and ①.
NEC_SPECIALS = "㈱①②⑳ⅠⅩ№㍻㏍℡"


def test_euc_jp_with_nec_special_characters_is_euc_jp_not_mojibake() -> None:
    text = ("取引先,担当者\n㈱山田商事①,山田太郎\n" + ROSTER) * 20
    data = eucjp_ms(text)
    with pytest.raises(UnicodeDecodeError):
        data.decode("euc_jp")  # what Python's codec alone makes of it
    assert guess_encoding(data, at_eof=True) == Guess("euc-jp", 0, "strict")
    for chunk in (7, 64, 1 << 20):  # characters cut across chunk edges too
        decoded, stream = decode_all(data, chunk_bytes=chunk)
        assert decoded == text and stream.problems == []


@settings(max_examples=50)
@given(st.lists(st.one_of(JAPANESE, st.sampled_from(list(NEC_SPECIALS))), min_size=1, max_size=200).map("".join),
       st.integers(1, 64))
def test_round_trip_euc_jp_with_nec_specials(text: str, chunk_bytes: int) -> None:
    text = "".join(ch for ch in text if ch in NEC_SPECIALS or _euc_jp_can(ch))  # － is eucJP-ms only
    assume(text)
    data = eucjp_ms(text)
    stream = TextStream(io.BytesIO(data), Guess("euc-jp"), chunk_bytes=chunk_bytes)
    assert "".join(stream) == text and stream.problems == []


def eucjp_ms(text: str) -> bytes:
    """EUC-JP as Windows writes it, for these characters: JIS X 0208 as euc_jp has it, NEC
    row 13 where JIS X 0213 put the same characters."""
    return b"".join(ch.encode("euc_jis_2004") if ch in NEC_SPECIALS else ch.encode("euc_jp") for ch in text)


def _euc_jp_can(ch: str) -> bool:
    try:
        ch.encode("euc_jp")
    except UnicodeEncodeError:
        return False
    return True


def test_a_truly_invalid_euc_sequence_is_still_replaced_beside_nec_specials() -> None:
    data = ("㈱山田\n" * 400).encode("euc_jis_2004") + b"\xa1\x20" + "①以上".encode("euc_jis_2004")
    decoded, stream = decode_all(data)
    assert decoded.endswith("\ufffd ①以上") and decoded.startswith("㈱山田\n")
    assert len(stream.problems) == 1


def test_only_nec_row_13_is_taken_from_jis_x_0213() -> None:
    row_9 = bytes([0xA9, 0xA1])  # unassigned in JIS X 0208; a JIS X 0213 character, not NEC's
    assert row_9.decode("euc_jis_2004")
    with pytest.raises(UnicodeDecodeError):
        codecs.decode("山田".encode("euc_jp") + row_9, "euc_jp", STRICT)
    assert codecs.decode("㈱".encode("euc_jis_2004"), "euc_jp", STRICT) == "㈱"


# eucJP-ms's IBM extensions (kanji of names that JIS X 0208 lacks), as Windows and glibc's
# EUC-JP-MS write them: three bytes in the user-defined rows of JIS X 0212.
IBM_EXTENSIONS = {"髙": b"\x8f\xf4\xfb", "﨑": b"\x8f\xf4\xbd", "德": b"\x8f\xf4\xbe", "ⅰ": b"\x8f\xf3\xf3",
                  "黑": b"\x8f\xf4\xfe", "栁": b"\x8f\xf4\xc6"}


def test_euc_jp_names_with_ibm_extension_kanji_are_read_not_replaced() -> None:
    text = "氏名,基礎年金番号\n" + "".join(f"{name},1234-56789{i}\n" for i, name in enumerate(
        ["髙橋 一郎", "山﨑 花子", "德永 次郎", "栁田 三郎", "黑木 四郎"]))
    data = b"".join(IBM_EXTENSIONS.get(ch) or eucjp_ms(ch) for ch in text * 10)
    assert guess_encoding(data, at_eof=True) == Guess("euc-jp", 0, "strict")
    for chunk in (1, 2, 7, 1 << 20):  # the three bytes cut across chunk edges too
        decoded, stream = decode_all(data, chunk_bytes=chunk)
        assert decoded == text * 10 and stream.problems == []


def test_an_unassigned_user_defined_euc_sequence_is_still_a_problem() -> None:
    data = "山田".encode("euc_jp") + b"\x8f\xf3\xa1" + "太郎".encode("euc_jp")  # before the IBM block
    with pytest.raises(UnicodeDecodeError):
        codecs.decode(data, "euc_jp", STRICT)
    assert "\ufffd" in codecs.decode(data, "euc_jp", REPLACE)


@pytest.mark.skipif(shutil.which("iconv") is None, reason="glibc iconv (libc-bin) is the reference decoder")
def test_ibm_extension_table_is_glibc_eucjp_ms() -> None:
    codes = [bytes([0x8F, 0xF3, t]) for t in range(0xF3, 0xFF)] + [bytes([0x8F, 0xF4, t]) for t in range(0xA1, 0xFF)]
    reference = subprocess.run(["iconv", "-f", "EUC-JP-MS", "-t", "UTF-8"], input=b"".join(codes),
                               capture_output=True, check=True).stdout.decode("utf-8")
    assert codecs.decode(b"".join(codes), "euc_jp", STRICT) == reference
    assert len(reference) == 106


def _jis(text: str) -> bytes:
    """ISO-2022-JP as mailers write it; ① as Microsoft's CP50220 (NEC row 13, seven bits)."""
    return b"".join(b"\x1b$B\x2d\x21\x1b(B" if ch == "①" else ch.encode(ISO2022) for ch in text)


def test_iso_2022_jp_text_is_decoded_and_passes_the_byte_prefilter() -> None:
    from scanner.detect import load_engine
    from scanner.extract import Source
    from scanner.model import Confidence, Outcome
    from scanner.scan import scan_source

    text = "①山田 太郎 様\n基礎年金番号：１２３４ー５６７８９０\n"
    data = _jis(text)
    assert data.isascii()
    assert guess_encoding(data, at_eof=True) == Guess(ISO2022, 0, "escape")
    for chunk in (1, 5, 1 << 20):
        decoded, stream = decode_all(data, chunk_bytes=chunk)
        assert decoded == text and stream.problems == []
    engine = load_engine()
    assert engine.prefilter(data)  # no ASCII digit run, no anchor as bytes: the shift lets it through
    result = scan_source(Source.from_bytes("memo.txt", data), engine)
    assert result.outcome == Outcome.FINDINGS and result.parts == []
    assert {(f.detector, f.masked) for f in result.findings if f.confidence >= Confidence.MEDIUM} == {
        ("pension_number", "1234-****90"), ("person_name", "山* **")}


def test_iso_2022_jp_after_long_ascii_headers_is_still_jis() -> None:
    headers = "".join(f"X-Header-{i}: {'a' * 60}\n" for i in range(200))  # beyond the head
    text = headers + "\n基礎年金番号 1234-567890 山田太郎\n"
    decoded, stream = decode_all(_jis(text), chunk_bytes=4096)
    assert decoded == text and stream.problems == []


# Half-width katakana, as mainframe-era systems export names and labels (CP932 single bytes).
LEGACY_ROSTER = "ｼﾒｲ,ｷｿﾈﾝｷﾝﾊﾞﾝｺﾞｳ\r\nﾔﾏﾀﾞ ﾀﾛｳ,1234-567890\r\nｻﾄｳ ﾊﾅｺ,2345-678901\r\nｽｽﾞｷ ｲﾁﾛｳ,3456-789012\r\n"


@pytest.mark.parametrize("text", [
    LEGACY_ROSTER,
    "ｼﾞｭｳｼｮ,ｷｿﾈﾝｷﾝﾊﾞﾝｺﾞｳ\r\nﾄｳｷｮｳﾄ,123456789\r\n",  # an even byte count: a valid EUC-JP reading too
])
def test_half_width_katakana_text_is_cp932_read_cleanly(text: str) -> None:
    # before: a mislabel by its 0.5 score, so "no encoding decodes cleanly", or EUC-JP kanji
    assert guess_encoding(text.encode("cp932"), at_eof=True) == Guess("cp932", 0, "strict")
    decoded, stream = decode_all(text.encode("cp932"))
    assert decoded == text and not stream.problems


def test_euc_jp_names_that_also_read_as_half_width_kana_stay_euc_jp() -> None:
    names = "山田 太郎\r\n佐藤 花子\r\n鈴木 一郎\r\n高橋 次郎\r\n田中 三郎\r\n"
    assert guess_encoding(names.encode("euc-jp"), at_eof=True) == Guess("euc-jp", 0, "strict")


def test_a_voicing_mark_where_none_can_stand_is_not_half_width_text() -> None:
    plausible = plausibility("ﾔﾏﾀﾞﾀﾛｳｻﾄｳﾊﾅｺ")
    assert plausibility("ﾔﾏｱﾞﾀﾛｳｻﾄｳﾊﾅｺ") < plausible  # ｱﾞ: no such kana
    assert plausibility("ﾔﾏﾀﾞﾀﾛｳ山田太郎佐藤") < plausible  # mixed with kanji: a mislabel's mark


def test_english_utf8_with_european_names_is_not_read_as_euc_jp() -> None:
    # "Klöcker" in UTF-8 (c3 b6) is also one EUC-JP kanji (Kl遵cker): the changelog of gpg was
    # read as EUC-JP and cut off with replacement characters at its first ß
    head = "2022-10-10  Werner Koch\n\n\tRelease 2.2.40.\n" * 20 + "2022-10-10  Ingo Klöcker  <dev@example.org>\n"
    data = (head + "\tsm: Fix reporting.\n" * 2000 + "2020-12-01  Jens Meißner, José, Müller\n").encode("utf-8")
    text, stream = decode_all(data)
    assert stream.encoding == "utf-8" and stream.problems == []
    assert text == data.decode("utf-8")


def test_a_european_letter_in_a_word_counts_as_plausible_text() -> None:
    assert plausibility("Ingo Klöcker") == 1.0
    assert plausibility("Ingo Kl遵cker") == 1.0  # a common kanji: what EUC-JP makes of the same bytes
    assert plausibility("¤ ±") < 1.0  # Latin-1 signs on their own are no word


@pytest.mark.parametrize("text", ["年a", "x藤", "ab年cd"])
def test_euc_jp_kanji_that_are_also_rare_latin_letters_in_utf8_stay_kanji(text: str) -> None:
    # 年 in EUC-JP (c7 af) is ǯ in UTF-8, 藤 (c6 a3) is ƣ: letters of no European language
    data = text.encode("euc-jp")
    assert data.decode("utf-8") != text
    decoded, stream = decode_all(data)
    assert decoded == text and stream.encoding == "euc-jp"

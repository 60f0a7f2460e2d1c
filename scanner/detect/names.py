"""Japanese personal names: normalizing, name dictionaries and evidence scoring.

Input text is expected in the engine's normalized form (``scanner.detect.normalize``:
NFKC, so half-width kana are already full-width and the ideographic space is ' ').
Offsets returned index that text.

Evidence and its weight (summed, capped at 1.0; ``Confidence.from_score`` maps 0.5 to
medium and 0.8 to high):

=====================================  ======  ============================================
surname in the dictionary (2+ chars)   0.35    1-char surnames (林, 森) weigh 0.2
given name in the dictionary           0.25    0.1 for one kanji glued on (山田錦 is rice)
space between family and given name    0.10    the usual way names are typed in forms
kana surname / given name reading      0.25 / 0.2  katakana, hiragana, half-width (NFKC) alike
given-name shaped (1-3 kanji) after    0.05    only with a space: no space means no boundary
honorific or title after (様, 殿 ...)  0.30
label before (氏名:, 被保険者氏名)     0.40    also gives a rare name its chance
name column header (氏名, フリガナ)    0.60    any name-shaped cell counts; 姓/名 columns 0.5
=====================================  ======  ============================================

A surname alone (上田駅で, 大野市の) is never reported: a candidate needs at least two kinds
of evidence, and a surname glued to a following kanji word that is not a given name has
no boundary, hence no name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick
import regex

from .normalize import spaced_label, without_cjk_spaces

# Variant kanji that NFKC leaves alone and IPADIC lacks, folded to the form IPADIC holds.
# Only one-to-one glyph variants; 邉/邊/齋/齊/濱 are left as they are because IPADIC lists
# 渡邉, 渡邊, 齋藤, 齊藤, 濱田 themselves. No target is also a source (folding is idempotent).
VARIANT_KANJI: dict[str, str] = {
    "髙": "高",  # U+9AD9 hashigo-daka
    "﨑": "崎",  # U+FA11 tatsu-saki (a unified ideograph, so NFKC keeps it)
    "𠮷": "吉",  # U+20BB7 tsuchi-yoshi
    "德": "徳",  # U+5FB7
    "瀨": "瀬",  # U+7028
    "栁": "柳",  # U+6801
    "槗": "橋",  # U+69D7
    "濵": "濱",  # U+6FF5
}
# str.translate looks every character up in its table (~0.4 us a character of CJK text: 56 ms
# for the given-name list); a class search passes over text at C speed, and only what it
# finds is replaced or translated.
_VARIANT_CHARS = re.compile("[" + "".join(VARIANT_KANJI) + "]")
# Hiragana ぁ..ゖ and ゝゞ sit 0x60 below their katakana; one str.translate beats a per-char loop.
_KATAKANA_TABLE = {c: c + 0x60 for c in [*range(ord("ぁ"), ord("ゖ") + 1), ord("ゝ"), ord("ゞ")]}
_HIRAGANA = re.compile("[ぁ-ゖゝゞ]")

KANJI_CLASS = r"\p{Han}々〆ヶヵ"
_KANA_CLASS = r"\p{Katakana}ー"  # after NFKC, half-width kana are full-width katakana
_HIRA_CLASS = r"\p{Hiragana}ー"
_KANJI_CHAR = regex.compile(rf"[{KANJI_CLASS}]")
_KANJI_RUN = regex.compile(rf"[{KANJI_CLASS}]+")
_SPACES = re.compile(r"[ \t\u3000]+")  # the standard re: twice as fast as regex on a plain class
_KANA_RUN = regex.compile(rf"[{_KANA_CLASS}]+")
_KANA_OR_HIRA_RUN = regex.compile(rf"[{_KANA_CLASS}]+|[{_HIRA_CLASS}]+")
_KANA_TOKEN = regex.compile(rf"(?<![{_KANA_CLASS}])[{_KANA_CLASS}]{{2,}}(?: [{_KANA_CLASS}]{{1,}})?(?![{_KANA_CLASS}])")
_HIRA_TOKEN = regex.compile(rf"(?<![{_HIRA_CLASS}])[{_HIRA_CLASS}]{{2,}} [{_HIRA_CLASS}]{{1,}}(?![{_HIRA_CLASS}])")
# One or two parts apart by spaces; a foreign name written in katakana may have up to four,
# apart by a middle dot (ジョン・スミス, グエン・ヴァン・アン).
_NAME_SHAPE = regex.compile(
    rf"^[{KANJI_CLASS}{_KANA_CLASS}{_HIRA_CLASS}]{{1,12}}(?:[ \t\u3000]+[{KANJI_CLASS}{_KANA_CLASS}{_HIRA_CLASS}]{{1,12}})?$"
    rf"|^[{_KANA_CLASS}]{{1,12}}(?:[ \u3000]*・[ \u3000]*[{_KANA_CLASS}]{{1,12}}){{1,3}}$"
)
_HEADER_NOISE = regex.compile(r"[\s()（）\[\]【】「」『』<>〈〉・/:：*※]")

W_SURNAME, W_SURNAME_SHORT, W_GIVEN, W_SPACE, W_GIVEN_SHAPE = 0.35, 0.2, 0.25, 0.10, 0.05
W_GIVEN_SHORT = 0.10  # a 1-kanji given name glued to a surname (山田錦 is rice) is weak alone
W_KANA_SURNAME, W_KANA_GIVEN = 0.25, 0.2
W_HONORIFIC, W_LABEL = 0.30, 0.40
W_HEADER_NAME, W_HEADER_PART, W_HEADER_DICT = 0.60, 0.50, 0.20
W_LABEL_SHAPE = 0.15  # label + name-shaped text, nothing in the dictionary
MIN_SCORE = 0.45  # below this a candidate is not reported at all
MAX_SURNAME, MAX_GIVEN = 4, 4
_PART_CACHE = 8192  # name parts remembered per finder (a few hundred KB at most)

DEFAULT_HONORIFICS = ("様", "さま", "殿", "さん", "くん", "君", "ちゃん", "氏", "先生",
                      "課長", "部長", "係長", "主任", "社長", "所長", "室長")
# 様式 (form) and 様子 (state) start with 様 but are not honorifics.
NOT_HONORIFIC = ("様式", "様子", "氏名")
# Common nouns that end in an honorific and start with a surname of the dictionary (王, 神,
# 奥, 宮 are surnames): a king, a god, a wife, a palace, a temple hall, not a person.
HONORIFIC_WORDS = frozenset({"王様", "神様", "奥様", "殿様", "仏様", "姫様", "若様", "王子様", "和様", "唐様", "外様",
                             "奥さん", "神さん", "宮殿", "神殿", "本殿", "拝殿", "御殿", "仏殿", "大仏殿", "祭殿",
                             "社殿", "寝殿", "湯殿", "貴殿", "殿下", "主君", "諸君", "細君", "暴君", "名君",
                             "上様", "左様", "今様", "薄様", "方様", "大黒様", "研さん"})  # 上様: a receipt's "customer"
# A one-character honorific with a kanji after it is the middle of a word (木曽殿越, 西様似:
# places), except where an address goes on (山田様方, 佐藤様宅: care of).
_WORD_HONORIFICS = frozenset({"様", "殿", "君", "氏"})
_AFTER_HONORIFIC = frozenset("方宅宛邸")
# What forms put in a name cell when there is no name, and below the last one (totals, the
# 以下余白 that closes a form).
PLACEHOLDERS = frozenset({"未記入", "未定", "不明", "なし", "無し", "該当なし", "空欄", "同上", "氏名", "名前", "記入例",
                          "該当者なし", "対象者なし", "記載なし", "未登録", "非公開", "同左", "以下同じ", "見本", "例",
                          "合計", "小計", "総計", "累計", "計", "以上", "以下余白", "余白", "備考", "欠番", "空き",
                          "予備", "削除", "退職", "退職者",
                          # relations, as a dependants' list puts them where a name would be
                          "本人", "配偶者", "妻", "夫", "子", "父", "母", "長男", "長女", "次男", "次女", "三男", "三女",
                          "家族", "世帯主", "扶養者", "被扶養者", "同居", "別居"})
# A cell naming a company or an office is no person (株式会社山田商事, 山田商店, 東京支店),
# whatever the dictionary says of its first characters. (str methods, not a regex: every
# name cell of a roster is asked.)
_COMPANY_WORDS = ("会社", "法人")  # 株式会社, 有限会社, 合同会社 ...; 社団法人, 学校法人 ...
_OFFICE_ENDINGS = ("事務所", "営業所", "支店", "支社", "本社", "センター", "協会", "組合", "学校", "病院", "役場",
                   "役所", "商事", "商店", "工業", "建設", "銀行")
# Nor is a section or a post (総務課, 人事部長), but surnames end so too (岡部, 氷室) and a
# post follows a surname (山田部長): judged only where nothing but the header says "name".
_SECTION_OR_POST_ENDINGS = ("課", "部", "係", "室", "局", "班", "部長", "課長", "係長", "室長", "所長", "局長", "主任",
                            "主査", "社長")
# Words of a field's label that no name holds (生年月日, 基礎年金番号, 住所, 電話番号): a cell or
# labelled text holding one is a label, as under 氏名 in a form read as a table.
_FIELD_WORD = re.compile("番号|年月日|住所|電話|郵便|性別|フリガナ|ふりがな")  # every name cell asks: one C search
DEFAULT_LABELS = ("被保険者氏名", "受給者氏名", "被保険者名", "受給者名", "本人氏名", "漢字氏名",
                  "カナ氏名", "氏名カナ", "フリガナ", "ふりがな", "氏名", "お名前", "名前", "宛名",
                  "申請者", "届出人", "担当者", "担当")


def _names_a_field(text: str) -> bool:
    return _FIELD_WORD.search(text) is not None


class HeaderKind(StrEnum):
    NAME = "name"  # a whole name (kanji or kana)
    KANA = "kana"  # a reading column (フリガナ, カナ氏名, セイ)
    FAMILY = "family"  # 姓
    GIVEN = "given"  # 名


# Looked up per cell, so by dict: an enum member lookup (HeaderKind.FAMILY) costs 100 ns.
_ONE_PART_COLUMNS = {HeaderKind.FAMILY: True, HeaderKind.GIVEN: False}  # kind -> surname?
_HEADER_EVIDENCE = {kind: (W_HEADER_PART if kind in _ONE_PART_COLUMNS else W_HEADER_NAME, f"header:{kind}")
                    for kind in HeaderKind}
_PART_LABELS = frozenset({"姓", "名", "氏", "漢字"})  # a two-row header's parts (scanner.extract.tables)
_FAMILY_HEADERS = frozenset({"姓", "氏", "苗字", "名字", "姓漢字", "漢字姓", "ファミリーネーム"})
_GIVEN_HEADERS = frozenset({"名", "名漢字", "漢字名", "下の名前"})
_KANA_ONLY_HEADERS = frozenset({"セイ", "メイ", "セイメイ", "シメイ"})
_KANA_MARKS = ("フリガナ", "ふりがな", "ヨミガナ", "よみがな", "読み仮名", "読みがな", "カナ", "かな", "ヨミ", "よみ", "読み")
_NAME_MARKS = ("氏名", "名前")
_NAME_ENDINGS = ("者名", "人名", "員名")
_NOT_PERSON_ENDINGS = ("業者名", "法人名")
# A column named for whom it lists holds their names: 被保険者 | 基礎年金番号 (whole header only:
# 被保険者番号 and 受給者区分 hold no name)
_PERSON_HEADERS = frozenset({"被保険者", "受給者", "受給権者", "対象者", "申請者", "請求者", "届出人", "世帯主", "契約者",
                             "加入者", "本人", "担当者", "職員", "社員", "従業員", "利用者", "宛先", "宛名"})


def header_kind(header: str | None) -> HeaderKind | None:
    """What kind of name a column header announces, or None for any other column."""
    if not header:
        return None
    return _header_kind(header)


@lru_cache(maxsize=1024)  # one answer per column header, asked for every cell under it
def _header_kind(header: str) -> HeaderKind | None:
    h = _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", header))
    if h in _KANA_ONLY_HEADERS:
        return HeaderKind.KANA
    for mark in _KANA_MARKS:
        if mark in h:
            rest = h.replace(mark, "")
            return HeaderKind.KANA if not rest or _plain_header_kind(rest) else None
    return _plain_header_kind(h)


def _plain_header_kind(h: str) -> HeaderKind | None:
    if h in _FAMILY_HEADERS:
        return HeaderKind.FAMILY
    if h in _GIVEN_HEADERS:
        return HeaderKind.GIVEN
    if any(m in h for m in _NAME_MARKS):
        return HeaderKind.NAME
    if h.endswith(_NAME_ENDINGS) and not h.endswith(_NOT_PERSON_ENDINGS):
        return HeaderKind.NAME
    if h in _PERSON_HEADERS:
        return HeaderKind.NAME
    return None


# --- normalizing --------------------------------------------------------------


def fold_variants(text: str) -> str:
    """Variant kanji to the dictionary's form; keeps the length (offsets stay valid)."""
    if _VARIANT_CHARS.search(text) is None:
        return text
    return _VARIANT_CHARS.sub(_folded, text)


def _folded(m: re.Match[str]) -> str:
    return VARIANT_KANJI[m.group()]


def to_katakana(text: str) -> str:
    """Hiragana to katakana (ぁ..ゖ and ゝゞ); everything else unchanged."""
    if _HIRAGANA.search(text) is None:
        return text
    return text.translate(_KATAKANA_TABLE)


def normalize_name(text: str) -> str:
    """The value a name is hashed as: NFKC, variant kanji folded, kana as katakana, no spaces.

    山田　太郎, 山田 太郎 and 山田太郎 are one value; ﾔﾏﾀﾞ ﾀﾛｳ, やまだ たろう and ヤマダタロウ too.
    """
    text = unicodedata.normalize("NFKC", text)
    unspaced = text.replace(" ", "").replace("\t", "")  # _SPACES.sub: NFKC left no U+3000
    if len(unspaced) != len(text):
        # NFKC again once spaces are gone: ｳ ﾞ only composes to ヴ when nothing stands between
        # (without a space removed, NFKC twice is NFKC once).
        text = unicodedata.normalize("NFKC", unspaced)
    return to_katakana(fold_variants(text))


def mask_name(value: str, family_len: int | None = None) -> str:
    """Keep only the first character: 山田太郎 (family 2) -> '山* **'; unknown split -> '山***'.

    A one-character value (誠 in a 名 column) is masked whole: a mask never shows a value."""
    if len(value) <= 1:
        return "*" * len(value)
    if family_len is None or not 0 < family_len < len(value):
        return value[0] + "*" * (len(value) - 1)
    return value[0] + "*" * (family_len - 1) + " " + "*" * (len(value) - family_len)


# --- dictionaries -----------------------------------------------------------


SURNAME_FILE = "surnames.ipadic.tsv"
GIVEN_FILE = "given_names.ipadic.tsv"


@dataclass(frozen=True)
class NameDictionaries:
    """Surnames and given names (kanji, variant-folded) with their katakana readings."""

    surnames: Any  # ahocorasick.Automaton: folded surname -> its length (scans running text)
    given: Any  # ahocorasick.Automaton used as a set (exact lookups)
    surname_readings: frozenset[str]
    given_readings: frozenset[str]
    directory: Path  # where the lists were read from

    @cached_property
    def readings(self) -> Mapping[str, frozenset[str]]:
        """Surface -> its readings. Read again on first use, not at every start (77 ms):
        only the reading cross-check needs them."""
        readings: dict[str, set[str]] = {}
        for surface, reading in _read_pairs(self.directory / SURNAME_FILE) + _read_pairs(self.directory / GIVEN_FILE):
            readings.setdefault(surface, set()).add(reading)
        return {k: frozenset(v) for k, v in readings.items()}

    def is_surname(self, s: str) -> bool:
        return s in self.surnames

    def is_given(self, s: str) -> bool:
        return s in self.given


def default_dictionary_dir() -> Path:
    return Path(str(resources.files("rules") / "dictionaries"))


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    """(folded surface, reading) per line; the surfaces are folded in one call, not per line
    (each sweep and each watcher start reads some 30,000 of them)."""
    lines = [line for line in path.read_text(encoding="utf-8").split("\n")  # newlines translated
             if "\t" in line and not line.startswith("#")]
    split = [line.split("\t", 1) for line in lines]
    surfaces = fold_variants("\n".join(surface for surface, _ in split)).split("\n")
    return list(zip(surfaces, (reading for _, reading in split), strict=True))


def _automaton(words: Iterable[str]) -> Any:
    auto = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for w in words:
        auto.add_word(w, len(w))
    auto.make_automaton()
    return auto


@cache
def load_name_dictionaries(directory: Path | None = None) -> NameDictionaries:
    """Load the shipped lists once per process (the daemon keeps them for its lifetime)."""
    directory = directory or default_dictionary_dir()
    surnames = _read_pairs(directory / SURNAME_FILE)
    given = _read_pairs(directory / GIVEN_FILE)
    # Only surnames with a kanji scan running text: hiragana ones (あおい) are ordinary words.
    return NameDictionaries(
        surnames=_automaton({s for s, _ in surnames if _KANJI_CHAR.search(s)}),
        given=_automaton({g for g, _ in given}),
        surname_readings=frozenset(r for _, r in surnames),
        given_readings=frozenset(r for _, r in given),
        directory=directory,
    )


# --- finding and scoring ------------------------------------------------------

# Labels strong enough that whatever name-shaped text follows them counts (rare surnames);
# the others (担当, 申請者) only add weight to a dictionary match.
STRONG_LABELS = frozenset(DEFAULT_LABELS[:14])
_NAME_CHARS = rf"{KANJI_CLASS}{_KANA_CLASS}{_HIRA_CLASS}"
_LABELLED_NAME = regex.compile(rf"[{_NAME_CHARS}]{{1,6}}(?: [{_NAME_CHARS}]{{1,6}}(?![{_NAME_CHARS}:]))?(?![{_NAME_CHARS}])")


class NameMatch(NamedTuple):
    """A name found in text: span, normalized value (to hash), score and why.

    Immutable; a named tuple because one is made per name cell and a frozen dataclass
    costs five times as much to build."""

    start: int
    end: int
    value: str
    score: float
    reasons: tuple[str, ...]
    family_len: int | None = None  # where family name ends in ``value``, when known

    @property
    def masked(self) -> str:
        return mask_name(self.value, self.family_len)


@dataclass(slots=True)
class _Evidence:
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, weight: float, reason: str) -> None:
        self.score += weight
        self.reasons.append(reason)

    def match(self, text: str, start: int, end: int, family_len: int | None) -> NameMatch:
        return NameMatch(start, end, normalize_name(text[start:end]), round(min(self.score, 1.0), 3),
                         tuple(self.reasons), family_len)


# A name in Latin letters under a name header (YAMADA TARO, John Smith, as a foreign
# resident's or a system's record writes it): two to four words of letters.
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z'.-]+(?:,? +[A-Za-z][A-Za-z'.-]*){1,3}")
_NOT_LATIN_NAMES = re.compile(r"\b(?:total|subtotal|sum|none|n/?a|tbd|test|sample|example|unknown|dummy|vacant"
                              r"|not|name|no|see|above|below|same|inc|corp|corporation|co|ltd|llc|company|bank"
                              r"|branch|office|dept|department|section|division|team|group|center|centre|shop|store"
                              r"|city|prefecture|ward|town|street|road|hall|school|university|hospital)\b",
                              re.IGNORECASE)


def _latin_name(text: str, start: int, cell: str) -> NameMatch | None:
    """A cell of Latin letters under a name header as a name, hashed in capitals without
    spaces (Yamada Taro and YAMADA TARO are one value); None when it is no name's shape or
    a word a list puts where a name would be (TOTAL, N/A, TBD)."""
    if _LATIN_NAME.fullmatch(cell) is None or _NOT_LATIN_NAMES.search(cell) is not None:
        return None
    words = cell.replace(",", " ").split()
    return NameMatch(start, start + len(cell), "".join(words).upper(), W_HEADER_NAME + W_SPACE,
                     (f"header:{HeaderKind.NAME}", "latin-name"), len(words[0]))


class NameFinder:
    """Finds Japanese personal names in normalized text or in table cells under a header."""

    def __init__(self, dicts: NameDictionaries, *, honorifics: Iterable[str] = DEFAULT_HONORIFICS,
                 labels: Iterable[str] = DEFAULT_LABELS, min_score: float = MIN_SCORE) -> None:
        self.dicts = dicts
        self.honorifics = tuple(sorted(set(honorifics), key=len, reverse=True))
        labels = sorted(set(labels), key=len, reverse=True)
        self.strong_labels = STRONG_LABELS & set(labels)
        self.min_score = min_score
        # Name parts repeat heavily in real rosters (佐藤, 鈴木, 太郎): each looked up once.
        self._known_surname = lru_cache(maxsize=_PART_CACHE)(self._lookup_surname)
        self._known_given = lru_cache(maxsize=_PART_CACHE)(self._lookup_given)
        self._honorific_re = regex.compile(
            r"[ \t]*(?!" + "|".join(NOT_HONORIFIC) + r")(?P<h>" + "|".join(map(regex.escape, self.honorifics)) + ")")
        # a label may be set out with spaces, as a form fills its cell: 氏　　名
        self._label_re = regex.compile(r"(?P<label>" + "|".join(map(spaced_label, labels)) + r")[ \t]*:?[ \t]*")

    def find(self, text: str, header: str | None = None) -> list[NameMatch]:
        """Names in ``text``; a cell under a name column header is judged as a whole."""
        kind = header_kind(header)
        if kind is None:
            return self.find_in_text(text)
        stripped = text.strip()
        if header is not None and (stripped == header.strip() or (stripped in _PART_LABELS and header.endswith(stripped))):
            return []  # the header row itself: シメイ over シメイ, 姓 under its label 氏名 姓
        cell = self.score_cell(text, kind)
        if cell is not None:
            return [cell] if cell.score >= self.min_score else []
        boosted = [NameMatch(m.start, m.end, m.value, min(1.0, m.score + W_HEADER_DICT),
                             (*m.reasons, f"header:{kind}"), m.family_len) for m in self.find_in_text(text)]
        return boosted

    # --- running text ---

    def find_in_text(self, text: str) -> list[NameMatch]:
        if text.isascii():
            return []  # every name found is kanji or kana: a window of English, code or logs has none
        folded = fold_variants(text)
        labels, glued = {}, set()
        for m in self._label_re.finditer(folded):
            labels[m.end()] = without_cjk_spaces(m.group("label"))
            if m.end() == m.end("label"):
                glued.add(m.end())  # nothing between label and what follows: 名前空間, 名前を与える
        found: list[NameMatch] = []
        for end_idx, length in self.dicts.surnames.iter(folded):
            start = end_idx - length + 1
            if start > 0 and _KANJI_CHAR.match(folded[start - 1]) and start not in labels:
                continue  # inside a longer kanji word
            found.extend(self._kanji_name(text, folded, start, length, labels.get(start)))
        for token in (*_KANA_TOKEN.finditer(folded), *_HIRA_TOKEN.finditer(folded)):
            found.extend(self._kana_name(text, folded, token.start(), token.end(), labels.get(token.start())))
        starts = {m.start for m in found}
        for pos, label in labels.items():
            # a value the dictionary does not know needs a colon or a space after its label:
            # glued on, it is the rest of a word or a sentence (名前空間, 名前です)
            if label in self.strong_labels and pos not in starts and pos not in glued:
                found.extend(self._labelled_shape(text, folded, pos, label))
        return _best_non_overlapping(found)

    def _kanji_name(self, text: str, folded: str, start: int, length: int, label: str | None) -> list[NameMatch]:
        s_end = start + length
        ev = _Evidence()
        ev.add(W_SURNAME if length > 1 else W_SURNAME_SHORT, "surname-dict")
        gap = _SPACES.match(folded, s_end)
        g_start = gap.end() if gap else s_end
        given_len, in_dict = self._given_at(folded, g_start, spaced=gap is not None)
        end = g_start + given_len if given_len else s_end
        honorific = self._honorific_at(folded, end)
        if given_len:
            if not in_dict:
                ev.add(W_GIVEN_SHAPE, "given-shape")
            else:
                ev.add(W_GIVEN_SHORT if given_len == 1 and not gap else W_GIVEN, "given-dict")
            if gap:
                ev.add(W_SPACE, "space")
        elif end < len(folded) and _KANJI_CHAR.match(folded[end]) and not honorific:
            return []  # 上田駅, 大野市: the surname runs into another word
        if honorific and (folded[start:end] + honorific in HONORIFIC_WORDS
                          or (honorific == "殿" and end - start == 1)):
            return []  # 王様, 大仏殿, 高殿 (halls and places): a word, not a surname and its honorific
        self._add_context(ev, honorific, label)
        return self._accept(ev, text, start, end, length)

    def _given_at(self, folded: str, pos: int, *, spaced: bool) -> tuple[int, bool]:
        """Length of the given name starting at ``pos`` and whether the dictionary has it."""
        run = _KANJI_RUN.match(folded, pos)
        if run is None:
            return self._kana_given_at(folded, pos, spaced=spaced)
        r_end = run.end()
        for k in range(min(MAX_GIVEN, r_end - pos), 0, -1):
            g_end = pos + k
            if (g_end == r_end or self._honorific_at(folded, g_end)) and self.dicts.is_given(folded[pos:g_end]):
                return k, True
        if spaced:  # 鈴木 颯太: the space is the boundary, the dictionary need not know the name
            for k in range(1, min(3, r_end - pos) + 1):
                if pos + k == r_end or self._honorific_at(folded, pos + k):
                    return k, False
        return 0, False

    def _kana_given_at(self, folded: str, pos: int, *, spaced: bool) -> tuple[int, bool]:
        kana = (_KANA_OR_HIRA_RUN if spaced else _KANA_RUN).match(folded, pos)
        if kana and to_katakana(kana.group()) in self.dicts.given_readings:
            return kana.end() - pos, True
        return 0, False

    def _kana_name(self, text: str, folded: str, start: int, end: int, label: str | None) -> list[NameMatch]:
        token = to_katakana(folded[start:end])
        family, _, given = token.partition(" ")
        family_len: int | None = len(family) if given else None
        if not given:
            family_len = self._kana_split(token)
            if family_len:
                family, given = token[:family_len], token[family_len:]
        ev = _Evidence()
        if family in self.dicts.surname_readings:
            ev.add(W_KANA_SURNAME, "surname-reading")
        if given and given in self.dicts.given_readings:
            ev.add(W_KANA_GIVEN, "given-reading")
        if not ev.reasons and label is None:
            return []
        if " " in token:
            ev.add(W_SPACE, "space")
        self._add_context(ev, self._honorific_at(folded, end), label)
        return self._accept(ev, text, start, end, family_len)

    def _kana_split(self, token: str) -> int | None:
        for i in range(2, len(token) - 1):
            if token[:i] in self.dicts.surname_readings and token[i:] in self.dicts.given_readings:
                return i
        return None

    def _labelled_shape(self, text: str, folded: str, pos: int, label: str) -> list[NameMatch]:
        shape = _LABELLED_NAME.match(folded, pos)
        if shape is None:
            return []
        words = shape.group()
        if _names_a_field(words):  # 氏名：鬼瓦権蔵 生年月日: the next field's label is no given name
            words = words.split(" ", 1)[0]
            if _names_a_field(words):
                return []  # 氏名 生年月日 基礎年金番号: the label heads a line of column labels
        ev = _Evidence()
        ev.add(W_LABEL, f"label:{label}")
        ev.add(W_LABEL_SHAPE, "name-shape")
        if " " in words:
            ev.add(W_SPACE, "space")
        return self._accept(ev, text, pos, pos + len(words), None)

    def _add_context(self, ev: _Evidence, honorific: str | None, label: str | None) -> None:
        if honorific:
            ev.add(W_HONORIFIC, "honorific")
        if label:
            ev.add(W_LABEL, f"label:{label}")

    def _honorific_at(self, folded: str, pos: int) -> str | None:
        m = self._honorific_re.match(folded, pos)
        if m is None:
            return None
        honorific, after = m.group("h"), m.end()
        if (honorific in _WORD_HONORIFICS and after < len(folded) and folded[after] not in _AFTER_HONORIFIC
                and _KANJI_CHAR.match(folded[after])):
            return None  # 木曽殿越, 山田君子: the word goes on
        return honorific

    def _accept(self, ev: _Evidence, text: str, start: int, end: int, family_len: int | None) -> list[NameMatch]:
        if len(ev.reasons) < 2 or ev.score < self.min_score:
            return []
        return [ev.match(text, start, end, family_len)]

    # --- table cells ---

    def score_cell(self, text: str, kind: HeaderKind) -> NameMatch | None:
        """A whole cell under a name column; None when the cell is not name-shaped."""
        stripped = text.strip()
        start = text.find(stripped) if stripped else 0
        folded = self._strip_honorific(fold_variants(stripped))
        if kind is HeaderKind.NAME and folded.isascii():
            return _latin_name(text, start, folded)
        if not folded or folded in PLACEHOLDERS or not _NAME_SHAPE.match(folded) or _names_a_field(folded):
            return None
        ev = _Evidence()
        ev.add(*_HEADER_EVIDENCE[kind])
        family_len = self._add_dictionary_evidence(ev, folded, kind)
        if (stripped.endswith(_OFFICE_ENDINGS) or _COMPANY_WORDS[0] in stripped or _COMPANY_WORDS[1] in stripped
                or (len(ev.reasons) == 1 and stripped.endswith(_SECTION_OR_POST_ENDINGS))):
            return None  # a company, an office; a section or a post where only the header says name
        return ev.match(text, start, start + len(folded), family_len)

    def _strip_honorific(self, cell: str) -> str:
        if not cell.endswith(self.honorifics):
            return cell  # the usual cell: one C call instead of a loop
        for h in self.honorifics:
            if cell.endswith(h) and len(cell) > len(h) + 1:
                return cell[: -len(h)].rstrip()
        return cell

    def _add_dictionary_evidence(self, ev: _Evidence, cell: str, kind: HeaderKind) -> int | None:
        surname = _ONE_PART_COLUMNS.get(kind)
        if surname is not None:  # a 姓 or 名 column: the cell is that part alone
            if self._is_part(cell, surname=surname):
                ev.add(W_HEADER_DICT, "surname-dict" if surname else "given-dict")
            return None
        family_len, surname_hit, given_hit = self._split_folded(cell)  # the cell is folded and stripped
        if not surname_hit and " " not in cell and self._is_part(cell, surname=True):
            family_len, surname_hit = len(cell), True  # a surname alone (阿部: 阿 is none)
        if surname_hit:
            ev.add(W_HEADER_DICT, "surname-dict")
        if given_hit:
            ev.add(W_SPACE, "given-dict")
        if " " in cell:
            ev.add(W_SPACE, "space")
        return family_len

    def _is_part(self, part: str, *, surname: bool) -> bool:
        return (self._known_surname if surname else self._known_given)(part)

    def _lookup_surname(self, part: str) -> bool:
        return part in self.dicts.surnames or to_katakana(part) in self.dicts.surname_readings

    def _lookup_given(self, part: str) -> bool:
        return part in self.dicts.given or to_katakana(part) in self.dicts.given_readings

    def split_name(self, name: str) -> tuple[int | None, bool, bool]:
        """(family length, surname known, given name known) for a whole name, spaced or not."""
        return self._split_folded(fold_variants(name.strip()))

    def _split_folded(self, name: str) -> tuple[int | None, bool, bool]:
        if " " in name or "\t" in name:
            family, given = _SPACES.split(name, maxsplit=1)
            return len(family), self._is_part(family, surname=True), self._is_part(given, surname=False)
        best: tuple[int | None, bool, bool] = (None, False, False)
        for k in range(min(MAX_SURNAME, len(name) - 1), 0, -1):
            if self._is_part(name[:k], surname=True):
                hit = (k, True, self._is_part(name[k:], surname=False))
                if hit[2]:
                    return hit
                best = best if best[1] else hit
        return best

    def reading_matches(self, name: str, reading: str) -> bool:
        """Whether a kana ``reading`` (フリガナ column) fits a kanji ``name`` by the dictionary."""
        name = _SPACES.sub("", fold_variants(unicodedata.normalize("NFKC", name)))
        kana = normalize_name(reading)
        for k in range(min(MAX_SURNAME, len(name) - 1), 0, -1):
            for r in self.dicts.readings.get(name[:k], ()):
                rest = kana[len(r):]
                if (kana.startswith(r) and rest
                        and (rest in self.dicts.readings.get(name[k:], {rest}) and rest in self.dicts.given_readings)):
                    return True
        return False


def _best_non_overlapping(matches: list[NameMatch]) -> list[NameMatch]:
    """Highest score first, then longest, then leftmost; drop matches that overlap a kept one."""
    kept: list[NameMatch] = []
    taken: set[int] = set()  # character positions already in a kept match (spans are short)
    for m in sorted(matches, key=lambda m: (-m.score, -(m.end - m.start), m.start)):
        span = range(m.start, m.end)
        if not taken.intersection(span):
            kept.append(m)
            taken.update(span)
    return sorted(kept, key=lambda m: m.start)


@cache
def default_finder() -> NameFinder:
    """A finder over the shipped dictionaries, built once per process."""
    return NameFinder(load_name_dictionaries())

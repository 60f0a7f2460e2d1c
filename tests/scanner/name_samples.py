"""Fake-data generators for name detection tests and benchmarks.

Every person is made up: a surname and a given name drawn independently from the shipped
dictionaries (or composed from name kanji so that the dictionary does not know them), never
a real person's record. ``make_test_set`` builds labelled "files" (lists of Blocks): rosters,
letters, memos, phone lists (all hold names) and minutes full of place names that are also
surnames, product lists and plain prose (none do).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from scanner.detect.names import NameDictionaries, load_name_dictionaries, normalize_name
from scanner.model import Block, TableBlock, TextBlock

COMMON_SURNAMES = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
                   "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "清水", "斎藤", "山崎")
# Surnames that are also place names; minutes use them as places (上田駅, 大野市).
PLACE_SURNAMES = ("中田", "大野", "上田", "松本", "岡山", "福島", "長野", "新潟", "富山", "福井",
                  "山形", "宮崎", "長崎", "熊本", "秋田", "石川", "千葉", "小田原", "大津", "高松")
PLACE_SUFFIXES = ("駅", "市", "町", "村", "区", "川", "線", "支店", "工場", "営業所", "会場", "港", "公園", "県")
RARE_KANJI = "鬼瓦勅使河原鰐淵雲母百目鬼四十物月見里小鳥遊五月女御手洗東海林薬袋"
PRODUCTS = ("ボールペン 黒", "コピー用紙 A4", "クリアファイル", "トナーカートリッジ", "付箋 75mm",
            "ホッチキス針", "USBメモリ 32GB", "電卓", "封筒 長形3号", "ファイルボックス")
LOANWORD_PROSE = ("データベースのサーバーをアップデートした。", "パスワードとアカウントのルールをチェックする。",
                  "プリンター センターのメンテナンス スケジュール", "セミナーのパンフレットとポスターをデザインした。")
PROSE = ("予算案について協議した。", "次回は来月開催の予定。", "資料は共有フォルダに置く。",
         "システム更新の日程を確認した。", "議事録の承認を得た。", "質疑応答の後、閉会した。")
SPACES = ("\u3000", " ", "")


@dataclass(frozen=True)
class FakePerson:
    family: str
    given: str
    family_kana: str
    given_kana: str

    def kanji(self, space: str = "\u3000") -> str:
        return f"{self.family}{space}{self.given}"

    def kana(self, space: str = "\u3000", *, half_width: bool = False, hiragana: bool = False) -> str:
        text = f"{self.family_kana}{space}{self.given_kana}"
        if hiragana:
            return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
        return to_half_width_kana(text) if half_width else text


def to_half_width_kana(text: str) -> str:
    """Full-width katakana to half-width (ﾔﾏﾀﾞ), the inverse of what NFKC does."""
    table = {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF66, 0xFF9E)}
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)
        if base[0] in table:
            out.append(table[base[0]] + {"\u3099": "ﾞ", "\u309a": "ﾟ"}.get(base[1:], ""))
        else:
            out.append(table.get(ch, ch))
    return "".join(out)


class PersonFactory:
    """Makes fake people from dictionary parts (and unknown ones on request)."""

    def __init__(self, rng: random.Random, dicts: NameDictionaries | None = None) -> None:
        self.rng = rng
        self.dicts = dicts or load_name_dictionaries()
        surnames = _kanji_entries("surnames.ipadic.tsv", 2, 3)
        self.given = _kanji_entries("given_names.ipadic.tsv", 2, 3)
        self.surnames = surnames + [(s, self._reading(s)) for s in COMMON_SURNAMES]

    def _reading(self, surface: str) -> str:
        return sorted(self.dicts.readings[surface])[0]

    def person(self, *, rare_surname: bool = False, unknown_given: bool = False) -> FakePerson:
        family, family_kana = self.rng.choice(self.surnames)
        given, given_kana = self.rng.choice(self.given)
        if rare_surname:
            family = self._unknown(lambda w: w in self.dicts.surnames)
        if unknown_given:
            given = self._unknown(lambda w: w in self.dicts.given)
        return FakePerson(family, given, family_kana, given_kana)

    def _unknown(self, known: object) -> str:
        while True:
            word = "".join(self.rng.sample(RARE_KANJI, 2))
            if not known(word):  # type: ignore[operator]
                return word


def _kanji_entries(file: str, min_len: int, max_len: int) -> list[tuple[str, str]]:
    from scanner.detect.names import default_dictionary_dir

    entries = []
    for line in (default_dictionary_dir() / file).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        surface, reading = line.split("\t")
        if min_len <= len(surface) <= max_len and all("\u4e00" <= c <= "\u9fff" for c in surface):
            entries.append((surface, reading))
    return entries


# --- labelled files -----------------------------------------------------------


Made = tuple[list[Block], tuple[str, ...]]  # blocks, names planted in their running text


@dataclass(frozen=True)
class SampleFile:
    kind: str
    blocks: list[Block]
    has_names: bool
    text_names: tuple[str, ...] = ()

    @property
    def planted(self) -> frozenset[str]:
        """Normalized names planted in the file: every name cell and every name in text."""
        values = {normalize_name(v) for v in self.text_names}
        for block in self.blocks:
            if isinstance(block, TableBlock) and self.has_names:
                values.update(normalize_name(cell) for row in block.rows
                              for h, cell in zip(block.headers, row, strict=True) if h != "No")
        return frozenset(values)


def _roster(f: PersonFactory, n: int, *, rare: bool = False, half_width: bool = False) -> list[Block]:
    kana_header = "ｶﾅ氏名" if half_width else "フリガナ"
    rows = []
    for i in range(n):
        p = f.person(rare_surname=rare and f.rng.random() < 0.7, unknown_given=f.rng.random() < 0.3)
        rows.append([str(i + 1), p.kanji(f.rng.choice(SPACES)), p.kana(f.rng.choice(SPACES), half_width=half_width)])
    return [TableBlock(rows=rows, headers=["No", "氏名", kana_header])]


def _split_roster(f: PersonFactory, n: int) -> list[Block]:
    rows = []
    for _ in range(n):
        p = f.person(unknown_given=f.rng.random() < 0.3)
        rows.append([p.family, p.given, p.family_kana, p.given_kana])
    return [TableBlock(rows=rows, headers=["姓", "名", "セイ", "メイ"])]


def _kana_only_roster(f: PersonFactory, n: int) -> list[Block]:
    rows = [[str(i + 1), f.person().kana(" ", half_width=True)] for i in range(n)]
    return [TableBlock(rows=rows, headers=["No", "氏名(カナ)"])]


def _letter(f: PersonFactory) -> Made:
    p = f.person(unknown_given=f.rng.random() < 0.3)
    body = f"{p.kanji(f.rng.choice(SPACES[:2]))}\u3000様\n\n拝啓 時下ますますご清祥のこととお慶び申し上げます。\n"
    return [TextBlock(body + f.rng.choice(PROSE))], (p.kanji(""),)


def _memo(f: PersonFactory) -> Made:
    p = f.person()
    line, planted = f.rng.choice(((f"本日、{p.family}さんから連絡があった。", p.family),
                                  (f"担当：{p.kanji()}", p.kanji("")), (f"{p.kanji('')}様より書類を受領。", p.kanji(""))))
    return [TextBlock(f"{f.rng.choice(PROSE)}\n{line}")], (planted,)


def _phone_list(f: PersonFactory, n: int) -> Made:
    people = [f.person() for _ in range(n)]
    lines = [f"{p.kanji(f.rng.choice(SPACES[:2]))}\t03-{f.rng.randint(1000, 9999)}-{f.rng.randint(1000, 9999)}"
             for p in people]
    return [TextBlock("内線・外線一覧\n" + "\n".join(lines))], tuple(p.kanji("") for p in people)


def _minutes(f: PersonFactory) -> list[Block]:
    sentences = []
    for _ in range(6):
        place, suffix = f.rng.choice(PLACE_SURNAMES), f.rng.choice(PLACE_SUFFIXES)
        sentences.append(f.rng.choice((f"{place}{suffix}で集合し、視察を行った。", f"{place}{suffix}の担当者と協議した。",
                                       f"{place}{suffix}からの報告を受けた。", f.rng.choice(PROSE))))
    return [TextBlock("議事録\n" + "\n".join(sentences))]


def _product_list(f: PersonFactory, n: int) -> list[Block]:
    rows = []
    for i in range(n):
        name = f.rng.choice(PRODUCTS + tuple(f"{p}産りんご" for p in PLACE_SURNAMES) + tuple(f"{p}牛乳" for p in PLACE_SURNAMES))
        rows.append([f"A{1000 + i}", name, str(f.rng.randint(100, 5000))])
    return [TableBlock(rows=rows, headers=["商品コード", "商品名", "単価"])]


def make_test_set(seed: int = 0, per_kind: int = 12) -> list[SampleFile]:
    """Labelled sample files: ``per_kind`` of each positive and each negative kind."""
    f = PersonFactory(random.Random(seed))
    positives: dict[str, Callable[[], Made | list[Block]]] = {
        "roster": lambda: _roster(f, 5),
        "roster-rare-surnames": lambda: _roster(f, 5, rare=True),
        "roster-half-width-kana": lambda: _roster(f, 5, half_width=True),
        "roster-kana-only": lambda: _kana_only_roster(f, 5),
        "roster-split-columns": lambda: _split_roster(f, 5),
        "letter": lambda: _letter(f),
        "memo": lambda: _memo(f),
        "phone-list": lambda: _phone_list(f, 5),
    }
    negatives: dict[str, Callable[[], list[Block]]] = {
        "minutes-place-names": lambda: _minutes(f),
        "product-list": lambda: _product_list(f, 8),
        "prose": lambda: [TextBlock("\n".join(f.rng.sample(PROSE, 3) + f.rng.sample(LOANWORD_PROSE, 2)))],
    }
    files = []
    for kind, make in positives.items():
        for _ in range(per_kind):
            blocks, text_names = _made(make())
            files.append(SampleFile(kind, blocks, True, text_names))
    files += [SampleFile(kind, make(), False) for kind, make in negatives.items() for _ in range(per_kind * 2)]
    return files


def _made(made: Made | list[Block]) -> tuple[list[Block], tuple[str, ...]]:
    return made if isinstance(made, tuple) else (made, ())

"""Generated fake people for the demo, the tests and the benchmarks.

Names are random pairs of common surnames and given names, numbers are random:
no real person's data. A seeded Random makes every set reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

SURNAMES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
]
GIVEN_NAMES = [
    ("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("健", "ケン"), ("美咲", "ミサキ"),
    ("大輔", "ダイスケ"), ("由美", "ユミ"), ("翔太", "ショウタ"), ("陽子", "ヨウコ"), ("誠", "マコト"),
    ("恵子", "ケイコ"), ("直樹", "ナオキ"), ("裕子", "ユウコ"), ("浩", "ヒロシ"), ("明美", "アケミ"),
]
PREFECTURES = ["東京都", "大阪府", "北海道", "福岡県", "愛知県", "神奈川県", "埼玉県", "千葉県"]
ERAS = [("昭和", date(1926, 12, 25)), ("平成", date(1989, 1, 8)), ("令和", date(2019, 5, 1))]


@dataclass(frozen=True)
class FakePerson:
    surname: str
    given: str
    surname_kana: str
    given_kana: str
    birth: date
    pension_number: str  # 10 digits, no separator
    address: str

    @property
    def name(self) -> str:
        return f"{self.surname}\u3000{self.given}"

    @property
    def kana(self) -> str:
        return f"{self.surname_kana}\u3000{self.given_kana}"

    @property
    def pension_hyphenated(self) -> str:
        return f"{self.pension_number[:4]}-{self.pension_number[4:]}"

    @property
    def birth_era(self) -> str:
        era, start = [(e, s) for e, s in ERAS if self.birth >= s][-1]
        year = self.birth.year - start.year + 1
        return f"{era}{'元' if year == 1 else year}年{self.birth.month}月{self.birth.day}日"


def pension_number(rng: random.Random) -> str:
    """Ten random digits that do not look like a landline (no leading 0)."""
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(9))


def person(rng: random.Random) -> FakePerson:
    surname, skana = rng.choice(SURNAMES)
    given, gkana = rng.choice(GIVEN_NAMES)
    birth = date(1935, 1, 1) + timedelta(days=rng.randint(0, 365 * 60))
    address = f"{rng.choice(PREFECTURES)}架空市{rng.randint(1, 9)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
    return FakePerson(surname, given, skana, gkana, birth, pension_number(rng), address)


def people(count: int, seed: int = 0) -> list[FakePerson]:
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[FakePerson] = []
    while len(out) < count:
        p = person(rng)
        if p.pension_number not in seen:
            seen.add(p.pension_number)
            out.append(p)
    return out


def roster_rows(persons: list[FakePerson]) -> list[list[str]]:
    """A pension roster as an office would export it, header first."""
    rows = [["氏名", "フリガナ", "生年月日", "基礎年金番号", "住所"]]
    rows += [[p.name, p.kana, p.birth_era, p.pension_hyphenated, p.address] for p in persons]
    return rows


def phone_rows(persons: list[FakePerson], seed: int = 1) -> list[list[str]]:
    """A decoy: names with landline numbers (10 digits starting with 0)."""
    rng = random.Random(seed)
    rows = [["氏名", "電話番号", "内線"]]
    rows += [[p.name, f"0{rng.randint(1, 9)}{rng.randint(10000000, 99999999)}", str(rng.randint(100, 999))]
             for p in persons]
    return rows


def employee_rows(persons: list[FakePerson], seed: int = 2) -> list[list[str]]:
    """A decoy: names with 10-digit employee numbers."""
    rng = random.Random(seed)
    rows = [["社員番号", "氏名", "所属"]]
    rows += [[str(rng.randint(1000000000, 9999999999)), p.name, "総務課"] for p in persons]
    return rows


def product_rows(count: int, seed: int = 3) -> list[list[str]]:
    """A decoy: product codes in the pension number's 4-6 shape."""
    rng = random.Random(seed)
    rows = [["商品コード", "商品名", "単価"]]
    rows += [[f"{rng.randint(1000, 9999)}-{rng.randint(100000, 999999)}", f"事務用品{i}", str(rng.randint(100, 5000))]
             for i in range(count)]
    return rows

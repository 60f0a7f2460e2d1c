"""Evidence scoring of NameFinder on running text and on cells under a header."""

from __future__ import annotations

import pytest

from scanner.detect.names import NameFinder, default_finder, load_name_dictionaries
from scanner.detect.normalize import normalize_str


def find(text: str, header: str | None = None) -> list[tuple[str, float]]:
    return [(m.value, m.score) for m in default_finder().find(normalize_str(text), header)]


@pytest.mark.parametrize(("text", "value", "at_least"), [
    ("山田　太郎　様", "山田太郎", 0.8),
    ("山田太郎", "山田太郎", 0.5),
    ("髙橋 一郎 殿", "高橋一郎", 0.8),
    ("本日、田中さんから連絡があった。", "田中", 0.5),
    ("被保険者氏名：佐藤 健一", "佐藤健一", 0.8),
    ("氏名：鬼瓦権蔵 生年月日：昭和45年1月1日", "鬼瓦権蔵", 0.5),
    ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ", 0.5),
    ("やまだ たろう様", "ヤマダタロウ", 0.8),
    ("鈴木 颯太", "鈴木颯太", 0.5),
    ("佐々木 花子\t03-1234-5678", "佐々木花子", 0.5),
])
def test_names_in_running_text(text: str, value: str, at_least: float) -> None:
    found = find(text)
    assert [v for v, _ in found] == [value]
    assert found[0][1] >= at_least


@pytest.mark.parametrize("text", [
    "上田駅で集合し、大野市の施設を視察した。",
    "中田町の担当者と協議した。",
    "松本支店からの報告を受けた。",
    "データベースのサーバーをアップデートした。",
    "申請様式を確認した。",
    "森林組合の総会",
    "担当：総務課",
])
def test_no_name_reported_in_prose_without_people(text: str) -> None:
    assert [v for v, s in find(text) if s >= 0.5] == []


@pytest.mark.parametrize("text", ["王様にお知らせします", "神様", "奥様によろしく", "奈良の大仏殿", "宮殿の庭", "諸君",
                                  "上様", "高殿に上る", "木曽殿越の峠", "西様似駅"])
def test_common_words_ending_in_an_honorific_are_no_names(text: str) -> None:
    # 王, 神, 奥, 大, 宮 are surnames: each was a name with its honorific at 0.5 or more (medium)
    assert find(text) == []


@pytest.mark.parametrize(("text", "value"), [("林様", "林"), ("王さん", "王"), ("奥田様", "奥田"),
                                             ("山田様方", "山田"), ("佐藤様宅", "佐藤")])
def test_a_one_kanji_surname_with_its_honorific_is_still_a_name(text: str, value: str) -> None:
    assert [v for v, s in find(text) if s >= 0.5] == [value]


def test_single_kanji_given_name_glued_on_is_only_low() -> None:
    assert all(score < 0.5 for _, score in find("山田錦を購入した"))


def test_positions_index_the_text() -> None:
    text = normalize_str("前略 山田　太郎様へ")
    [m] = default_finder().find(text)
    assert text[m.start:m.end] == "山田 太郎"
    assert m.masked == "山* **"
    assert "honorific" in m.reasons and not any("山田" in r for r in m.reasons)


@pytest.mark.parametrize(("cell", "header", "value"), [
    ("鬼瓦 権蔵", "氏名", "鬼瓦権蔵"),  # rare surname: the column is enough
    ("ｵﾆｶﾞﾜﾗ ｺﾞﾝｿﾞｳ", "フリガナ", "オニガワラゴンゾウ"),
    ("上田", "姓", "上田"),
    ("太郎", "名", "太郎"),
    ("山田太郎 様", "受給者氏名", "山田太郎"),
])
def test_name_columns_count_any_name_shaped_cell(cell: str, header: str, value: str) -> None:
    found = find(cell, normalize_str(header))
    assert [v for v, _ in found] == [value] and found[0][1] >= 0.5


@pytest.mark.parametrize(("cell", "header"), [("未記入", "氏名"), ("12345", "氏名"), ("上田紬", "商品名"),
                                              ("大野市", "住所")])
def test_no_name_in_other_cells(cell: str, header: str) -> None:
    assert [v for v, s in find(cell, header) if s >= 0.5] == []


@pytest.mark.parametrize("cell", ["合計", "小計", "計", "以上", "以下余白", "備考", "欠番", "見本", "退職",
                                  "該当者なし"])
def test_totals_and_form_words_under_a_name_header_are_no_names(cell: str) -> None:
    assert find(cell, "氏名") == []  # each was a name at 0.6 (medium): the header was enough


@pytest.mark.parametrize("cell", ["株式会社山田商事", "総務課", "人事部長", "東京支店", "山田商店", "介護保険課"])
def test_a_company_section_or_post_under_a_name_header_is_no_name(cell: str) -> None:
    assert find(cell, "氏名") == []


@pytest.mark.parametrize(("cell", "value"), [("阿部", "阿部"), ("服部", "服部"), ("小室", "小室"), ("岡部", "岡部"),
                                             ("山田部長", "山田"), ("氷室", "氷室")])
def test_a_surname_alone_is_a_name_even_when_it_ends_like_a_section(cell: str, value: str | None) -> None:
    # 阿部 is a surname in the dictionary though 阿 is none: the whole cell is looked up
    found = find(cell, "氏名")
    assert [v for v, _ in found] == ([value] if value else [])
    assert all(score >= 0.8 for _, score in found)


def test_dictionary_evidence_raises_a_name_column_score() -> None:
    known = find("鈴木 一郎", "氏名")[0][1]
    rare = find("鬼瓦 権蔵", "氏名")[0][1]
    assert known > rare >= 0.5


def test_reading_column_match() -> None:
    finder = default_finder()
    assert finder.reading_matches("山田 太郎", "ﾔﾏﾀﾞ ﾀﾛｳ")
    assert finder.reading_matches("鈴木花子", "すずきはなこ")
    assert not finder.reading_matches("山田太郎", "スズキタロウ")


def test_options_replace_honorifics_and_labels() -> None:
    finder = NameFinder(load_name_dictionaries(), honorifics=("御中",), labels=("宛先",))
    assert finder.find("山田様") == []
    assert [m.value for m in finder.find("宛先:山田")] == ["山田"]


@pytest.mark.parametrize(("text", "names"), [
    ("氏名 生年月日 基礎年金番号", []),  # a line of column labels (a PDF roster's header) is no name
    ("氏名 住所 電話番号", []),
    ("氏名：鬼瓦権蔵 生年月日：昭和45年1月1日", ["鬼瓦権蔵"]),  # was 鬼瓦権蔵生年月日: the next label taken in
    ("氏名 番場 太郎", ["番場太郎"]),
])
def test_a_label_followed_by_field_labels_is_no_name(text: str, names: list[str]) -> None:
    assert [v for v, _ in find(text)] == names


@pytest.mark.parametrize("cell", ["生年月日", "基礎年金番号", "住所", "電話番号", "フリガナ"])
def test_a_field_label_under_a_name_header_is_no_name(cell: str) -> None:
    assert find(cell, "氏名") == []  # a form read as a table puts its labels under 氏名


@pytest.mark.parametrize(("cell", "value", "masked"), [("YAMADA TARO", "YAMADATARO", "Y***** ****"),
                                                       ("Smith, John", "SMITHJOHN", "S**** ****"),
                                                       ("Yamada Taro", "YAMADATARO", "Y***** ****")])
def test_a_name_in_latin_letters_under_a_name_header_is_a_name(cell: str, value: str, masked: str) -> None:
    # a foreign resident's record, or a system's: under 氏名 it was no name at all
    [m] = default_finder().find(normalize_str(cell), "氏名")
    assert (m.value, m.masked) == (value, masked) and m.score >= 0.5


@pytest.mark.parametrize("cell", ["TOTAL", "N/A", "Grand Total", "Tokyo Branch", "Acme Corp", "Yamada", "A B",
                                  "YAMADA TARO 1970", "TBD"])
def test_latin_words_that_are_no_name_under_a_name_header(cell: str) -> None:
    assert find(cell, "氏名") == []


def test_latin_letters_are_no_name_without_a_name_header() -> None:
    assert find("YAMADA TARO") == [] and find("YAMADA TARO", "住所") == []


@pytest.mark.parametrize("text", ["名前空間を指定する", "ファイルに名前を与える", "これは名前です", "名前が無効です"])
def test_a_word_glued_to_a_name_label_is_no_name(text: str) -> None:
    # 名前 is a label: what followed it without a colon or a space was taken for a name (a man page's prose)
    assert [v for v, s in find(text) if s >= 0.5] == []


def test_a_rare_name_after_its_label_and_a_colon_is_still_a_name() -> None:
    assert [v for v, s in find("名前：鬼瓦権蔵") if s >= 0.5] == ["鬼瓦権蔵"]



@pytest.mark.parametrize("header", ["被保険者", "受給者", "担当者", "世帯主"])
def test_a_column_named_for_whom_it_lists_is_a_name_column(header: str) -> None:
    # 被保険者 | 基礎年金番号: a rare name under it had no evidence but the dictionary's
    assert [v for v, s in find("鬼瓦　権蔵", header) if s >= 0.5] == ["鬼瓦権蔵"]


@pytest.mark.parametrize("header", ["被保険者番号", "受給者区分", "担当者コード"])
def test_headers_that_only_begin_with_a_person_are_no_name_columns(header: str) -> None:
    assert [v for v, s in find("鬼瓦　権蔵", header) if s >= 0.5] == []


@pytest.mark.parametrize("cell", ["本人", "配偶者", "長男", "被扶養者"])
def test_relations_where_a_name_would_be_are_no_names(cell: str) -> None:
    assert find(cell, "被保険者") == [] and find(cell, "氏名") == []


@pytest.mark.parametrize(("cell", "value"), [("ジョン・スミス", "ジョン・スミス"), ("グエン・ヴァン・アン", "グエン・ヴァン・アン"),
                                             ("ﾏｲｹﾙ･ｼﾞｮｰﾀﾞﾝ", "マイケル・ジョーダン")])
def test_a_foreign_name_in_katakana_with_middle_dots_is_a_name(cell: str, value: str) -> None:
    # a foreign resident's record: under 氏名 the dots made it no name's shape
    assert [v for v, s in find(cell, "氏名") if s >= 0.5] == [value]

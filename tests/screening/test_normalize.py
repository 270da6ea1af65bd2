from __future__ import annotations

import pytest

from chipclear.screening import normalize_name


@pytest.mark.parametrize(
    ("text", "tokens", "step"),
    [
        ("Sop\u200bhgo", ("sophgo",), "invisible_characters_removed"),
        ("Ｓｏｐｈｇｏ", ("sophgo",), "unicode_nfkc"),
        ("Ηuawei", ("huawei",), "homoglyphs_mapped"),  # Greek capital Eta
        ("НUАWЕI Technologies", ("huawei", "technologies"), "homoglyphs_mapped"),  # Cyrillic look-alikes
        ("Société Générale", ("societe", "generale"), "diacritics_removed"),
        ("ООО Ростех", ("rostekh",), "transliterated"),
        ("北京算能科技有限公司", ("beijing", "suanneng", "technology"), "cjk_transliterated"),
        ("A.E.C.C.", ("aecc",), "initials_joined"),
        ("Acme GmbH", ("acme",), "legal_forms_folded"),
        ("Grupo Minero S.A. de C.V.", ("grupo", "minero"), "legal_forms_folded"),
        ("Mo’er Xianchen", ("moer", "xianchen"), "case_folded"),
    ],
)
def test_normalization_steps(text: str, tokens: tuple[str, ...], step: str) -> None:
    norm = normalize_name(text)
    assert norm.tokens == tokens
    assert step in norm.steps


def test_a_name_that_is_only_a_legal_form_keeps_its_word() -> None:
    assert normalize_name("AO").tokens == ("ao",)


def test_latin_word_that_is_entirely_cyrillic_is_transliterated_not_homoglyph_mapped() -> None:
    assert normalize_name("Москва").tokens == ("moskva",)


def test_party_name_key_is_the_one_comparison_key() -> None:
    from chipclear.ledger import coverage
    from chipclear.screening.normalize import party_name_key

    assert party_name_key("Acme Co., Ltd.") == party_name_key("ACME CO LTD") == party_name_key("Ａｃｍｅ Co. Ltd")
    assert party_name_key("Müller GmbH") == party_name_key("Muller G.m.b.H.")
    assert party_name_key("Acme Ltd") != party_name_key("Acme Inc")  # another legal entity: not the same party
    assert party_name_key("Acme Beta") != party_name_key("Beta Acme")
    assert coverage.party_name_key is party_name_key  # license coverage compares names the screening way

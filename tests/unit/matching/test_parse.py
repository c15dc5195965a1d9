"""Parsing: titles, relations, aliases, initials."""

from matching.parse import parse_name


def texts(raw: str) -> list[str]:
    return [f.text() for f in parse_name(raw).forms]


def test_titles_are_removed_and_kept_aside() -> None:
    p = parse_name("LATE SHRI R. K. SHARMA")
    assert p.titles == ("late", "shri")
    assert [t.text for t in p.forms[0].tokens] == ["r", "k", "sharma"]
    assert [t.initial for t in p.forms[0].tokens] == [True, True, False]


def test_gendered_titles_hint_gender() -> None:
    assert parse_name("Smt. Kamla Devi").gender_hint == "F"
    assert parse_name("Thiru. Murugan").gender_hint == "M"
    assert parse_name("Kamla Devi").gender_hint is None


def test_md_and_mohd_are_mohammed_not_titles() -> None:
    for raw in ("Md. Irfan", "Mohd Irfan", "MOHAMMAD IRFAN", "मोहम्मद इरफ़ान"):
        p = parse_name(raw)
        assert p.titles == ()
        assert p.forms[0].tokens[0].canon == parse_name("Mohammed Irfan").forms[0].tokens[0].canon


def test_relation_markers_split_off_the_relative() -> None:
    for raw, relation in [
        ("Ramesh Kumar S/O Suresh Kumar", "S/O"),
        ("Ramesh Kumar s/o. Suresh Kumar", "S/O"),
        ("Sunita D/O Suresh Kumar", "D/O"),
        ("Smt. Kamla Devi W/O Shri Suresh Kumar", "W/O"),
        ("Ramesh son of Suresh Kumar", "S/O"),
        ("रमेश पुत्र सुरेश कुमार", "S/O"),
    ]:
        p = parse_name(raw)
        assert p.relation == relation, raw
        assert p.relative is not None and p.relative.tokens[0].canon == "sures", raw
        assert "sures" not in [t.canon for t in p.forms[0].tokens], raw


def test_aliases_become_forms_and_a_nickname_gets_the_surname() -> None:
    assert texts("RAJU @ RAJENDRA SHANKAR PATIL") == [
        "raju", "rajendra sankar patil", "raju patil",
    ]  # fmt: skip
    assert len(texts("Salim urf Pappu")) >= 2
    assert len(texts("Arun Gawli alias Daddy")) >= 2
    assert len(texts("Ramesh (Raju) Yadav")) >= 2


def test_initials_in_every_written_style() -> None:
    for raw in ("R. K. Sharma", "R.K. Sharma", "RK Sharma", "R K SHARMA", "Sharma R.K."):
        form = parse_name(raw).forms[0]
        assert sorted(t.text for t in form.tokens if t.initial) == ["k", "r"], raw
    assert [t.initial for t in parse_name("Ramesh K").forms[0].tokens] == [False, True]
    assert [t.initial for t in parse_name("VVS Laxman").forms[0].tokens] == [True] * 3 + [False]


def test_gujarati_bhai_and_ben_suffixes() -> None:
    assert texts("Rameshbhai Patel") == texts("Ramesh Patel")
    assert texts("Hansaben Shah") == texts("Hansa Shah")


def test_empty_and_garbage_names_parse_to_no_forms() -> None:
    for raw in ("", "   ", "12345", "@@@", "S/O"):
        assert parse_name(raw).forms == ()


def test_indic_initials_are_written_as_letter_names() -> None:
    for raw in ("आर. के. शर्मा", "আর. কে. শর্মা"):
        form = parse_name(raw).forms[0]
        assert [t.text for t in form.tokens if t.initial] == ["r", "k"], raw


def test_address_after_the_name_is_cut() -> None:
    assert texts("Ramesh Yadav R/O Vill. Rampur") == texts("Ramesh Yadav")
    assert texts("Vilas Rao") != []  # a name starting like `vill` is still a name


def test_a_title_that_is_also_a_name_stays_when_only_initials_would_remain() -> None:
    assert texts("SELVI S") == ["selvi s"]
    assert parse_name("Selvi Lakshmi").titles == ("selvi",)


def test_a_title_that_is_also_a_name_stays_after_another_title() -> None:
    def words(raw: str) -> list[str]:
        return [t.text for t in parse_name(raw).forms[0].tokens]

    assert words("THIRU. SELVI SUBRAMANIAM") == ["selvi", "subramaniam"]
    assert words("Smt. Kumari Sunita Devi") == ["sunita", "devi"]  # two words left: a title
    assert words("Late Shri Ramesh") == ["ramesh"]  # `shri` is never a name


def test_local_script_initials_written_as_a_syllable() -> None:
    for raw in ("க. முருகன்", "के. मुरुगन", "க.முருகன்"):
        assert texts(raw) == ["k murugan"], raw


def test_two_letter_clusters_are_initials_unless_a_known_word() -> None:
    cases = [
        ("OP Sharma", ["o", "p"]),
        ("US Shinde", ["u", "s"]),
        ("SK Sethi", ["s", "k"]),
        ("SS Gokhale", ["s", "s"]),
    ]
    for raw, want in cases:
        assert [t.text for t in parse_name(raw).forms[0].tokens if t.initial] == want, raw
    assert texts("Om Prakash") == ["om prakas"]
    assert texts("Md Irfan") == ["mohamed irfan"]  # an abbreviation, not initials


def test_an_apostrophe_inside_a_word_is_read_both_ways() -> None:
    """`D'Souza` is `D Souza` to one register and `DSOUZA` to another that drops punctuation."""

    def written(raw: str) -> list[str]:
        return [" ".join(t.text for t in f.tokens) for f in parse_name(raw).forms]

    assert written("Anthony D'Souza") == ["anthony d souza", "anthony dsouza"]
    assert written("O\u2019Brien") == ["o brien", "obrien"]
    assert written("Raju @ Anthony D'Souza")[-1] == "anthony dsouza", "a spelling, not an alias"
    assert written("Ramesh 'Raju' Kumar") == ["ramesh raju kumar"], "quotes around a word stay"

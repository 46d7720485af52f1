from tocapp.domain.filenames import download_name, slug


def test_slug_keeps_letters_and_digits_and_folds_accents():
    assert slug("Ysgol Gynradd Ŵy: CLARITY!") == "Ysgol-Gynradd-Wy-CLARITY"


def test_slug_drops_what_no_file_system_likes():
    assert slug('a/b\\c:"d"<e>|f?*') == "a-b-c-d-e-f"
    assert slug("مدرسة 😀") == ""


def test_download_name_skips_empty_parts_and_never_returns_a_bare_extension():
    assert download_name(["CLARITY study", "", "NUR", "flowchart v2"], "svg") == (
        "CLARITY-study_NUR_flowchart-v2.svg"
    )
    assert download_name(["مدرسة"], "png") == "tocapp.png"


def test_long_parts_are_cut():
    assert len(slug("x" * 200)) == 40

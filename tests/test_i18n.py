"""Every interface string is translated (fr, nl, de) and the committed .mo files are current."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ["fr", "nl", "de"]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} (Debian package gettext) is missing: run `make test`.")
    return path


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    for flag in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(  # noqa: S603
            [_tool("msgattrib"), flag, "--no-wrap", str(po)],
            capture_output=True,
            text=True,
            check=True,
        )
        entries = [line for line in result.stdout.splitlines() if line.startswith("msgid ")]
        # msgattrib prints the header entry (msgid "") when it prints anything.
        assert [e for e in entries if e != 'msgid ""'] == [], f"{language} {flag}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language, tmp_path):
    folder = LOCALE / language / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    subprocess.run(  # noqa: S603
        [_tool("msgfmt"), "--check", "-o", str(fresh), str(folder / "django.po")], check=True
    )
    with (folder / "django.mo").open("rb") as committed, fresh.open("rb") as compiled:
        assert (
            gettext.GNUTranslations(committed)._catalog
            == gettext.GNUTranslations(compiled)._catalog
        ), f"locale/{language}: run `make messages` and commit the .mo file"

"""Every user-facing string of the whole project has a Latvian and a Russian translation.

Runs Django's ``makemessages`` for lv and ru into a temporary copy of ``locale/`` (the real catalogues are left
alone), then reads the refreshed catalogues: an entry with an empty ``msgstr`` or a ``fuzzy`` flag is a string
somebody added without translating. English needs no check: the source strings are English.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LANGUAGES = ("lv", "ru")
IGNORED = [".venv", "venv", "var", "node_modules", "tests", "benchmarks", "static/vendor", ".git"]


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def untranslated(self) -> bool:
        return not self.msgstrs or any(not text for text in self.msgstrs)


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for makemessages' output (no obsolete entries)."""
    entries: list[Entry] = []
    entry = Entry()
    target: str | None = None

    def finish() -> None:
        nonlocal entry, target
        if entry.msgid or entry.msgstrs:
            entries.append(entry)
        entry, target = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if entry.msgstrs:
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            if entry.msgstrs:
                finish()
            entry.references.extend(line[2:].split())
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            target = None
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, target = _unquote(line[len("msgid_plural ") :]), "msgid_plural"
        elif line.startswith("msgid "):
            if entry.msgstrs:
                finish()
            entry.msgid, target = _unquote(line[len("msgid ") :]), "msgid"
        elif line.startswith("msgstr"):
            entry.msgstrs.append(_unquote(line.split(" ", 1)[1]))
            target = "msgstr"
        elif line.startswith('"') and target:
            text = _unquote(line)
            if target == "msgstr":
                entry.msgstrs[-1] += text
            elif target == "msgid":
                entry.msgid += text
            else:
                entry.msgid_plural += text
    finish()
    return [entry for entry in entries if entry.msgid]  # the header has an empty msgid


def untranslated_report(po_files: dict[str, Path]) -> list[str]:
    problems = []
    for language, path in po_files.items():
        for entry in parse_po(path):
            if "fuzzy" in entry.flags or entry.untranslated:
                why = "fuzzy" if "fuzzy" in entry.flags else "no translation"
                where = ", ".join(entry.references) or "?"
                problems.append(f"[{language}] {why}: {entry.msgid!r} ({where})")
    return problems


def test_parser_reads_plural_multiline_and_fuzzy(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: lv\\n"\n\n'
        '#: a.html:1\nmsgid "One"\nmsgstr "Viens"\n\n'
        '#: a.html:2\n#, fuzzy\nmsgid "Two"\nmsgstr "Divi"\n\n'
        '#: b.py:3\nmsgid ""\n"Long "\n"text"\nmsgstr ""\n\n'
        '#: c.html:4\nmsgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s diena"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )
    report = untranslated_report({"lv": po})
    assert report == [
        "[lv] fuzzy: 'Two' (a.html:2)",
        "[lv] no translation: 'Long text' (b.py:3)",
        "[lv] no translation: '%(n)s day' (c.html:4)",
    ]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (Debian package gettext)")
def test_every_user_facing_string_is_translated_into_latvian_and_russian(tmp_path, monkeypatch):
    project_locale = Path(settings.BASE_DIR) / "locale"
    locale_copy = tmp_path / "locale"
    if project_locale.is_dir():
        shutil.copytree(project_locale, locale_copy, ignore=shutil.ignore_patterns("*.mo"))
    else:
        locale_copy.mkdir()
    # makemessages scans the current directory and writes to the first of LOCALE_PATHS, but it also adds a
    # ``locale`` folder of the current directory and prefers it for files below it: it would rewrite the
    # project's real catalogues. So it scans a folder of links to the sources, without the real ``locale``.
    sources = tmp_path / "sources"
    sources.mkdir()
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name not in {"locale", ".git", ".venv", "venv", "var", "node_modules"}:
            (sources / entry.name).symlink_to(entry)
    monkeypatch.chdir(sources)
    with override_settings(LOCALE_PATHS=[locale_copy]):
        call_command(
            "makemessages",
            locale=list(LANGUAGES),
            ignore_patterns=IGNORED,
            no_obsolete=True,
            symlinks=True,
            verbosity=0,
        )
    po_files = {language: locale_copy / language / "LC_MESSAGES" / "django.po" for language in LANGUAGES}
    for language, path in po_files.items():
        assert path.exists(), f"makemessages wrote no catalogue for {language}"
    problems = untranslated_report(po_files)
    assert not problems, (
        f"{len(problems)} user-facing string(s) lack a translation. Run `make messages`, translate them in "
        "locale/<lang>/LC_MESSAGES/django.po and remove any fuzzy flags:\n" + "\n".join(problems)
    )

"""The German catalogue: complete, in step with the source, placeholder-safe, compiled, and used.

When a test here fails after you added or changed a user-visible string, update the catalogue:

    cd wagtail_crosspost
    ../.venv/bin/django-admin makemessages -l de --no-obsolete \
        --settings=tests.settings --pythonpath=..
    # translate the new/changed entries in locale/de/LC_MESSAGES/django.po (remove "fuzzy" flags)
    ../.venv/bin/django-admin compilemessages --settings=tests.settings --pythonpath=..

Both the .po and the compiled .mo are committed (the wheel must work without gettext).
"""

from __future__ import annotations

import gettext as gnu_gettext
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import translation

import wagtail_crosspost

PACKAGE_DIR = Path(wagtail_crosspost.__file__).resolve().parent
LOCALE_DIR = PACKAGE_DIR / "locale" / "de" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="GNU gettext (msgfmt, xgettext) is not installed (Debian package gettext)",
)


# -- a tiny .po parser (no new dependency) ---------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[i] for i in sorted(self.msgstr)]

    def __str__(self) -> str:
        where = f"django.po line {self.line}"
        ctx = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"{self.msgid!r}{ctx} [{where}]"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """(header, entries) of a .po file; obsolete (``#~``) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and target is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and target is not None:
                finish()  # a comment after msgstr starts the next entry
            current = current or Entry(line=number)
            if line.startswith("#,"):
                current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, value = match.groups()
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()  # a new entry without a blank line in between
            current = current or Entry(line=number)
            value = _unescape(value)
            if keyword == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", None)
            elif keyword == "msgid":
                current.msgid, target = value, ("msgid", None)
                current.line = current.line or number
            elif keyword == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", None)
            else:
                slot = int(index) if index is not None else 0
                current.msgstr[slot], target = value, ("msgstr", slot)
            continue
        match = _CONTINUATION.match(line)
        if match and current is not None and target is not None:
            value = _unescape(match.group(1))
            kind, slot = target
            if kind == "msgstr":
                current.msgstr[slot or 0] += value
            else:
                setattr(current, kind, (getattr(current, kind) or "") + value)
            continue
        raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()

    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, f"{path}: expected exactly one header entry, found {len(headers)}"
    return headers[0], [e for e in entries if e is not headers[0]]


@pytest.fixture(scope="module")
def catalogue() -> tuple[Entry, list[Entry]]:
    assert PO_FILE.is_file(), f"{PO_FILE} is missing"
    return parse_po(PO_FILE)


def _fmt(entries) -> str:
    return "\n  " + "\n  ".join(str(e) for e in entries)


# -- (a) complete ----------------------------------------------------------------------------------


def test_header(catalogue):
    header, _ = catalogue
    fields = dict(line.split(": ", 1) for line in header.msgstr[0].splitlines() if ": " in line)
    assert "fuzzy" not in header.flags, "the header is marked fuzzy: msgfmt would ignore it"
    assert fields.get("Language") == "de"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    _, entries = catalogue
    assert entries, "the German catalogue has no entries"
    fuzzy = [e for e in entries if "fuzzy" in e.flags]
    untranslated = [e for e in entries if not all(s.strip() for s in e.translations)]
    problems = []
    if fuzzy:
        problems.append(
            f"{len(fuzzy)} fuzzy entries (check them, then drop the flag):{_fmt(fuzzy)}"
        )
    if untranslated:
        problems.append(f"{len(untranslated)} untranslated entries:{_fmt(untranslated)}")
    assert not problems, "\n".join(problems)


@needs_gettext
def test_msgfmt_agrees_and_the_formats_check(catalogue):
    """GNU msgfmt's own count (and its python-format check) must match the parser's."""
    _, entries = catalogue
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO_FILE)],  # noqa: S607
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin:/usr/local/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    stats = result.stderr.strip()

    def count(word: str) -> int:
        found = re.search(rf"(\d+) {word} message", stats)
        return int(found.group(1)) if found else 0

    assert count("translated") == len(entries), stats
    assert count("fuzzy") == 0, stats
    assert count("untranslated") == 0, stats


# -- (b) up to date with the source ----------------------------------------------------------------


@needs_gettext
def test_catalogue_matches_the_strings_in_the_source(catalogue, tmp_path, monkeypatch):
    """Extract the strings from a copy of the package and compare them with the committed .po."""
    copy = tmp_path / "wagtail_crosspost"
    shutil.copytree(
        PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.po")
    )
    (copy / "locale" / "de" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["de"], verbosity=0)
    _, extracted = parse_po(copy / "locale" / "de" / "LC_MESSAGES" / "django.po")

    _, committed = catalogue
    in_source = {e.key for e in extracted}
    in_po = {e.key for e in committed}
    missing = sorted(in_source - in_po, key=str)
    stale = sorted(in_po - in_source, key=str)
    plurals = {e.key: e.msgid_plural for e in committed}
    plural_changed = sorted(
        (e.key for e in extracted if e.key in plurals and plurals[e.key] != e.msgid_plural),
        key=str,
    )
    problems = []
    if missing:
        problems.append(
            "strings in the source but not in the German catalogue:\n  "
            + "\n  ".join(repr(m) for _, m in missing)
        )
    if stale:
        problems.append(
            "strings in the German catalogue that the source no longer has:\n  "
            + "\n  ".join(repr(m) for _, m in stale)
        )
    if plural_changed:
        problems.append(f"plural forms changed: {plural_changed}")
    assert not problems, (
        "\n".join(problems) + "\nRun makemessages (see this module's docstring), translate, "
        "then compilemessages."
    )


# -- (c) placeholders ------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"%\((?P<named>[^)]+)\)[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"  # %(name)s
    r"|(?P<percent>%%)"  # a literal percent sign
    r"|(?P<positional>%[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa])"  # %s, %d
    r"|(?P<brace>\{[^{}\s]*\})"  # {name}, {0}, {}
)


def placeholders(text: str) -> tuple[frozenset[str], Counter]:
    named, positional = set(), Counter()
    for m in _PLACEHOLDER.finditer(text):
        if m.group("named"):
            named.add(m.group(0))
        elif m.group("brace"):
            named.add(m.group("brace"))
        elif m.group("positional"):
            positional[m.group("positional")] += 1
    return frozenset(named), positional


def test_translations_keep_every_placeholder(catalogue):
    _, entries = catalogue
    wrong = []
    for entry in entries:
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        expected_named = frozenset().union(*(placeholders(s)[0] for s in sources))
        expected_positional = placeholders(entry.msgid)[1]
        for translation_ in entry.translations:
            if not translation_:
                continue  # reported by the completeness test
            named, positional = placeholders(translation_)
            # A plural's singular may drop the count (German "ein Beitrag"), never add a name.
            named_ok = named == expected_named or (
                entry.msgid_plural is not None and named <= expected_named
            )
            if not named_ok or positional != expected_positional:
                wrong.append(
                    f"{entry}: expected {sorted(expected_named)} {dict(expected_positional)}, "
                    f"got {sorted(named)} {dict(positional)} in {translation_!r}"
                )
    assert not wrong, "placeholders differ:\n  " + "\n  ".join(wrong)


def test_german_quotation_marks(catalogue):
    """German text quotes „so“, not “so” or ”so”."""
    _, entries = catalogue
    wrong = [
        f"{e}: {s!r}"
        for e in entries
        for s in e.translations
        if "”" in s or re.search(r"(^|[\s(])“", s)
    ]
    assert not wrong, "use „…“ in German:\n  " + "\n  ".join(wrong)


# -- the compiled catalogue ------------------------------------------------------------------------


def test_compiled_mo_matches_the_po(catalogue):
    """The committed .mo is what Django loads (the wheel ships it): it must hold the .po."""
    _, entries = catalogue
    assert MO_FILE.is_file(), f"{MO_FILE} is missing: run compilemessages"
    with MO_FILE.open("rb") as fh:
        compiled = gnu_gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    expected = {}
    for e in entries:
        if "fuzzy" in e.flags or not all(e.translations):
            continue  # msgfmt leaves these out; the completeness test reports them
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            expected[key] = e.msgstr[0]
        else:
            for index, text in e.msgstr.items():
                expected[(key, index)] = text
    compiled = {k: v for k, v in compiled.items() if k != ""}
    differ = sorted(
        (repr(k) for k in expected.keys() | compiled.keys() if expected.get(k) != compiled.get(k)),
    )
    assert not differ, (
        "django.mo is out of date with django.po (run compilemessages):\n  " + "\n  ".join(differ)
    )


# -- (d) behaviour: Django actually serves the German text -----------------------------------------


def test_model_labels_render_in_german():
    from wagtail_crosspost.models import Channel, Publication

    with translation.override("de"):
        assert str(Channel._meta.verbose_name) == "Social-Media-Kanal"
        assert str(Channel._meta.verbose_name_plural) == "Social-Media-Kanäle"
        assert str(Publication.Status.UNKNOWN.label) == "Unbekannt – bitte prüfen"
        assert str(Publication.Status.PENDING.label) == "In Warteschlange"
    with translation.override("en"):
        assert str(Channel._meta.verbose_name) == "social channel"


def test_delivery_reconnect_message_renders_in_german(monkeypatch):
    """The sentence stored on a held publication, produced by the real code path."""
    from wagtail_crosspost.outbox import delivery, pacing

    stored: dict = {}

    class Rows:
        def filter(self, **kwargs):
            return self

        def update(self, **kwargs):
            stored.update(kwargs)
            return 1

    monkeypatch.setattr(pacing, "Publication", SimpleNamespace(objects=Rows()))
    row = SimpleNamespace(pk=1, channel=SimpleNamespace(name="Firmenkonto"))
    with translation.override("de"):
        delivery._hold_for_reconnect(row)
    assert stored["error"] == (
        "Wartet: Der Kanal „Firmenkonto“ muss unter Einstellungen → Social-Media-Kanäle neu "
        "verbunden werden. Danach wird der Beitrag gesendet."
    )

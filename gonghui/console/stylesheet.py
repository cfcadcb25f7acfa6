"""The console's stylesheet: unfold's compiled Tailwind (330 KB) with its utilities cut to those
the console's sources name (issue #14, page weight).

unfold ships every utility its own templates use plus a safelist of some 2,600 more (margins,
paddings and colours at every step, for projects' own templates): 240 KB of the file. A utility
rule is kept when each class in one of its selectors is named somewhere in the sources a console
page is made of: unfold's templates, Python and scripts (and those of unfold.contrib.filters,
the contrib app the project installs), Django's admin templates and scripts and its form
widgets, and the project's own templates, Python and console scripts (Tailwind generated them
the same way, from names written out in full). Everything outside ``@layer utilities`` is kept
whole (see :func:`purge_utilities`). The result is ``static/console/unfold.css``, linked by
templates/unfold/layouts/skeleton.html instead of unfold's file.

A template that starts using a utility the file lacks would lose its style silently, so
gonghui/console/tests/test_stylesheet.py rebuilds the file in memory and fails when it differs
from the one on disk: ``python manage.py build_console_css`` writes it again (also after
upgrading unfold).
"""

from __future__ import annotations

import re
from pathlib import Path

import django
import unfold
from django.conf import settings

UNFOLD = Path(unfold.__file__).resolve().parent
DJANGO = Path(django.__file__).resolve().parent
SOURCE = UNFOLD / "static" / "unfold" / "css" / "styles.css"
OUTPUT = Path(settings.BASE_DIR) / "static" / "console" / "unfold.css"
HEADER = (
    "/* unfold {version}'s styles.css cut to the classes the console's sources name: "
    "gonghui/console/stylesheet.py. Regenerate with `python manage.py build_console_css`. */\n"
)

# (folder, glob) pairs of the files a console page is made of
SOURCES = (
    (UNFOLD, "templates/**/*.html"),
    (UNFOLD, "*.py"),
    (UNFOLD, "templatetags/*.py"),
    (UNFOLD, "static/unfold/js/**/*.js"),
    # Django's admin scripts add their own classes (the date and time shortcuts, the
    # time-zone warning, the selected row), and its forms' widget templates
    (DJANGO / "contrib" / "admin", "static/admin/js/**/*.js"),
    (DJANGO / "contrib" / "admin", "templates/**/*.html"),
    (DJANGO / "contrib" / "admin", "*.py"),
    (DJANGO / "contrib" / "admin", "templatetags/*.py"),
    (DJANGO / "forms", "**/*.html"),
    (DJANGO / "forms", "*.py"),
    (UNFOLD, "contrib/filters/**/*.html"),
    (UNFOLD, "contrib/filters/**/*.py"),
    (Path(settings.BASE_DIR), "templates/**/*.html"),
    (Path(settings.BASE_DIR), "gonghui/**/*.html"),
    (Path(settings.BASE_DIR), "gonghui/**/*.py"),
    (Path(settings.BASE_DIR), "static/console/*.js"),
)

# Words between spaces, quotes and markup; the second keeps the quotes and brackets of
# arbitrary values such as after:content-['check\_small'] (the ticked box's mark).
_TOKENS = (re.compile(r"[^\s\"'`<>={}]+"), re.compile(r"[^\s\"<>{}]+"))
_CLASS = re.compile(r"\.((?:\\.|[\w-])+)")
_ESCAPE = re.compile(r"\\(.)")


def source_tokens() -> set[str]:
    """Every whitespace/quote-separated word of the sources (class names among them)."""
    tokens: set[str] = set()
    for folder, pattern in SOURCES:
        for path in sorted(folder.glob(pattern)):
            if "tests" in path.relative_to(folder).parts:
                continue
            text = path.read_text(encoding="utf-8", errors="ignore")
            for words in _TOKENS:
                tokens.update(words.findall(text))
    return tokens


def _past_string(css: str, i: int) -> int:
    """Index just past the string whose opening quote is at ``i`` (escapes respected)."""
    quote, i, n = css[i], i + 1, len(css)
    while i < n and css[i] != quote:
        i += 2 if css[i] == "\\" else 1
    return i + 1


def _scan(css: str, i: int, stops: str) -> int:
    """Index of the first character of ``stops`` at or after ``i``, outside strings and
    escapes (``len(css)`` when there is none)."""
    n = len(css)
    while i < n:
        ch = css[i]
        if ch == "\\":
            i += 2
        elif ch in "\"'":
            i = _past_string(css, i)
        elif ch in stops:
            return i
        else:
            i += 1
    return n


def _block_end(css: str, start: int) -> int:
    """Index just past the ``}`` closing the block whose ``{`` is at ``start``."""
    depth, i = 0, start
    while True:
        i = _scan(css, i, "{}")
        if i >= len(css):
            raise ValueError("unbalanced braces in the stylesheet")
        depth += 1 if css[i] == "{" else -1
        i += 1
        if depth == 0:
            return i


def _prelude_end(css: str, start: int) -> int:
    """Index of the ``{`` or ``;`` ending the prelude that starts at ``start``."""
    return _scan(css, start, "{;")


def _split_selectors(prelude: str) -> list[str]:
    out, depth, current, i = [], 0, [], 0
    while i < len(prelude):
        ch = prelude[i]
        if ch == "\\":
            current.append(prelude[i : i + 2])
            i += 2
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    out.append("".join(current))
    return out


def _used(selector: str, tokens: set[str]) -> bool:
    return all(_ESCAPE.sub(r"\1", name) in tokens for name in _CLASS.findall(selector))


KEEP_WHOLE = ("@property", "@keyframes", "@font-face", "@import", "@charset")


def purge(css: str, tokens: set[str]) -> str:
    """``css`` without the style rules none of whose selectors the sources use."""
    out, i, n = [], 0, len(css)
    while i < n:
        if css[i].isspace():
            i += 1
            continue
        if css.startswith("/*", i):
            i = css.index("*/", i) + 2
            continue
        end = _prelude_end(css, i)
        prelude = css[i:end].strip()
        if end >= n or css[end] == ";":  # a statement: @layer a, b; @import …;
            out.append(css[i : end + 1])
            i = end + 1
            continue
        close = _block_end(css, end)
        body = css[end + 1 : close - 1]
        if prelude.startswith(KEEP_WHOLE):
            out.append(css[i:close])
        elif prelude.startswith("@"):
            inner = purge(body, tokens)
            if inner:
                out.append(f"{prelude}{{{inner}}}")
        else:
            kept = [s for s in _split_selectors(prelude) if _used(s, tokens)]
            if kept:
                out.append(f"{','.join(kept)}{{{body}}}")
        i = close
    return "".join(out)


def purge_utilities(css: str, tokens: set[str]) -> str:
    """``css`` with only its ``@layer utilities`` purged. The rest is kept whole: the theme and
    preflight, and the component rules for classes that scripts make up at run time (select2's
    ``select2-container--admin-autocomplete``, the calendar and clock boxes of Django's date
    shortcuts, simplebar, htmx), which no source names literally."""
    out, i, n = [], 0, len(css)
    while i < n:
        if css[i].isspace():
            out.append(css[i])
            i += 1
            continue
        if css.startswith("/*", i):
            end = css.index("*/", i) + 2
            out.append(css[i:end])
            i = end
            continue
        end = _prelude_end(css, i)
        if end >= n or css[end] == ";":
            out.append(css[i : end + 1])
            i = end + 1
            continue
        close = _block_end(css, end)
        prelude = css[i:end].strip()
        if prelude == "@layer utilities":
            out.append(f"{prelude}{{{purge(css[end + 1 : close - 1], tokens)}}}")
        else:
            out.append(css[i:close])
        i = close
    return "".join(out)


def build() -> str:
    """The console's stylesheet as it should be on disk."""
    from importlib.metadata import version

    css = SOURCE.read_text(encoding="utf-8")
    return HEADER.format(version=version("django-unfold")) + purge_utilities(css, source_tokens())

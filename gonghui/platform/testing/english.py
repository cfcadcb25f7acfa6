"""Find English a Chinese user would read on a page, and walk a site's pages to look for it.

``english_in(html)`` reads what a user sees or hears: the text outside ``<script>``,
``<style>`` and icon ligatures (``<span class="material-symbols-outlined">search</span>`` is
drawn as a magnifier), and the ``title``, ``aria-label``, ``placeholder`` and ``alt``
attributes and the labels of ``<input type="submit">`` buttons. A word counts as English when
it is two or more Latin letters, not part of a code (anything with a digit, ``_``, ``@``,
``/``, ``.`` or ``:`` in it: ids, usernames, file names, URLs, ``GB/T``) and not in the
allowlist the caller passes (product names and abbreviations people use in Chinese too, such
as "PDF" or "Excel").

``walk(client, seeds, prefix)`` visits every seed, and one page per URL name (with its
non-numeric arguments, such as a step's name) among the links it finds: it follows the links of
each page that stay under ``prefix``, drops query strings, and skips a link whose URL name it
has already seen (the change page of one object per model, one history page, ...). Error
pages count as pages: a 403 or 404 must be Chinese too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.urls import Resolver404, resolve

_SKIPPED_TAGS = {"script", "style", "code", "kbd", "samp", "pre", "textarea"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
# Words people use in Chinese too: abbreviations, units, formats and product names (the
# walk tests' allowlist).
ALLOWED = {
    "ID",  # 身份证 ID, 对象 ID
    "PDF",
    "Excel",
    "CSV",
    "QR",
    "API",
    "REST",
    "SMS",
    "URL",
    "EN",  # the language switch
    "English",  # the language switch names English in English
    "TOTP",
    "HTML",
    "JSON",
    "Word",
    "WPS",
    "xlsx",
    "xls",
    "csv",
    "gonghui",  # the product's name
    "Google",  # authenticator apps named on the second-factor setup page
    "Microsoft",
    "Authenticator",
    "FreeOTP",
    "MB",
    "KB",
    "PNG",
    "SVG",
    "JPEG",
    "zh",  # language codes in the language menu (ZH-HANS, EN)
    "hans",
    "en",
}

_READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
_CHUNK = re.compile(r"[A-Za-z0-9_.@/:+#&%'’-]+")
_CODE_MARKS = re.compile(r"[0-9_@/.:#&%+]")
_WORD = re.compile(r"[A-Za-z]{2,}")


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        icon = any(c.startswith("material-symbols") or c == "material-icons" for c in classes)
        skipped = tag in _SKIPPED_TAGS or icon
        if not self._skipping() and not skipped:
            for name in _READ_ATTRIBUTES:
                if attributes.get(name):
                    self.texts.append(attributes[name])
            if tag == "input" and (attributes.get("type") or "").lower() in {
                "submit",
                "button",
                "reset",
            }:
                if attributes.get("value"):
                    self.texts.append(attributes["value"])
        if tag not in _VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if data.strip() and not self._skipping():
            self.texts.append(data)


def english_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    allowed = set(allowed)
    words = []
    for chunk in _CHUNK.findall(text):
        if _CODE_MARKS.search(chunk):
            continue
        words.extend(w for w in _WORD.findall(chunk) if w not in allowed)
    return words


def english_in(html: str, allowed: Iterable[str] = ()) -> list[str]:
    """The pieces of text on the page (collapsed, at most 100 characters each) that hold
    English words outside ``allowed``."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    found = []
    for text in reader.texts:
        if english_words(text, allowed):
            piece = " ".join(text.split())[:100]
            if piece not in found:
                found.append(piece)
    return found


def _page_key(path: str) -> str | None:
    """The URL name and its non-numeric arguments: ``/application/7/step/verify/`` and
    ``/application/9/step/verify/`` are one page, ``step/approve/`` another."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    words = sorted(f"{k}={v}" for k, v in match.kwargs.items() if not str(v).isdigit())
    return " ".join([match.view_name or match._func_path, *words])


def walk(client, seeds: Iterable[str], prefix: str, *, skip=(), limit: int = 600):
    """Yield ``(path, response)`` for one page per URL name reachable from ``seeds``.

    A link is followed when it stays under ``prefix`` and starts with none of ``skip``."""
    seeds = list(seeds)
    queue = list(seeds)
    seen_keys: set[str] = set()
    seen_paths: set[str] = set()
    visited = 0
    while queue and visited < limit:
        path = queue.pop(0)
        if path in seen_paths:
            continue
        seen_paths.add(path)
        key = _page_key(path) or path
        if key in seen_keys and path not in seeds:
            continue
        seen_keys.add(key)
        response = client.get(path)
        visited += 1
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        yield path, response
        if response.status_code != 200:
            continue
        for href in re.findall(r'href="([^"#]+)', response.content.decode()):
            target = urlsplit(urldefrag(urljoin(path, href.replace("&amp;", "&")))[0])
            if target.scheme or target.netloc:
                continue
            link = target.path
            if link.startswith(prefix) and not link.startswith(tuple(skip)):
                if link not in seen_paths:
                    queue.append(link)

"""Can a masked ID number be rebuilt from the rest of the same response? (issue #11)

A resident ID number is ``RRRRRR YYYYMMDD SSS C``: region (6 digits), birth date (8), sequence
(3; the last of them, the 17th digit, is odd for men and even for women) and a check character
(ISO 7064 MOD 11-2 over the first 17, one of 11 values). The masks (``platform.pii.masking``)
hide the birth date always: the detail mask ``110105********002X`` shows region, sequence and
check; the list mask ``1****************X`` only the first and the last character.

:func:`rebuilds` plays an attacker who is deliberately well informed:

* he knows the person's region code (the detail mask shows it; with the list mask, the union's
  district on the same page is a good guess) and gender (pages show it);
* every date, year-and-month, year or age written anywhere in the response is a guess at the
  birth date (a window of possible days);
* for a guess, he enumerates what the mask still hides and keeps the numbers whose check
  character fits.

If for some guess the true number is among at most ``LIMIT`` candidates, the response gives the
number away (a handful of candidates are tried in a search box in minutes).
"""

from __future__ import annotations

import html
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import product

from gonghui.platform.validators.idcard import id_check_char

LIMIT = 100
EARLIEST = date(1900, 1, 1)

# A masked 18-character number: digits, X and at least one mask character.
MASKED_ID = re.compile(r"(?<![0-9A-Za-z*])[0-9*]{17}[0-9Xx*](?![0-9A-Za-z*])")

_MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_Y = r"(?P<y>1[89]\d\d|20\d\d)"
_M = r"(?P<m>\d{1,2})"
_D = r"(?P<d>\d{1,2})"
_SEP = r"\s*[-/.年]\s*"
_DAY_PATTERNS = [
    # 1983-09-23, 1983/9/23, 1983.09.23, 1983年9月23日, 1983-09-23T10:00
    re.compile(rf"(?<!\d){_Y}{_SEP}{_M}\s*[-/.月]\s*{_D}(?!\d)"),
    # 19830923
    re.compile(rf"(?<!\d){_Y}(?P<m>\d\d)(?P<d>\d\d)(?!\d)"),
    # 23/09/1983 and 09/23/1983 (both readings are guesses)
    re.compile(rf"(?<!\d){_D}[/.]{_M}[/.]{_Y}(?!\d)"),
    re.compile(rf"(?<!\d){_M}[/.]{_D}[/.]{_Y}(?!\d)"),
    # Sept. 23, 1983 / September 23 1983 (Django's English date format)
    re.compile(rf"(?i)\b(?P<mn>[a-z]{{3,9}})\.?\s+{_D},?\s+{_Y}(?!\d)"),
    # 23 Sept 1983
    re.compile(rf"(?i)(?<!\d){_D}\s+(?P<mn>[a-z]{{3,9}})\.?,?\s+{_Y}(?!\d)"),
]
_MONTH_PATTERNS = [
    # 1983-09, 1983年9月, 198309
    re.compile(rf"(?<!\d){_Y}{_SEP}{_M}(?!\d)"),
    re.compile(rf"(?<!\d){_Y}(?P<m>\d\d)(?!\d)"),
    re.compile(rf"(?i)\b(?P<mn>[a-z]{{3,9}})\.?,?\s+{_Y}(?!\d)"),
]
_YEAR = re.compile(rf"(?<!\d){_Y}(?!\d)")
_AGE = re.compile(r"(?<!\d)(?P<a>\d{1,3})\s*(?:周岁|岁|years? old)|\"age\"\s*:\s*(?P<j>\d{1,3})")


@dataclass(frozen=True)
class Guess:
    """A window of possible birth dates, with the text it came from."""

    text: str
    first: date
    last: date


def _month(match) -> int | None:
    if "mn" in match.groupdict() and match.group("mn"):
        return _MONTHS.get(match.group("mn").lower())
    return int(match.group("m"))


def birth_guesses(text: str, today: date) -> list[Guess]:
    """Every date, month, year and age in ``text``, as windows of possible birth dates."""
    guesses: set[Guess] = set()

    def add(label, first, last):
        first, last = max(first, EARLIEST), min(last, today)
        if first <= last:
            guesses.add(Guess(label, first, last))

    for pattern in _DAY_PATTERNS:
        for match in pattern.finditer(text):
            month = _month(match)
            try:
                day = date(int(match.group("y")), month or 0, int(match.group("d")))
            except (TypeError, ValueError):
                continue
            add(match.group(0), day, day)
    for pattern in _MONTH_PATTERNS:
        for match in pattern.finditer(text):
            month, year = _month(match), int(match.group("y"))
            if month and 1 <= month <= 12:
                add(
                    match.group(0),
                    date(year, month, 1),
                    date(year, month, monthrange(year, month)[1]),
                )
    for match in _YEAR.finditer(text):
        year = int(match.group("y"))
        add(match.group(0), date(year, 1, 1), date(year, 12, 31))
    for match in _AGE.finditer(text):
        age = int(match.group("a") or match.group("j"))
        # Aged ``age`` today: born after today minus age+1 years, on or before minus age years.
        try:
            last = today.replace(year=today.year - age)
            first = today.replace(year=today.year - age - 1) + timedelta(days=1)
        except ValueError:  # 29 February
            last = date(today.year - age, 2, 28)
            first = date(today.year - age - 1, 3, 1)
        add(match.group(0), first, last)
    return sorted(guesses, key=lambda g: (g.first, g.last, g.text))


def matches(masked: str, number: str) -> bool:
    """Whether ``masked`` could be a mask of ``number`` (same length, same visible characters)."""
    return len(masked) == len(number) and all(
        m == "*" or m.upper() == n.upper() for m, n in zip(masked, number, strict=True)
    )


def candidates(masked: str, number: str, guess: Guess, *, limit: int = LIMIT) -> list[str] | None:
    """The numbers fitting ``masked`` with a birth date in ``guess``, for an attacker who knows
    ``number``'s region and gender; None when there are clearly more than ``limit``."""
    masked = masked.upper()
    region = number[:6]
    days = []
    day = guess.first
    while day <= guess.last:
        text = f"{day:%Y%m%d}"
        if all(m in ("*", c) for m, c in zip(masked[6:14], text, strict=True)):
            days.append(text)
        day += timedelta(days=1)
    gender_odd = int(number[16]) % 2
    choices = []
    for i in range(14, 17):
        if masked[i] != "*":
            choices.append([masked[i]])
        elif i == 16:
            choices.append([str(d) for d in range(10) if d % 2 == gender_odd])
        else:
            choices.append([str(d) for d in range(10)])
    sequences = ["".join(p) for p in product(*choices)]
    check_known = masked[17] != "*"
    estimate = len(days) * len(sequences) / (11 if check_known else 1)
    if estimate > 20 * limit:
        return None
    found = []
    for day_text in days:
        for sequence in sequences:
            body = region + day_text + sequence
            check = id_check_char(body)
            if check_known and check != masked[17]:
                continue
            found.append(body + check)
    return found


@dataclass(frozen=True)
class Rebuilt:
    masked: str
    number: str
    guess: str
    count: int

    def __str__(self) -> str:
        return (
            f"{self.masked} + {self.guess!r} leaves {self.count} candidate(s), "
            f"among them the stored number"
        )


def masked_ids(text: str) -> list[str]:
    return sorted({m.group(0) for m in MASKED_ID.finditer(text) if "*" in m.group(0)})


def rebuilds(text: str, numbers, today: date, *, limit: int = LIMIT) -> list[Rebuilt]:
    """Every stored number in ``numbers`` that ``text`` gives away: written out in full, or
    masked with enough around it to leave at most ``limit`` candidates."""
    text = html.unescape(text)
    found = []
    for number in numbers:
        if number.upper() in text.upper():
            found.append(Rebuilt(number, number, "(written out in full)", 1))
    masks = masked_ids(text)
    if not masks:
        return found
    guesses = birth_guesses(text, today)
    for masked in masks:
        for number in numbers:
            if len(number) != 18 or not matches(masked, number):
                continue
            born = number[6:14]
            best = None
            for guess in guesses:
                if not f"{guess.first:%Y%m%d}" <= born <= f"{guess.last:%Y%m%d}":
                    continue
                options = candidates(masked, number, guess, limit=limit)
                if options is not None and len(options) <= limit and number in options:
                    if best is None or len(options) < best.count:
                        best = Rebuilt(masked, number, guess.text, len(options))
            if best is not None:
                found.append(best)
    return found

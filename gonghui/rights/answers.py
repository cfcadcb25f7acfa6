"""问答库: the hotline's answers to common questions, filed under the ticket categories.

The operator keeps the table in the console (every change an audited action). On a call about
a 问题咨询 she finds an answer (by words of the question, the answer or its keywords) and closes
the ticket at intake with it: the declared ``answer_close`` transition records the answer as
the reply the worker reads on her ticket page, and the ticket as resolved and closed the day it
was received (closed on time).
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.platform.workflow.base import ActionError, action
from gonghui.rights.choices import CONSULTATION
from gonghui.rights.models import KnowledgeAnswer, TicketCategory

SEARCH_LIMIT = 20


def in_use():
    return KnowledgeAnswer.objects.filter(active=True, category__active=True).select_related(
        "category", "category__parent"
    )


def consultation_answers():
    """The answers an operator may close a 问题咨询 with: those filed under the consultation
    category or one of its subcategories."""
    return in_use().filter(Q(category__code=CONSULTATION) | Q(category__parent__code=CONSULTATION))


def search(term: str, qs=None):
    """Answers whose question, answer or keywords hold every word of ``term``."""
    qs = consultation_answers() if qs is None else qs
    for word in (term or "").split()[:5]:
        qs = qs.filter(
            Q(question__icontains=word) | Q(answer__icontains=word) | Q(keywords__icontains=word)
        )
    return qs


def answer_choices(widget=None) -> list:
    """The answers grouped by category, for a select; an :class:`AnswerSelect` ``widget`` is
    given each answer's words, which the search box above it filters on."""
    groups: dict[str, list] = {}
    words = {}
    for a in consultation_answers():
        groups.setdefault(str(a.category), []).append((a.pk, a.question))
        words[a.pk] = " ".join((a.question, a.keywords, str(a.category), a.answer[:200]))
    if isinstance(widget, AnswerSelect):
        widget.words = words
    return [("", "---------")] + list(groups.items())


class AnswerSelect(forms.Select):
    """The answer select, each option carrying the words the search box matches
    (``data-words``; see ``rights/admin/answer_search.html``)."""

    words: dict = {}

    class Media:
        js = ["rights/answer_search.js"]

    def __init__(self, attrs=None, choices=()):
        attrs = {
            "data-answer-search": _("Search the knowledge base: words of the question"),
            **(attrs or {}),
        }
        super().__init__(attrs, choices)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        words = self.words.get(getattr(value, "value", value))
        if words:
            option["attrs"]["data-words"] = words
        return option


def answer_of(value) -> KnowledgeAnswer:
    if isinstance(value, KnowledgeAnswer):
        return value
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = None
    found = consultation_answers().filter(pk=pk).first() if pk else None
    if found is None:
        raise ActionError(
            _("Choose an answer of the knowledge base that is in use."), code="invalid_answer"
        )
    return found


def _clean(category, question, answer, keywords):
    if not isinstance(category, TicketCategory):
        category = TicketCategory.objects.filter(pk=getattr(category, "pk", category)).first()
    if category is None or not category.active:
        raise ActionError(_("Choose a category from the list."), code="invalid_category")
    fields = {}
    for name, value, limit, required in (
        ("question", question, 200, True),
        ("answer", answer, 2000, True),
        ("keywords", keywords, 200, False),
    ):
        value = " ".join((value or "").split()) if name != "answer" else (value or "").strip()
        if required and not value:
            raise ActionError(_("This field is required."), code="required")
        if len(value) > limit:
            raise ActionError(
                _("At most %(limit)d characters."), code="too_long", params={"limit": limit}
            )
        fields[name] = value
    return category, fields


@action("rights.add_answer", permission="rights.add_knowledgeanswer")
def add_answer(ctx, *, category, question, answer, keywords="", active=True):
    category, fields = _clean(category, question, answer, keywords)
    row = KnowledgeAnswer.objects.create(category=category, active=bool(active), **fields)
    ctx.wrote(row, details={"category": category.code})
    return row


@action("rights.change_answer", permission="rights.change_knowledgeanswer")
def change_answer(ctx, *, row, category, question, answer, keywords="", active=True):
    row = KnowledgeAnswer.objects.select_for_update().get(pk=row.pk)
    category, fields = _clean(category, question, answer, keywords)
    row.category = category
    row.active = bool(active)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    ctx.wrote(row, details={"category": category.code, "active": row.active})
    return row

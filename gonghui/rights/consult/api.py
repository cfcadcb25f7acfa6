"""Legal consultations on the API (/api/v1/consult/consultations/): the consultations the
caller may read (staff: their scope; a lawyer: her firm's, the partner scope; a worker: her
own), one with its thread and ``allowed_transitions``, ``ask`` for a worker, and one endpoint
per declared transition (``POST …/{consultation_id}/{name}``: assign, answer, follow_up, rate,
to_ticket). The worker's name and phone are masked; the question and the thread are the
answering lawyer's working text and are returned in the detail only."""

from datetime import date, datetime

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.platform.api.pagination import CursorPagination, LazyPage
from gonghui.platform.pii.masking import mask_name, mask_phone
from gonghui.platform.workflow.schemas import AllowedTransition
from gonghui.platform.workflow.transitions import add_transition_routes
from gonghui.rights.consult import actions, deadlines
from gonghui.rights.consult.choices import Author, ConsultState, ConvertedTo, Topic
from gonghui.rights.consult.models import Consultation
from gonghui.rights.consult.workflows import consultation_states

router = Router(tags=["Legal consultations"])


class ConsultationOut(Schema):
    id: int
    number: str
    topic: Topic
    state: ConsultState
    org_id: int
    org_name: str
    agency_name: str
    worker_name: str = Field(description="Masked")
    worker_phone: str = Field(description="Masked")
    asked_at: datetime
    answer_due_on: date | None = Field(description="The answer's due day (null: not waiting)")
    overdue: bool


class MessageOut(Schema):
    author: Author
    text: str
    at: datetime


class ConsultationDetail(ConsultationOut):
    question: str
    messages: list[MessageOut]
    rating: str
    rating_comment: str
    converted_to: ConvertedTo | str
    converted_number: str
    allowed_transitions: list[AllowedTransition]


class ConsultationFilter(Schema):
    state: ConsultState | None = None
    overdue: bool | None = None


class AskIn(Schema):
    topic: Topic
    question: str = Field(..., min_length=1, max_length=actions.QUESTION_LIMIT)


def _visible(user):
    """A worker reads her own; staff and lawyers through ``restrict`` (the partner scope)."""
    if getattr(user, "kind", "") == "member":
        qs = Consultation.objects.own(user)
    else:
        qs = Consultation.objects.restrict(user, "view")
    return qs.select_related("org", "agency")


def _row(c: Consultation) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "topic": c.topic,
        "state": c.state,
        "org_id": c.org_id,
        "org_name": c.org.name,
        "agency_name": c.agency.name if c.agency_id else "",
        "worker_name": mask_name(c.worker_name),
        "worker_phone": mask_phone(c.worker_phone),
        "asked_at": c.asked_at,
        "answer_due_on": deadlines.answer_due(c),
        "overdue": deadlines.answer_status(c) == "overdue",
    }


def _detail(c: Consultation, user) -> dict:
    return {
        **_row(c),
        "question": c.question,
        "messages": [
            {"author": m.author, "text": m.text, "at": m.at}
            for m in c.messages.order_by("at", "id")
        ],
        "rating": c.rating,
        "rating_comment": c.rating_comment,
        "converted_to": c.converted_to,
        "converted_number": c.converted_number,
        "allowed_transitions": consultation_states.describe(c, user, "api"),
    }


def _load(request, consultation_id: int) -> Consultation:
    found = _visible(request.user).filter(pk=consultation_id).first()
    if found is None:
        raise Http404
    return found


@router.get("", response=list[ConsultationOut], summary="Legal consultations you may read")
@paginate(CursorPagination, ordering=("-asked_at", "-id"))
def list_consultations(request, filters: Query[ConsultationFilter]):
    qs = _visible(request.user).order_by("-asked_at", "-id")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.overdue is not None:
        late = deadlines.overdue(qs)
        qs = late if filters.overdue else qs.exclude(pk__in=late.values("pk"))
    return LazyPage(qs, _row)


@router.get("/{int:consultation_id}", response=ConsultationDetail, summary="One consultation")
def get_consultation(request, consultation_id: int):
    return _detail(_load(request, consultation_id), request.user)


@router.post("", response={201: ConsultationDetail}, summary="Ask a question (a worker)")
def ask_consultation(request, payload: AskIn):
    from gonghui.members.models import Person

    person = Person.objects.filter(user=request.user).first()
    consultation = actions.ask(
        actor=request.user, person=person, topic=payload.topic, question=payload.question
    )
    return Status(201, _detail(_load(request, consultation.pk), request.user))


add_transition_routes(
    router,
    consultation_states,
    id_param="consultation_id",
    load=_load,
    respond=lambda request, c: _detail(c, request.user),
    response={200: ConsultationDetail},
)

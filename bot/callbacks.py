"""Callback data of the buttons. Short prefixes: Telegram allows 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class BookingAction(CallbackData, prefix="bk"):
    """A button on a booking: cancel | resched | confirm (attendance)."""

    action: str
    booking_id: int


class LanguagePick(CallbackData, prefix="lang"):
    code: str


class ConsentAnswer(CallbackData, prefix="consent"):
    agreed: bool


class GroupToggle(CallbackData, prefix="grp"):
    code: str  # a priority group, or "done"


class SkipStep(CallbackData, prefix="skip"):
    step: str


class DoctorPick(CallbackData, prefix="doc"):
    provider_id: int


class ServicePick(CallbackData, prefix="svc"):
    code: str  # a catalog code, or "more" / "less"


class DayPick(CallbackData, prefix="day"):
    value: str  # today | tomorrow | week | pick | YYYY-MM-DD


class PartOfDayPick(CallbackData, prefix="pod"):
    value: str  # morning | afternoon | any


class ModalityPick(CallbackData, prefix="mod"):
    value: str


class SlotPick(CallbackData, prefix="slot"):
    slot_id: int


class OfferNav(CallbackData, prefix="nav"):
    action: str  # other_times | call_me


class Answer(CallbackData, prefix="ans"):
    """A yes/no read-back: topic is contract | booking | cancel | delete | transcript."""

    topic: str
    yes: bool


class SettingsAction(CallbackData, prefix="set"):
    action: str  # language | voice | export | delete | profile


class EmergencyAck(CallbackData, prefix="sos"):
    event_id: int


class ProviderAction(CallbackData, prefix="pv"):
    """A provider's button on a booking: accept | propose | decline | done | noshow,
    and back (the decision buttons again)."""

    action: str
    booking_id: int


class DeclineReason(CallbackData, prefix="dr"):
    """Why a provider cannot take a booking (one of actions.care.DECLINE_REASONS)."""

    booking_id: int
    reason: str


class DecisionConfirm(CallbackData, prefix="dc"):
    """The read-back of a provider's decision: decline (with its reason), done or
    no-show. The booking and the provider are checked again when it is tapped."""

    booking_id: int
    action: str
    reason: str = ""


class ProposalPick(CallbackData, prefix="pp"):
    """A provider picks a proposed time, or a resident takes it. The button names the
    stored proposal only: its booking and slot are read from the database."""

    proposal_id: int
    by: str  # provider | resident


class CallbackDone(CallbackData, prefix="cbd"):
    callback_id: int


class RatingPick(CallbackData, prefix="rate"):
    """A star on a stored rating request (its id, never the booking's)."""

    request_id: int
    score: int  # 1..5, 0 = skip the comment


class TriageAnswer(CallbackData, prefix="tri"):
    """The answer to "is this an emergency now?" after a possible red flag."""

    emergency: bool


# ---------------------------------------------------------------------------- chronic care


class PlanPick(CallbackData, prefix="cp"):
    """A slot offered for a care plan item (slot 0: choose another time). The item and
    the slot are checked again when tapped."""

    item_id: int
    slot_id: int


class GuidanceStart(CallbackData, prefix="gd"):
    """A provider answers a reading review with guidance."""

    review_id: int


class FollowUpDone(CallbackData, prefix="fud"):
    call_id: int


class HealthAction(CallbackData, prefix="hl"):
    """chart (bp | glucose), for a resident or a linked elder (0 = oneself)."""

    action: str
    elder_id: int = 0


class FamilyAction(CallbackData, prefix="fam"):
    """link | code | relation (with value) | allow | deny | revoke (asks first) | unlink
    (its confirmation) | keep | alerts_on | alerts_off | book | health; `link_id` names a
    stored link (0 when none), always checked against the person tapping."""

    action: str
    link_id: int = 0
    value: str = ""


class ClassAction(CallbackData, prefix="cls"):
    """sign | confirm | cancel | wait, on a group session (or a sign-up for cancel)."""

    action: str
    target_id: int


class WaitlistJoin(CallbackData, prefix="wlj"):
    """Join the line for a fully booked slot (the service is kept in the state)."""

    slot_id: int


class WaitlistAnswer(CallbackData, prefix="wla"):
    entry_id: int
    take: bool


class AttendMark(CallbackData, prefix="att"):
    signup_id: int

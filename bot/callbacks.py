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

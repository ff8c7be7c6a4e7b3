"""The provider workbench (医护端工作台): today's agenda and the week, pending requests
with accept / propose another time / decline, done and no-show, open call-backs and
follow-ups, and a resident's booking history.

Each answer calls the same domain function as the bot's buttons (actions/care.py) with
the same notifier, so the resident gets the same bot message whichever end the provider
used, and a booking answered in one end is closed in the other. Anything irreversible
(decline, done, no-show) is read back first. A provider acts only on their own
bookings; the domain checks again."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from aiohttp import web

from actions import care
from actions.booking import get_booking, provider_bookings
from actions.callbacks import mark_callback_done
from actions.models import Booking, Slot
from actions.oversight import (
    callbacks,
    follow_ups,
    get_resident_by_id,
    is_providers_resident,
    pending_requests,
    resident_history,
)
from bot.format import format_date, format_when
from bot.web.auth import (
    WebUser,
    back_to,
    ctx_of,
    db,
    lang_of,
    provider_only,
    refused,
    render,
    user_of,
)

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

CONFIRMABLE = ("decline", "done", "noshow")


def _helpers(request: web.Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    lang = lang_of(request)
    now = ctx.clock()
    return {
        "fmt_when": lambda moment: format_when(ctx.i18n, lang, moment, ctx.tz),
        "fmt_time": lambda moment: moment.astimezone(ctx.tz).strftime("%H:%M"),
        "service_name": lambda code: ctx.catalog.get(code).name(lang) if code in ctx.catalog else code,
        "age": lambda resident: (now.astimezone(ctx.tz).year - resident.birth_year) if resident.birth_year else None,
        "now": now,
    }


async def _own_booking(request: web.Request) -> Booking | web.Response:
    """The booking named in the path, if this user may see it (staff: any)."""
    user = user_of(request)
    booking = await get_booking(db(request), int(request.match_info["booking_id"]))
    if booking is None:
        return refused(request, "web-refused-not-found", status=404)
    if not user.is_staff and (user.provider is None or booking.provider_id != user.provider.id):
        log.warning("web: provider %s refused on booking %s", user.provider.id if user.provider else None, booking.id)
        return refused(request, "web-refused-not-yours")
    return booking


@routes.get("/workbench")
@provider_only
async def workbench(request: web.Request) -> web.StreamResponse:
    ctx = ctx_of(request)
    user = user_of(request)
    provider = user.provider
    assert provider is not None
    session = db(request)
    now = ctx.clock()
    today = now.astimezone(ctx.tz).date()
    start = datetime.combine(today, time(0), ctx.tz)
    week = await provider_bookings(session, provider_id=provider.id, start=start, end=start + timedelta(days=7))
    days: list[tuple[str, list[Booking]]] = []
    for offset in range(7):
        day = today + timedelta(days=offset)
        items = [b for b in week if b.starts_at.astimezone(ctx.tz).date() == day]
        if offset == 0 or items:
            days.append((format_date(ctx.i18n, lang_of(request), day), items))
    context = {
        "provider": provider,
        "pending": await pending_requests(session, provider_id=provider.id, now=now),
        "today": days[0],
        "week": days[1:],
        "callbacks": [c for c in await callbacks(session, provider_id=provider.id) if c.status == "open"],
        "follow_ups": await follow_ups(session, provider_id=provider.id, limit=20),
        **_helpers(request),
    }
    return render(request, "workbench.html", context)


@routes.get("/bookings/{booking_id:\\d+}")
async def booking_page(request: web.Request) -> web.StreamResponse:
    booking = await _own_booking(request)
    if isinstance(booking, web.Response):
        return booking
    context = {"booking": booking, "decline_reasons": care.DECLINE_REASONS, **_helpers(request)}
    return render(request, "booking.html", context)


def _provider_id(user: WebUser) -> int:
    assert user.provider is not None
    return user.provider.id


@routes.post("/bookings/{booking_id:\\d+}/accept")
@provider_only
async def accept(request: web.Request) -> web.StreamResponse:
    booking = await _own_booking(request)
    if isinstance(booking, web.Response):
        return booking
    ctx = ctx_of(request)
    try:
        await care.accept(
            db(request), booking_id=booking.id, provider_id=_provider_id(user_of(request)), clock=ctx.clock,
            notifier=ctx.notifier,
        )  # fmt: skip
    except care.NotProvidersBooking:
        return refused(request, "web-refused-not-yours")
    except care.BookingClosed:
        raise back_to(f"/bookings/{booking.id}", "web-notice-closed") from None
    raise back_to("/workbench", "web-notice-accepted")


@routes.get("/bookings/{booking_id:\\d+}/confirm/{action}")
@provider_only
async def confirm_page(request: web.Request) -> web.StreamResponse:
    """The read-back before an answer that cannot be taken back."""
    booking = await _own_booking(request)
    if isinstance(booking, web.Response):
        return booking
    action = request.match_info["action"]
    if action not in CONFIRMABLE:
        return refused(request, "web-refused-not-found", status=404)
    reason = request.query.get("reason")
    if action == "decline" and reason not in care.DECLINE_REASONS:
        reason = None
    context = {"booking": booking, "action": action, "reason": reason, "decline_reasons": care.DECLINE_REASONS,
               "started": booking.starts_at <= ctx_of(request).clock(), **_helpers(request)}  # fmt: skip
    return render(request, "confirm.html", context)


@routes.post("/bookings/{booking_id:\\d+}/{action:(decline|done|noshow)}")
@provider_only
async def decide(request: web.Request) -> web.StreamResponse:
    booking = await _own_booking(request)
    if isinstance(booking, web.Response):
        return booking
    ctx = ctx_of(request)
    action = request.match_info["action"]
    provider_id = _provider_id(user_of(request))
    form = await request.post()
    try:
        if action == "decline":
            reason = str(form.get("reason", "other"))
            await care.decline(
                db(request), booking_id=booking.id, provider_id=provider_id, clock=ctx.clock, reason=reason,
                notifier=ctx.notifier,
            )  # fmt: skip
            notice = "web-notice-declined"
        else:
            await care.mark_outcome(
                db(request), booking_id=booking.id, provider_id=provider_id, clock=ctx.clock,
                outcome="done" if action == "done" else "no_show", notifier=ctx.notifier,
            )  # fmt: skip
            notice = "web-notice-done" if action == "done" else "web-notice-noshow"
    except care.NotProvidersBooking:
        return refused(request, "web-refused-not-yours")
    except care.VisitNotStarted:
        raise back_to(f"/bookings/{booking.id}", "web-notice-not-started") from None
    except care.BookingClosed:
        raise back_to(f"/bookings/{booking.id}", "web-notice-closed") from None
    raise back_to("/workbench", notice)


@routes.get("/bookings/{booking_id:\\d+}/propose")
@provider_only
async def propose_page(request: web.Request) -> web.StreamResponse:
    """The provider's own next free times that fit, as in the bot."""
    booking = await _own_booking(request)
    if isinstance(booking, web.Response):
        return booking
    ctx = ctx_of(request)
    session = db(request)
    try:
        proposals = await care.propose_times(
            session, booking_id=booking.id, provider_id=_provider_id(user_of(request)), catalog=ctx.catalog,
            clock=ctx.clock, tz=ctx.tz,
        )  # fmt: skip
    except care.NotProvidersBooking:
        return refused(request, "web-refused-not-yours")
    except care.BookingClosed:
        raise back_to(f"/bookings/{booking.id}", "web-notice-closed") from None
    times = [(p, await session.get(Slot, p.slot_id)) for p in proposals]
    context = {"booking": booking, "times": times, **_helpers(request)}
    return render(request, "propose.html", context)


@routes.post("/proposals/{proposal_id:\\d+}/offer")
@provider_only
async def offer(request: web.Request) -> web.StreamResponse:
    ctx = ctx_of(request)
    try:
        await care.offer_proposal(
            db(request), proposal_id=int(request.match_info["proposal_id"]), provider_id=_provider_id(user_of(request)),
            clock=ctx.clock, notifier=ctx.notifier,
        )  # fmt: skip
    except care.NotProvidersBooking:
        log.warning("web: provider %s refused on proposal %s", _provider_id(user_of(request)), request.match_info["proposal_id"])
        return refused(request, "web-refused-not-yours")
    except care.BookingClosed:
        raise back_to("/workbench", "web-notice-closed") from None
    raise back_to("/workbench", "web-notice-proposed")


@routes.post("/callbacks/{callback_id:\\d+}/done")
@provider_only
async def callback_done(request: web.Request) -> web.StreamResponse:
    ctx = ctx_of(request)
    done = await mark_callback_done(
        db(request), callback_id=int(request.match_info["callback_id"]), provider_id=_provider_id(user_of(request)),
        clock=ctx.clock,
    )  # fmt: skip
    raise back_to("/workbench", "web-notice-callback-done" if done else "web-notice-already-done")


@routes.get("/residents/{resident_id:\\d+}")
async def resident_page(request: web.Request) -> web.StreamResponse:
    user = user_of(request)
    session = db(request)
    resident_id = int(request.match_info["resident_id"])
    resident = await get_resident_by_id(session, resident_id)
    if resident is None:
        return refused(request, "web-refused-not-found", status=404)
    provider_id = None if user.is_staff else _provider_id(user)
    if provider_id is not None and not await is_providers_resident(session, provider_id=provider_id, resident_id=resident_id):
        log.warning("web: provider %s refused on resident %s", provider_id, resident_id)
        return refused(request, "web-refused-not-yours")
    history = await resident_history(session, resident_id=resident_id, provider_id=provider_id)
    context = {"resident": resident, "history": history, **_helpers(request)}
    return render(request, "resident.html", context)

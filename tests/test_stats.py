"""The quality numbers behind `jiayi stats`, /stats and the dashboard: the seed's
measures against their targets, filters, the trend, and the readable table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from actions.booking import book, record_request
from actions.care import accept, mark_outcome, rate
from actions.community import seed_demo
from actions.matching import MatchRequest, match
from actions.models import Provider, RatingRequest
from actions.stats import Filters, format_report, quality_report, quality_trend
from tests.conftest import TZ, make_resident


async def _history(session, clock, catalog) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Four requests (three in words, two understood; three offered a time), two
    bookings with Dr Wang answered after 2 h and 30 h, rated 5 and 2."""
    await seed_demo(session, clock=clock, tz=TZ, horizon_days=14)
    for n, (channel, understood, offered) in enumerate(
        (("text", True, 3), ("voice", True, 2), ("text", False, 0), ("buttons", None, 4))
    ):
        moment = clock() - timedelta(days=3 - n)
        await record_request(session, resident_id=None, service_code="bp_check", channel=channel, urgency="routine",
                             offered=offered, understood=understood, clock=lambda moment=moment: moment)  # fmt: skip
    wang = (await session.scalars(select(Provider).where(Provider.code == "dr_wang"))).one()
    ids = []
    for n, answer_after in enumerate((2, 30)):
        resident = await make_resident(session, 800 + n, clock)
        start = clock() + timedelta(days=1)
        offers = await match(session, resident_id=resident.id, request=MatchRequest("bp_check", start, start + timedelta(days=2), "clinic"),
                             catalog=catalog, clock=clock, tz=TZ)  # fmt: skip
        slot = next(o for o in offers.offers if o.provider_id == wang.id and o.slot_id not in ids)
        booking = await book(session, resident_id=resident.id, slot_id=slot.slot_id, service_code="bp_check", clock=clock)
        ids.append(booking.id)
        answered = clock() + timedelta(hours=answer_after)
        await accept(session, booking_id=booking.id, provider_id=wang.id, clock=lambda answered=answered: answered)
    clock.advance(days=3)
    for booking_id, score in zip(ids, (5, 2), strict=True):
        await mark_outcome(session, booking_id=booking_id, provider_id=wang.id, outcome="done", clock=clock)
        from actions.models import Booking

        booking = await session.get(Booking, booking_id)
        from actions.care import create_rating_request

        await create_rating_request(session, booking=booking, clock=clock)
        await session.commit()
        request = (await session.scalars(select(RatingRequest).where(RatingRequest.booking_id == booking_id))).one()
        await rate(session, request_id=request.id, resident_id=booking.resident_id, score=score, channel="buttons", clock=clock)
    return ids[0], ids[1]


async def test_the_measures_against_their_targets_with_filters_and_trend(sessionmaker, clock) -> None:
    from actions.catalog import load_catalog

    async with sessionmaker() as session:
        await _history(session, clock, load_catalog())
        since, until = clock() - timedelta(days=30), clock()
        report = await quality_report(session, since=since, until=until)
        assert (report.requests, report.requests_in_words, report.requests_understood) == (4, 3, 2)
        assert report.identification_rate == round(2 / 3, 4)
        assert report.match_rate == 0.75
        assert (report.bookings, report.done, report.ratings, report.low_ratings) == (2, 2, 2, 1)
        assert report.mean_response_hours == 16.0 and report.median_response_minutes == 960.0
        assert report.answered_within_24h == 0.5
        assert report.satisfaction == 0.5 and report.open_follow_ups == 1
        met = {i["key"]: i["met"] for i in report.indicators}
        assert met == {"identification": False, "matching": False, "response": True, "satisfaction": False}
        assert report.by_provider["dr_wang"]["ratings"] == 2 and report.by_service["bp_check"]["bookings"] == 2

        # A provider filter: their bookings and ratings; requests have no provider.
        chen = await quality_report(session, since=since, until=until, filters=Filters(provider="dr_chen"))
        assert (chen.bookings, chen.ratings, chen.requests, chen.identification_rate) == (0, 0, 0, None)
        team = await quality_report(session, since=since, until=until, filters=Filters(team="team_1"))
        assert team.bookings == 2 and team.requests == 0  # the requests above name no resident
        other = await quality_report(session, since=since, until=until, filters=Filters(service="vaccination"))
        assert other.bookings == 0 and other.requests == 0

        trend = await quality_trend(session, since=clock() - timedelta(days=7), until=clock(), tz=TZ)
        assert len(trend) == 8 and [p.start for p in trend] == sorted(p.start for p in trend)
        assert sum(p.requests for p in trend) == 4 and sum(p.ratings for p in trend) == 2
        assert trend[-1].satisfaction == 0.5
        weekly = await quality_trend(session, since=clock() - timedelta(days=90), until=clock(), tz=TZ)
        assert all(p.start.weekday() == 0 for p in weekly) and sum(p.bookings for p in weekly) == 2

    table = format_report(report.as_dict())
    lines = table.splitlines()
    assert any(line.startswith("needs identified from the words") and "66.7 %" in line and "≥ 90 %" in line
               and line.rstrip().endswith("MISSED") for line in lines)  # fmt: skip
    assert any(line.startswith("provider response, mean hours") and "16.0 h" in line and line.rstrip().endswith("met")
               for line in lines)  # fmt: skip
    assert "by provider" in lines and any(line.startswith("dr_wang") for line in lines)


def test_jiayi_stats_prints_a_table_and_json(tmp_path) -> None:
    env = {**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}, "STATE_DIR": str(tmp_path)}
    table = subprocess.run([sys.executable, "-m", "bot.cli", "stats", "--days", "7"], env=env, capture_output=True,
                           text=True, timeout=120)  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert "measure" in table.stdout and "satisfied (4-5 stars)" in table.stdout and "no data" in table.stdout
    data = subprocess.run([sys.executable, "-m", "bot.cli", "stats", "--json", "--provider", "dr_wang"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    report = json.loads(data.stdout)
    assert report["filters"] == {"provider": "dr_wang"} and [i["key"] for i in report["indicators"]] == [
        "identification", "matching", "response", "satisfaction",
    ]  # fmt: skip

"""`jiayi bench load`'s plumbing: a short run at a low rate through the real bot,
every update answered, no apology, and the doctors' notices timed."""

from __future__ import annotations

from bot.bench.load import bench_load
from tests.harness import SHARED_NLU_CACHE


async def test_a_short_load_run_answers_everything(tmp_path) -> None:
    lines: list[str] = []
    result = await bench_load(
        rate=8, seconds=4, residents=40, workers=1, warmup=1, grace=15, in_process=True, log=lines.append,
        nlu_cache_dir=SHARED_NLU_CACHE, web_enabled=False,
    )  # fmt: skip
    detail = result.pop("_detail")
    assert set(result) == {"offered", "achieved", "p50_ms", "p95_ms", "p99_ms", "errors", "unanswered",
                           "provider_notice_p95_s"}  # fmt: skip
    assert result["errors"] == 0 and result["unanswered"] == 0, (result, detail)
    assert detail["updates"] > 10 and detail["taps"] > 0
    assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert any("measuring" in line for line in lines)

"""/stats for the centre's staff: the quality report as a short message in their
language, each of the seed's measures against its target first."""

from __future__ import annotations

from actions.stats import TARGETS, QualityReport, format_target, format_value
from bot.i18n import I18n


def render_report(report: QualityReport, i18n: I18n, lang: str, *, days: int, provider_names: dict[str, str]) -> str:
    t = i18n.translator(lang)
    targets = {target.key: target for target in TARGETS}
    lines = [t("stats-title", days=str(days))]
    for ind in report.indicators:
        icon = "⚪" if ind["met"] is None else "✅" if ind["met"] else "❌"
        value = format_value(ind["key"], ind["value"]) if ind["value"] is not None else t("web-no-data")
        lines.append(t("stats-indicator", icon=icon, name=t(f"web-ind-{ind['key']}"), value=value,
                       target=format_target(targets[ind["key"]])))  # fmt: skip
    mean = f"{report.mean_rating:.1f}" if report.mean_rating is not None else "—"
    lines += [
        "",
        t("stats-counts", requests=str(report.requests), bookings=str(report.bookings), done=str(report.done),
          noshows=str(report.no_shows)),
        t("stats-ratings", ratings=str(report.ratings), mean=mean, low=str(report.low_ratings)),
        t("stats-open", followups=str(report.open_follow_ups), callbacks=str(report.open_callbacks),
          unanswered=str(report.unanswered_past_24h)),
    ]  # fmt: skip
    if report.by_provider:
        lines += ["", t("stats-by-provider")]
        for code, row in report.by_provider.items():
            row_mean = f"{row['mean_rating']:.1f}" if row["mean_rating"] is not None else "—"
            lines.append(t("stats-provider-line", name=provider_names.get(code, code), bookings=str(row["bookings"]),
                           ratings=str(row["ratings"]), mean=row_mean))  # fmt: skip
    return "\n".join(lines)

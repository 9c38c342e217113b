"""The short plain-text version of the announcement, for the commune's loudspeaker (loa truyền thanh)."""

from __future__ import annotations

from bot.documents import labels
from bot.i18n import Translator
from bot.reports.figures import local_day


def loudspeaker(report, t: Translator) -> str:
    f = report.figures
    meeting = local_day(report.dialogue.meeting_at, t.timezone)
    lines = [
        t("Announcement from %(body)s.", body=report.commune.documents.official_name),
        t("On %(date)s, the leaders of %(commune)s held a direct dialogue with the residents.",
          date=t.date(meeting), commune=report.commune.name(t.locale)),
        t.n("The chair concluded on %(count)d concern: %(answered)d answered at the meeting, %(assigned)d assigned "
            "to a body to resolve within the time the law sets, %(referred)d referred to a higher level or another "
            "body, %(declined)d not accepted, with the reason.",
            "The chair concluded on %(count)d concerns: %(answered)d answered at the meeting, %(assigned)d assigned "
            "to a body to resolve within the time the law sets, %(referred)d referred to a higher level or another "
            "body, %(declined)d not accepted, with the reason.", sum(f.conclusions.values()),
            count=sum(f.conclusions.values()), answered=f.conclusions["answered"], assigned=f.conclusions["assigned"],
          referred=f.conclusions["referred"], declined=f.conclusions["not_accepted"]),
        t("The full announcement is posted at the commune's headquarters and the hamlets' halls. Residents who sent "
          "a concern receive its answer in writing."),
    ]
    return "\n".join(lines) + "\n"

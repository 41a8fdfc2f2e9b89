"""The workforce section of the station file: staffing against the profile, and each worker's
certificate deadline."""

from .compliance import certificate_verdict, station_staffing, workers_at
from .models import SocialWorker


def station_section(*, station, actor, on) -> dict:
    staffing = station_staffing(station, on)
    visible = SocialWorker.objects.visible_to(actor).filter(pk__in=workers_at(station, on).values("pk"))
    workers = [
        (
            worker,
            certificate_verdict(
                certified=worker.is_certified, took_post_on=worker.took_post_on, today=on, policy=staffing.policy
            ),
        )
        for worker in visible.order_by("name")
    ]
    return {"staffing": staffing, "station_workers": workers}

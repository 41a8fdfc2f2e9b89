"""Browser libraries installed by the project (``package.json``, ``npm ci`` in ``scripts/bootstrap``),
served as our own static files: never from a CDN.

Only the files the pages use are published (``static/vendor/…``), not the whole 50 MB of a
package's ``dist`` folder, which ``collectstatic`` would otherwise hash and compress on every
deployment. Without ``node_modules`` (npm missing) the files are simply absent: the dashboards
then show their tables without charts (:func:`asset_url` answers ``None``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"

# static path -> file under node_modules
FILES = {
    "vendor/echarts/echarts.common.min.js": "echarts/dist/echarts.common.min.js",
    "vendor/echarts/LICENSE": "echarts/LICENSE",
    "vendor/echarts/NOTICE": "echarts/NOTICE",
}
ECHARTS = "vendor/echarts/echarts.common.min.js"


class VendorFinder(BaseFinder):
    """A staticfiles finder for :data:`FILES` (listed in ``STATICFILES_FINDERS``)."""

    def check(self, **kwargs):
        return []

    def _source(self, path: str) -> Path | None:
        name = FILES.get(path)
        if name is None:
            return None
        source = NODE_MODULES / name
        return source if source.is_file() else None

    def find(self, path, find_all=False, **kwargs):
        source = self._source(path)
        if source is None:
            return [] if find_all else None
        return [str(source)] if find_all else str(source)

    def list(self, ignore_patterns):
        for path in FILES:
            source = self._source(path)
            if source is None:
                continue
            storage = FileSystemStorage(location=str(source.parent))
            storage.prefix = str(Path(path).parent)  # collectstatic and WhiteNoise put the file there
            yield source.name, storage


@cache
def _available(path: str) -> bool:
    from django.contrib.staticfiles import finders

    return bool(finders.find(path))


def asset_url(path: str = ECHARTS) -> str | None:
    """The URL of a vendored file, or None when it is not installed (no ``node_modules``)."""
    from django.templatetags.static import static

    try:
        url = static(path)  # the manifest storage raises ValueError for a file it does not hold
    except ValueError:
        return None
    from django.conf import settings

    if "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"] and not settings.DEBUG:
        return url  # in the manifest: collected
    return url if _available(path) else None  # served by the finders

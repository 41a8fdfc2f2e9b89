"""A report's figures: the KPI engine's scorecard, frozen as JSON, with the words the documents use.

The snapshot is taken in the language of the documents (Chinese): it is what the county official
reads, and it must read the same whoever opens it later.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone, translation

from shegong.monitoring import kpi
from shegong.monitoring.periods import Period

from .models import Kind

KIND_ZH = {Kind.MONTHLY: "月报", Kind.QUARTERLY: "季报", Kind.HALF_YEAR: "半年报", Kind.ANNUAL: "年报"}
KIND_NAME_ZH = {Kind.MONTHLY: "工作月报", Kind.QUARTERLY: "工作季报", Kind.HALF_YEAR: "工作报告", Kind.ANNUAL: "工作报告"}
QUARTERS_ZH = {1: "一", 2: "二", 3: "三", 4: "四"}
STATUS_ZH = {"met": "已达标", "on_track": "进度正常", "lagging": "滞后", "no_target": "无目标"}

# The months' series the documents show, with their Chinese headings.
SERIES_ZH = (
    ("visits", "入户走访（次）"),
    ("registered", "新登记对象（人）"),
    ("cases_opened", "新开个案（个）"),
    ("groups_valid", "有效小组（个）"),
    ("activities", "社区活动（次）"),
    ("publicity", "政策宣传（次）"),
    ("training_hours", "培训时长（小时）"),
    ("supervision_hours", "督导时长（小时）"),
)


def period_zh(period: Period) -> str:
    """``2026年10月`` · ``2026年第三季度`` · ``2026年上半年`` · ``2026年度``."""
    key = period.key
    year = period.start.year
    if "-Q" in key:
        return f"{year}年第{QUARTERS_ZH[int(key[-1])]}季度"
    if "-H" in key:
        return f"{year}年{'上' if key.endswith('1') else '下'}半年"
    if "-" not in key:
        return f"{year}年度"
    if ".." not in key:
        return f"{year}年{period.start.month}月"
    return f"{period.start:%Y年%m月}至{period.end:%Y年%m月}"


def title_for(kind: str, place_name: str, period: Period) -> str:
    """``海城市社会工作服务站2026年10月工作月报`` · ``…2026年第三季度工作季报`` · ``…2026年上半年工作报告``
    · ``…2026年度工作报告``."""
    return f"{place_name}社会工作服务站{period_zh(period)}{KIND_NAME_ZH[kind]}"


def take(*, kind: str, region, period: Period, contract=None, today: date | None = None) -> dict:
    """The scorecard of ``contract`` (an operator report) or of ``region`` (a place report) for
    ``period``, as JSON, with what the documents need to name it. The caller checks permissions."""
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        if contract is not None:
            card = kpi.contract_scorecard(contract, period, today=today)
        else:
            card = kpi.scorecard(region.code, period, today=today)
        data = card.as_dict()
    data["report"] = {
        "kind": str(kind),
        "kind_zh": KIND_ZH[kind],
        "period_zh": period_zh(period),
        "place": {"code": region.code, "name": region.name},
        "operator": {"id": contract.operator_id, "name": contract.operator.name} if contract is not None else None,
        "contract": {"id": contract.pk, "number": contract.number} if contract is not None else None,
        "taken_at": timezone.localtime().isoformat(timespec="seconds"),
    }
    return data

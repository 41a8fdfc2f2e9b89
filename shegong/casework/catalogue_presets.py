"""Service catalogues (服务清单) of the seed programmes, keyed like the policy presets.

Each preset: ``label`` and ``domains``, a list of ``(code, name, kind, items)`` where ``kind`` is
"must" (必做), "optional" (选做) or "" and ``items`` is a list of ``(code, name, description)``.
Names are transcribed from the seeds in ``../shared/seeds``. Where a seed lists services as prose,
each service it names is one item (the comment at each preset says how it was split).

``services_catalogue.apply_catalogue_preset`` writes a preset under a policy profile; items are
matched by code, so applying a preset again adds only what is missing.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# 海城市 (seed 001, "二、服务内容"): three services that must be provided (应当开展) and three the
# station may choose (自主选择). Each numbered paragraph is a domain; each service the paragraph
# names (separated by 、 and ，in the seed) is an item, grouped where the seed groups them for one
# population ("心理辅导、康复救助、监护救助" for minors).
HAICHENG = [
    ("HC-1", "社会救助服务", "must", [
        ("HC-1.1", "主动排查发现困难家庭", ""),
        ("HC-1.2", "申请社会救助家庭状况入户走访调查评估", "对申请社会救助家庭状况入户走访调查评估。"),
        ("HC-1.3", "救助对象复核、排查建档", "复核、排查建档工作。"),
        ("HC-1.4", "社会救助对象信息管理", ""),
        ("HC-1.5", "城乡低保和特困供养等救助政策宣传咨询", ""),
        ("HC-1.6", "救助资源链接", "为社会救助对象提供救助资源链接。"),
        ("HC-1.7", "生活照料", "为社会救助对象提供生活照料。"),
        ("HC-1.8", "心理疏导", "为社会救助对象提供心理疏导。"),
        ("HC-1.9", "协助开展特困供养人员生活自理能力评估", ""),
    ]),
    ("HC-2", "儿童福利服务", "must", [
        ("HC-2.1", "孤儿、事实无人抚养儿童、农村留守儿童入户探访", ""),
        ("HC-2.2", "儿童福利政策宣传", ""),
        ("HC-2.3", "儿童权益维护", ""),
        ("HC-2.4", "儿童健康教育", ""),
    ]),
    ("HC-3", "养老服务", "must", [
        ("HC-3.1", "老年人健康服务", "对特困供养、农村留守、建档立卡等老年人群体开展健康服务。"),
        ("HC-3.2", "精神慰藉", ""),
        ("HC-3.3", "危机干预", ""),
        ("HC-3.4", "社会支持", ""),
        ("HC-3.5", "社区参与", ""),
        ("HC-3.6", "老年人权益保障", ""),
        ("HC-3.7", "链接养老资源，开展敬老助老服务",
         "统筹链接社区养老服务设施、医疗卫生服务机构、涉老社会组织和服务性企业等资源，开展敬老助老服务。"),
    ]),
    ("HC-4", "参与基层治理服务", "optional", [
        ("HC-4.1", "发展壮大志愿者队伍", "围绕一核三圈发展壮大志愿者队伍。"),
        ("HC-4.2", "支持和培育志愿服务组织、社区社会组织", ""),
        ("HC-4.3", "根据居民需求设计、承接和实施服务项目", ""),
        ("HC-4.4", "推动“五社联动”", "推动社区、社会组织、社会工作者、社区志愿者和社会慈善资源五社联动。"),
    ]),
    ("HC-5", "参与社会事务服务", "optional", [
        ("HC-5.1", "婚姻、殡葬、流浪乞讨救助管理政策法规宣传", ""),
        ("HC-5.2", "倡导婚俗、殡葬改革，引导文明节俭办红白事", ""),
        ("HC-5.3", "婚前辅导、婚姻家庭辅导", ""),
        ("HC-5.4", "流浪乞讨救助对象心理疏导、教育矫治", ""),
        ("HC-5.5", "残疾人需求评估、心理辅导、能力提升、资源链接", "对符合条件的残疾人开展。"),
    ]),
    ("HC-6", "完善儿童福利服务", "optional", [
        ("HC-6.1", "未成年人心理辅导、康复救助、监护救助", "为有需求的未成年人提供。"),
        ("HC-6.2", "涉案未成年人心理干预、法律援助、社会调查、教育矫治", "参与涉及相关案件中未成年人的服务。"),
        ("HC-6.3", "协助开展农村留守妇女关爱服务", ""),
    ]),
]

# Hainan (seed 002): the seed is a news report. It names the five domains of the province's
# 《社工站服务清单》 and says they hold 30 services, but does not list the 30. The items below are
# six per domain, taken from the services the report names (入户走访、探访建档、一人一档、宣传民政
# 政策、心理疏导、资源链接、能力提升、生计发展、精神健康、社区融入、"社工人才+志愿者"、五社联动)
# and completed with the usual services of each domain: an assumption to be checked against the
# province's published list. A bureau edits them in the catalogue editor.
HAINAN = [
    ("HN-1", "社会救助", "", [
        ("HN-1.1", "困难群众入户走访、探访建档（一人一档）", ""),
        ("HN-1.2", "协助救助对象家庭状况核查", ""),
        ("HN-1.3", "社会救助政策宣传", ""),
        ("HN-1.4", "救助对象心理疏导", ""),
        ("HN-1.5", "救助资源链接", ""),
        ("HN-1.6", "能力提升与生计发展", ""),
    ]),
    ("HN-2", "养老服务", "", [
        ("HN-2.1", "特困、独居、留守老年人探访", ""),
        ("HN-2.2", "老年人精神慰藉", ""),
        ("HN-2.3", "老年人生活照料协助", ""),
        ("HN-2.4", "养老服务政策宣传", ""),
        ("HN-2.5", "养老服务资源链接", ""),
        ("HN-2.6", "老年人社区参与", ""),
    ]),
    ("HN-3", "儿童关爱保护", "", [
        ("HN-3.1", "困境儿童、留守儿童探访建档", ""),
        ("HN-3.2", "儿童安全与健康教育", ""),
        ("HN-3.3", "儿童心理疏导", ""),
        ("HN-3.4", "儿童关爱保护政策宣传", ""),
        ("HN-3.5", "监护支持与家庭教育指导", ""),
        ("HN-3.6", "儿童关爱资源链接", ""),
    ]),
    ("HN-4", "城乡社区建设", "", [
        ("HN-4.1", "“社工+志愿者”志愿服务队伍培育", ""),
        ("HN-4.2", "社区社会组织培育", ""),
        ("HN-4.3", "“五社联动”资源链接平台", ""),
        ("HN-4.4", "社区融入服务", ""),
        ("HN-4.5", "精神健康社区服务", ""),
        ("HN-4.6", "社区活动组织", ""),
    ]),
    ("HN-5", "社会事务", "", [
        ("HN-5.1", "婚姻家庭辅导", ""),
        ("HN-5.2", "婚俗和殡葬改革政策宣传", ""),
        ("HN-5.3", "流浪乞讨人员救助服务", ""),
        ("HN-5.4", "残疾人需求评估与资源链接", ""),
        ("HN-5.5", "民政政策宣传咨询", ""),
        ("HN-5.6", "特殊群体心理疏导", ""),
    ]),
]

# Jiangsu (seed 004, 附件《江苏省乡镇(街道)社工站专业服务指导清单》): every item as listed, with the
# seed's own description.
JIANGSU = [
    ("JS-1", "基础服务", "", [
        ("JS-1.1", "政策宣传", "向群众宣传党和政府的惠民、利民政策，让群众了解养老、救助、儿童福利、婚姻、殡葬等民生政策、经办流程。"),
        ("JS-1.2", "需求评估", "为辖区群众开展专业化需求评估，以家庭为单位建立居民需求档案，形成需求清单。"),
        ("JS-1.3", "资源评估", "以辖区内社区为单位，评估慈善、志愿服务等资源，建立资源库，促进服务供需对接。居民需求档案、社区资源库应每年更新一次。"),
    ]),
    ("JS-2", "兜底服务", "", [
        ("JS-2.1", "社会救助社会工作兜底服务",
         "协助开展对困难群众的家庭经济状况调查评估、建档访视、需求分析和社会救助工作绩效评价等事务，为救助对象提供心理支持、资源链接、能力提升、社会融入等服务。"),
        ("JS-2.2", "养老服务社会工作兜底服务",
         "为独居、空巢、留守、失能（失智）、计划生育特殊家庭等特殊困难老年人开展入户探访、心理社会支持、资源链接、关系调适、社会参与等服务。"),
        ("JS-2.3", "儿童关爱保护社会工作兜底服务",
         "参加未成年人保护工作，参与困境儿童家庭随访、核查评估，为困境儿童、留守儿童等特殊儿童及其家庭提供亲职教育、法制宣传、安全健康教育、心理社会支持、家庭功能提升、社会融入、资源链接等服务。"),
        ("JS-2.4", "残障人士社会工作兜底服务",
         "协助开展“两项补贴”政策宣传、精神障碍社区康复服务，为困难残疾人等开展入户走访、心理社会支持、社会融入、技能提升等服务。"),
        ("JS-2.5", "婚姻家庭社会工作兜底服务", "开展婚姻家庭辅导，预防家庭暴力等事件发生，为受到家庭暴力侵害的人员及时提供危机介入服务。"),
    ]),
    ("JS-3", "增能服务", "", [
        ("JS-3.1", "社区治理服务",
         "协助村（居）委会推动基层民主协商，引导村（居）民参与村（居）自治，提升社区自治能力；通过各类服务活动，增强社区关系网络建设，营造良好社区氛围。"),
        ("JS-3.2", "社区慈善服务", "弘扬慈善文化，链接慈善资源，培育社区基金会等慈善组织，开展慈善救助。"),
        ("JS-3.3", "社区志愿服务", "培育社区志愿者队伍，开展志愿者培训、督导等工作，推动社工+慈善+志愿服务融合发展。"),
        ("JS-3.4", "社区社会组织培育服务", "为乡镇（街道）、村（居）培育发展社区社会组织，提供专业支持、基础管理等服务。"),
    ]),
    ("JS-4", "其他服务", "", [
        ("JS-4.1", "其他服务", "各地可根据实际需求，开展其他服务。"),
    ]),
]

CATALOGUE_PRESETS = {
    "haicheng": {"label": _("海城市 must-do and optional services (seed 001)"), "domains": HAICHENG},
    "hainan": {"label": _("Hainan's five service domains (seed 002)"), "domains": HAINAN},
    "jiangsu": {"label": _("Jiangsu's professional service list (seed 004)"), "domains": JIANGSU},
}


def preset_choices() -> list[tuple[str, str]]:
    """``[(key, label), …]`` for a form or a command's help."""
    return [(key, preset["label"]) for key, preset in CATALOGUE_PRESETS.items()]

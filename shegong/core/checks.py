"""Deployment checks of our own: `shegong check --deploy` fails while the demo relaxations are on."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def second_factor_not_relaxed(app_configs, **kwargs):
    if settings.SHEGONG_RELAX_SECOND_FACTOR:
        return [
            Error(
                "SHEGONG_RELAX_SECOND_FACTOR is on: bureau and administrator accounts may sign in "
                "without a second factor. 演示设置未关闭：局端和管理员账号可跳过二次验证。",
                hint="Unset SHEGONG_RELAX_SECOND_FACTOR in production.",
                id="shegong.E001",
            )
        ]
    return []

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


@register(Tags.security, deploy=True)
def field_keys_configured(app_configs, **kwargs):
    from .crypto import keyring

    if keyring().derived:
        return [
            Error(
                "SHEGONG_DATA_KEYS and SHEGONG_INDEX_KEYS are not both set: personal data would be encrypted "
                "with keys derived from SECRET_KEY. 未配置个人信息加密密钥，当前密钥由 SECRET_KEY 派生。",
                hint="Generate keys with `shegong keys generate` and set both variables in production.",
                id="shegong.E002",
            )
        ]
    return []

"""Masked display forms of sensitive values: enough to recognise a person, not to misuse the number."""


def mask_id_number(value: str) -> str:
    """``210381199001011234`` -> ``210381********1234`` (region kept, birth date hidden)."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``; a landline keeps its last four digits only."""
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]

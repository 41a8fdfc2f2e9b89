"""Reading a request body through a serializer, the one way every API endpoint does it."""


def validated(serializer_class, data, **kwargs) -> dict:
    """The validated data of ``data`` read by ``serializer_class``; an invalid body raises DRF's
    ValidationError, which the problem-details handler answers as a 400 naming the fields."""
    payload = serializer_class(data=data, **kwargs)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)

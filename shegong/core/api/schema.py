"""OpenAPI post-processing: every operation documents its problem-details error answers."""

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "title", "status"],
}


def add_problem_responses(result, generator, request, public):
    """Add 400/401/403/404/405 problem answers to every operation of the schema, and 415 to every
    operation that takes a body (a body of another type, or a multipart body that cannot be parsed)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    answer = {"content": {"application/problem+json": {"schema": ref}}}
    descriptions = {
        "400": "The request is not valid",
        "401": "Not signed in",
        "403": "Not allowed",
        "404": "Not found (or outside your jurisdiction)",
        "405": "Method not allowed",
    }
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, text in descriptions.items():
                responses.setdefault(code, {"description": text, **answer})
            if "requestBody" in operation:
                responses.setdefault("415", {"description": "Unsupported media type, or a body that cannot be read", **answer})
    return result

"""Sections of the recipient file (一人一档) contributed by other parts of the system.

Each entry is ``(template_name, context_function)``; the file page renders them in order, calling
``context_function(request, recipient)`` for the template's context (return None to leave the
section out). Register from an ``AppConfig.ready()``:

    RECIPIENT_FILE_SECTIONS.append(("casework/_recipient_visits.html", visits_section))

Context functions must read only through ``visible_to`` and keep a constant number of queries.
"""

RECIPIENT_FILE_SECTIONS: list = []

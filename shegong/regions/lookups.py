"""``__under``: a region code and every code below it, e.g. ``region__code__under="210381"``.

Region codes nest by prefix (``21`` ⊃ ``2103`` ⊃ ``210381`` ⊃ ``210381001`` ⊃ ``210381001001``), so
"at or below a place" is a prefix match. Written as ``LIKE 'x%'`` it is indexed on PostgreSQL (Django
gives every indexed text column a ``varchar_pattern_ops`` index beside the plain one), but never on
SQLite, whose LIKE ignores case and so cannot use a binary index: a township's 1,700 recipients
among a county's 45,000 cost a scan of all of them. On SQLite the same condition is therefore
written as the range it is, ``code >= 'x' AND code < 'x' with its last character raised by one``
(binary order), which the index answers directly. Every scoped list uses it, through the one
scoping mechanism (``core.scoping``).
"""

from django.db.models import CharField, Lookup
from django.db.models.lookups import StartsWith


@CharField.register_lookup
class Under(Lookup):
    lookup_name = "under"
    prepare_rhs = False

    def _prefix(self):
        return self.rhs if isinstance(self.rhs, str) else None

    def as_sql(self, compiler, connection):
        return compiler.compile(StartsWith(self.lhs, self.rhs))

    def as_sqlite(self, compiler, connection):
        prefix = self._prefix()
        if prefix is None:
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if prefix == "":
            return f"{lhs} IS NOT NULL", list(lhs_params)
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, prefix, *lhs_params, upper]


@CharField.register_lookup
class Prefix(Under):
    """``name_initials__prefix="zs"``: the same indexed prefix match, for lower-case search keys
    (pinyin and initials are stored in lower case, and searches are lowered before they come here)."""

    lookup_name = "prefix"

"""Queries that a worker runs for every post, compiled to SQL once per database connection and
then run again with other values.

Turning a queryset with ``select_related`` into SQL costs more CPU than the rest of a delivery
(docs/benchmarks.md, "Where a delivery's time goes"). ``Prepared(build)`` calls ``build`` once per
connection with stand-in values, compiles the queryset, and notes where the stand-ins are among
the SQL parameters; ``run(*values)`` puts the real values there and lets Django's own model
iterable turn the rows into instances (related objects and annotations included). Anything
unexpected (a stand-in not found among the parameters) falls back to the plain queryset.
"""

from __future__ import annotations

import copy
import threading
import weakref
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable

#: Stand-in values: integers no primary key or site id takes, within every integer column's
#: range (a value out of range makes Django compile the condition as "never true").
_STAND_INS = tuple(-2_000_000_001 - i for i in range(4))


class _Compiled:
    def __init__(self, queryset: QuerySet, positions: list[tuple[int, int]] | None):
        self.db = queryset.db
        self.compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.positions = positions if positions is not None else self._find(self.params)

    @staticmethod
    def _find(params: list[Any]) -> list[tuple[int, int]]:
        return [
            (index, _STAND_INS.index(value))
            for index, value in enumerate(params)
            # PostgreSQL wraps some in its own int types (psycopg's Int4): kept when replaced.
            if isinstance(value, int) and not isinstance(value, bool) and value in _STAND_INS
        ]


class _Query:
    """What ``ModelIterable`` asks of a queryset's query: a compiler (the prepared one)."""

    def __init__(self, compiler):
        self._compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler


class _QuerySet:
    """What ``ModelIterable`` asks of a queryset: the prepared compiler as its query; anything
    else (``_fetch_mode`` since Django 6.1, and whatever a later Django reads) from the template
    queryset the SQL was compiled from."""

    def __init__(self, db: str, compiler, template: QuerySet):
        self.db = db
        self.query = _Query(compiler)
        self.model = template.model
        self._known_related_objects: dict = {}
        self._template = template

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_template"], name)


class Prepared:
    def __init__(self, build: Callable[..., QuerySet], arity: int = 1):
        self.build = build
        self.arity = arity
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._template: QuerySet | None = None

    def run(self, *values: Any) -> list[Any]:
        """The instances the queryset ``build(*values)`` returns."""
        if len(values) != self.arity or any(type(v) is not int for v in values):
            return list(self.build(*values))
        template = self._template
        if template is None:
            template = self._template = self.build(*_STAND_INS[: self.arity])
        connection = connections[template.db]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = _Compiled(template, None)
            if {which for _, which in compiled.positions} != set(range(self.arity)):
                return list(self.build(*values))  # not every value found: no shortcut
            with self._lock:
                self._compiled[connection] = compiled
        params = list(compiled.params)
        for index, which in compiled.positions:
            kind = type(params[index])
            params[index] = values[which] if kind is int else kind(values[which])
        compiler = copy.copy(compiled.compiler)
        sql = compiled.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        queryset: Any = _QuerySet(compiled.db, compiler, template)  # what it reads
        return list(ModelIterable(queryset))

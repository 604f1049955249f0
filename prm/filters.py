"""The one list path: the FilterSet base every app's filters derive from, the declared sort of a list, and the
list selector that applies scope, filters and sort for an actor.

Three rules are kept here so that no list can forget them:

- **An empty value is no filter.** A filter form sends every select, "Any" as `?status=`; the API takes the
  same query string. `?status=&kind=` gives exactly the rows of no parameter at all.
- **Out-of-range input is a 400, never a 500.** Numbers and related-object ids are bounded to what the database
  can compare (a 64-bit integer, a decimal column's digits), dates to a day inside Python's calendar, so
  `?tier=-749920236982043324448768` is a field error instead of an OverflowError deep in the database driver.
- **Related choices are scoped by the actor** (a User), not by the HTTP request: a partner picks among its own
  organization's rows, and a Celery job can build the same filterset as a page. A `queryset=` given to a
  model-choice filter is passed through `prm.tenancy.scope`; a callable receives the actor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import django_filters
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import QuerySet
from django.db.models.expressions import OrderBy
from django.http import QueryDict
from django.utils.choices import BaseChoiceIterator, normalize_choices
from django_filters import fields as filter_fields
from django_filters.filters import QuerySetRequestMixin
from rest_framework.filters import OrderingFilter

from prm import tenancy

if TYPE_CHECKING:
    from prm.accounts.models import User

M = TypeVar("M", bound=models.Model)

#: The largest integer every supported database compares (PostgreSQL bigint, SQLite INTEGER).
INT_LIMIT = 2**63 - 1

#: Digits a number filter takes: a 64-bit integer has 19; a money column 14 or so, with its decimals.
NUMBER_MAX_DIGITS = 40
#: Dates a filter takes: one day short of Python's limits, so a filter may add or take a day (and a time zone).
DATE_MIN = date(1, 1, 2)
DATE_MAX = date(9999, 12, 30)

_INTEGER_FIELDS = (models.IntegerField, models.AutoField, models.BigAutoField, models.SmallAutoField)


class FrozenChoices(BaseChoiceIterator):
    """A long, fixed list of choices (the countries) that every request's filterset and form share.

    Each request deep-copies its filters and its form's fields, and a plain list of choices is copied item by item
    each time: two copies of ~250 countries, a few milliseconds of every deal list page. These are built once and
    never change, so a copy is the same object; a form iterates and validates against them as against the list."""

    def __init__(self, choices: Iterable) -> None:
        self.choices = tuple(tuple(choice) for choice in normalize_choices(list(choices)))

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)

    def __copy__(self) -> FrozenChoices:
        return self

    def __deepcopy__(self, memo) -> FrozenChoices:
        return self


def without_empty(data: Mapping | None) -> QueryDict | None:
    """The query without blank values: `?status=&kind=a` → `?kind=a`; a list keeps only its non-blank items.

    A plain dict (a job's filters) becomes a QueryDict too, so `{"status": "approved"}` and
    `{"status": ["approved", "won"]}` both work for single- and multiple-choice filters."""
    if data is None:
        return None
    cleaned = QueryDict(mutable=True)
    for key in data:
        if isinstance(data, QueryDict):
            values = data.getlist(key)
        else:
            values = data[key] if isinstance(data[key], (list, tuple)) else [data[key]]
        values = [_as_text(v) for v in values if not _blank(v)]
        if values:
            cleaned.setlist(key, values)
    return cleaned


def _as_text(value: Any) -> str:
    if isinstance(value, models.Model):
        return str(value.pk)
    return value if isinstance(value, str) else str(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_integer_key(field, value) -> None:
    """Refuse an id the database cannot compare before it reaches the database driver (OverflowError)."""
    key = field.to_field_name or "pk"
    model_field = field.queryset.model._meta.pk if key == "pk" else field.queryset.model._meta.get_field(key)
    if isinstance(model_field, models.ForeignKey):
        model_field = model_field.target_field
    if not isinstance(model_field, _INTEGER_FIELDS) or value in field.empty_values:
        return
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return  # not a number at all: Django's own check answers "not a valid choice"
    if abs(number) > INT_LIMIT:
        raise ValidationError(
            "Select a valid choice. %(value)s is not one of the available choices.",
            code="invalid_choice",
            params={"value": value},
        )


class BoundedModelChoiceField(filter_fields.ModelChoiceField):
    def to_python(self, value):
        _check_integer_key(self, value)
        return super().to_python(value)


class BoundedModelMultipleChoiceField(filter_fields.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value if isinstance(value, (list, tuple, set, frozenset)) else [value]:
            _check_integer_key(self, item)
        return super()._check_values(value)


_BOUNDED_FIELDS = {
    filter_fields.ModelChoiceField: BoundedModelChoiceField,
    filter_fields.ModelMultipleChoiceField: BoundedModelMultipleChoiceField,
}


class FilterSet(django_filters.FilterSet):
    """The base of every FilterSet: drops empty values, bounds numbers and ids, scopes related choices by the actor.

    `actor` is the user the list is for; when the API builds the filterset it passes the request instead, and
    the actor is `request.user`."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, actor: User | None = None):
        super().__init__(without_empty(data), queryset, request=request, prefix=prefix)
        self.actor = actor if actor is not None else getattr(request, "user", None)
        for filter_ in self.filters.values():
            self._bound(filter_)
            if isinstance(filter_, QuerySetRequestMixin) and filter_.queryset is not None:
                filter_.queryset = self._scoped(filter_.queryset)

    def _scoped(self, queryset):
        if callable(queryset) and not isinstance(queryset, QuerySet):
            return queryset(self.actor)
        return tenancy.scope(queryset.all(), self.actor)

    def _bound(self, filter_: django_filters.Filter) -> None:
        if filter_.field_class in _BOUNDED_FIELDS:
            filter_.field_class = _BOUNDED_FIELDS[filter_.field_class]
        if isinstance(filter_, django_filters.DateFilter):
            # a day inside Python's calendar on both sides, so "before 9999-12-31" (the next midnight) computes
            filter_.extra.setdefault("validators", [MinValueValidator(DATE_MIN), MaxValueValidator(DATE_MAX)])
        if isinstance(filter_, django_filters.NumberFilter):
            limit = Decimal(INT_LIMIT)
            column = self._model_field(filter_.field_name)
            if isinstance(column, models.DecimalField):
                limit = Decimal(10) ** (column.max_digits - column.decimal_places) - 1
            filter_.extra.setdefault("min_value", -limit)
            filter_.extra.setdefault("max_value", limit)
            filter_.extra.setdefault("max_digits", NUMBER_MAX_DIGITS)  # 0.000…1 past what a numeric column holds

    def _model_field(self, path: str | None) -> models.Field | None:
        model = self.queryset.model
        column = None
        for part in (path or "").split("__"):
            try:
                column = model._meta.get_field(part)
            except FieldDoesNotExist:
                return None
            if column.is_relation and column.related_model is not None:
                model = column.related_model
        if column is not None and column.is_relation:
            column = getattr(column, "target_field", None)
        return column


def staff_users() -> QuerySet:
    """The vendor's people (staff roles and superusers): the choices of every "manager" or "owner" filter,
    scoped by the filterset like any other related choice."""
    from prm.accounts.models import User
    from prm.accounts.roles import STAFF_ROLES

    return User.objects.filter(models.Q(role__in=STAFF_ROLES) | models.Q(is_superuser=True))


# --- sort ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sorts:
    """The sort vocabulary of one list, the same for its page (`?sort=`) and its API endpoint (`?ordering=`, through
    `SortFilter`).

    `orders` maps each name to what it orders by (column names, `-` for descending, or order expressions);
    `-name` reverses a name unless it is declared itself. `aliases` keeps older names working (the column names
    the API took before: `?ordering=-expected_close_date` is `-close`). An unknown name falls back to `default`,
    as DRF ignores an unknown ordering."""

    orders: Mapping[str, tuple[str | OrderBy, ...]]
    default: str
    aliases: Mapping[str, str] = field(default_factory=dict)

    def declares(self, name: str | None) -> bool:
        name = self._canonical(name)
        return name in self.orders or name.lstrip("-") in self.orders

    def resolve(self, name: str | None) -> str:
        """The name that applies: `name` if it is declared (or its reverse is), else the default."""
        return self._canonical(name) if self.declares(name) else self.default

    def order_by(self, name: str | None) -> list[str | OrderBy]:
        name = self.resolve(name)
        if name in self.orders:
            return list(self.orders[name])
        return [_reversed(term) for term in self.orders[name.lstrip("-")]]

    @property
    def names(self) -> list[str]:
        """Every name the list takes, each ascending and descending."""
        names = []
        for name in self.orders:
            for candidate in (name.lstrip("-"), f"-{name.lstrip('-')}"):
                if candidate not in names:
                    names.append(candidate)
        return names

    def _canonical(self, name: str | None) -> str:
        name = (name or "").strip()
        descending = name.startswith("-")
        base = self.aliases.get(name.lstrip("-"), name.lstrip("-"))
        return f"-{base}" if descending else base


def _reversed(term: str | OrderBy) -> str | OrderBy:
    if isinstance(term, str):
        return term[1:] if term.startswith("-") else f"-{term}"
    term = term.copy()
    term.reverse_ordering()
    return term


class SortFilter(OrderingFilter):
    """DRF's `?ordering=` read through the list's declared `Sorts` when the viewset names them (`sorts = ...`), so
    the API and the page take the same names and order by the same columns. Without `sorts`, DRF's own behaviour
    (`ordering_fields`). Several names, comma-separated, order by each in turn; unknown ones are ignored."""

    def get_ordering(self, request, queryset, view):
        sorts: Sorts | None = getattr(view, "sorts", None)
        if sorts is None:
            return super().get_ordering(request, queryset, view)
        terms = [term.strip() for term in (request.query_params.get(self.ordering_param) or "").split(",")]
        ordering = [column for term in terms if term and sorts.declares(term) for column in sorts.order_by(term)]
        return ordering or self.get_default_ordering(view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        sorts: Sorts | None = getattr(view, "sorts", None)
        if sorts is not None:
            names = ", ".join(f"`{name}`" for name in [*sorts.orders, *sorts.aliases] if not name.startswith("-"))
            parameters[0]["description"] = f"Sort by {names}; a leading `-` reverses. The list page's `sort` names."
        return parameters


# --- the list selector -----------------------------------------------------------------------------------------


@dataclass
class ListResult:
    """What a list page or a job gets: the rows, the filterset (form and errors) and the sort applied."""

    filterset: FilterSet
    queryset: QuerySet
    sort: str
    errors: dict[str, list[str]] = field(default_factory=dict)

    def __iter__(self) -> Iterable:  # `filterset, queryset = selectors.deal_list(...)`
        return iter((self.filterset, self.queryset))


def list_rows(
    *,
    actor: User | None,
    queryset: QuerySet[M],
    filterset_class: type[FilterSet],
    params: Mapping | None,
    sorts: Sorts | None = None,
    sort: str | None = None,
    prepare: Callable[[QuerySet[M]], QuerySet[M]] | None = None,
) -> ListResult:
    """Scope `queryset` for `actor`, filter it with `filterset_class` and `params`, sort it by `sort` (or
    `params["sort"]`) in the list's declared `sorts`.

    Invalid filters give no rows and their errors (shown on the page, 400 in the API): never a half-filtered
    list that looks like an answer. `prepare` adds annotations after filtering (counts a sort may need)."""
    scoped = tenancy.scope(queryset.all(), actor)
    filterset = filterset_class(params if params is not None else {}, queryset=scoped, actor=actor)
    if filterset.is_valid():
        rows, errors = filterset.qs, {}
    else:
        rows, errors = scoped.none(), {name: list(messages) for name, messages in filterset.errors.items()}
    if prepare is not None:
        rows = prepare(rows)
    applied = ""
    if sorts is not None:
        applied = sorts.resolve(sort if sort is not None else (params or {}).get("sort"))
        rows = rows.order_by(*sorts.order_by(applied))
    return ListResult(filterset=filterset, queryset=rows, sort=applied, errors=errors)

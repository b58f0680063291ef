"""The one paginator for list pages and list APIs (issue 16: national scale).

Both paginate in the database: one ``COUNT`` of the filtered query and one ``LIMIT``/``OFFSET``
slice of it, so ``count`` is the real number of rows in reach and every row can be reached.

* :class:`ApiPagination` for ninja list endpoints (``@paginate(ApiPagination)``): answers
  ``{items, count}`` like ninja's ``LimitOffsetPagination``; ``limit`` above
  :data:`API_MAX_LIMIT` is clamped; ``limit`` < 1, a negative ``offset`` or an ``offset`` above
  :data:`API_MAX_OFFSET` is a 422 with a message saying what is allowed (never a database error
  and a 500).  ``@paginate(ApiPagination, transform=fn)`` maps each row of the page with ``fn``
  (only the rows of the page are read and mapped).
* :func:`page_of` for server-rendered pages: a Django ``Page`` whose page number is clamped to
  the pages that exist; pages deeper than :data:`PAGE_MAX_ROWS` rows are not served (the last
  reachable page is shown with ``page.capped`` set, so the template can ask the user to narrow
  the list with the filters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

API_DEFAULT_LIMIT = 100
API_MAX_LIMIT = 500
# Deepest row an API page may start at (a 64-bit-safe bound; deep pages of the largest list,
# the audit log, stay reachable; narrower filters such as since/until are faster).
API_MAX_OFFSET = 10_000_000
PAGE_MAX_ROWS = 100_000
# Pages starting this deep are read by key (:func:`page_rows`), and every page of a model
# whose rows are wide (``list_read_by_key = True`` on the model): the filters, joins and sort
# then run over the indexes, and only the page's rows are read.
KEYED_FROM_OFFSET = 1000


class ApiPagination(PaginationBase):
    """``?limit=&offset=`` paginated in the database, with a true ``count``."""

    class Input(Schema):
        limit: int = Field(
            API_DEFAULT_LIMIT,
            ge=1,
            description=f"每页条数 rows per page (1-{API_MAX_LIMIT}; larger values are clamped)",
        )
        offset: int = Field(
            0,
            ge=0,
            le=API_MAX_OFFSET,
            description=f"从第几条开始 rows to skip (0-{API_MAX_OFFSET})",
        )

    class Output(Schema):
        items: list[Any]
        count: int

    def __init__(
        self,
        *,
        transform: Callable[[Any], Any] | None = None,
        page_transform: Callable[[list[Any]], list[Any]] | None = None,
        max_limit: int = API_MAX_LIMIT,
        **kwargs: Any,
    ) -> None:
        # transform: one row at a time; page_transform: the page's rows at once (for answers
        # that read related rows of the whole page in one query)
        self.transform = transform
        self.page_transform = page_transform
        self.max_limit = max_limit
        super().__init__(**kwargs)

    def paginate_queryset(
        self,
        queryset: QuerySet[Any] | Sequence[Any],
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        offset = int(pagination.offset)
        limit = min(int(pagination.limit), self.max_limit)
        count = self._items_count(queryset)  # type: ignore[arg-type]
        rows = page_rows(queryset, offset, limit) if offset < count else []
        if self.transform is not None:
            rows = [self.transform(r) for r in rows]
        if self.page_transform is not None:
            rows = self.page_transform(rows)
        return {"items": rows, "count": count}


def page_rows(queryset: Any, offset: int, limit: int) -> list[Any]:
    """The rows of one page.  For a queryset, the offset is walked over the primary keys only
    (an index scan, no joins, no wide columns), then the page's rows are read by key: a deep
    page costs about what the first one does instead of reading every skipped row in full."""
    if not isinstance(queryset, QuerySet):
        return list(queryset[offset : offset + limit])
    keyed = offset >= KEYED_FROM_OFFSET or getattr(queryset.model, "list_read_by_key", False)
    if not keyed:
        return list(queryset[offset : offset + limit])
    ids = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
    found = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
    return [found[pk] for pk in ids if pk in found]


class CappedPaginator(Paginator[Any]):
    """A Django paginator that serves no page starting beyond ``max_rows`` rows."""

    def __init__(self, *args: Any, max_rows: int | None = None, **kwargs: Any) -> None:
        self.max_rows = PAGE_MAX_ROWS if max_rows is None else max_rows
        super().__init__(*args, **kwargs)

    @property
    def reachable_pages(self) -> int:
        return max(1, min(self.num_pages, -(-self.max_rows // self.per_page)))

    def page(self, number: Any) -> Page[Any]:
        """Django's ``page``, with the rows read as the API reads them (:func:`page_rows`):
        a deep page walks its offset over the primary keys only, then reads its rows by key."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = page_rows(self.object_list, bottom, top - bottom)
        page: Page[Any] = self._get_page(rows, number, self)  # type: ignore[attr-defined]
        return page


def page_of(request: HttpRequest, qs: Any, per_page: int, *, param: str = "page") -> Page[Any]:
    """The requested page of ``qs`` (a queryset or a list), clamped to pages that exist."""
    paginator = CappedPaginator(qs, per_page)
    raw = (request.GET.get(param) or "1").strip()
    try:
        number = int(raw) if len(raw) <= 12 else paginator.reachable_pages
    except ValueError:
        number = 1
    number = max(1, number)
    capped = number > paginator.reachable_pages
    number = min(number, paginator.reachable_pages)
    page = paginator.page(number)
    page.capped = capped or (  # type: ignore[attr-defined]
        number == paginator.reachable_pages and paginator.num_pages > number
    )
    return page

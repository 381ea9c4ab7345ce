"""What the apps' HTML pages share: a page of a long list, and a service's errors on a form."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest

PAGE_SIZE = 25


def paginate(request: HttpRequest, items: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    """The page of ``items`` that ``?page=`` asks for (the first or the last when it is not a
    page); ``elided_range`` holds the page links to show ("1 2 … 7 8 9 … 20")."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    page.elided_range = list(page.paginator.get_elided_page_range(page.number))
    return page


def put_errors_on_form(form: Form, error: ValidationError) -> None:
    """A service's `ValidationError` on the form: by field where the form has that field, else on
    the form as a whole."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)

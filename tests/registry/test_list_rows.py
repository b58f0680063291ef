"""The review queue and the application list read overdue / days left from their row
dataclasses (registry.views.ApplicationRow), not from attributes stuck on the model."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from govapp.core.calendar import today_shanghai
from govapp.registry.models import Application
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def _row(page: str, name: str) -> str:
    start = page.index(name)
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def test_queue_and_list_show_overdue_and_days_left(client: Client) -> None:
    w = rf.world()
    late = rf.submitted(w, name="逾期的应用")
    fresh = rf.submitted(w, name="未到期的应用")
    today = today_shanghai()
    Application.objects.filter(pk=late.pk).update(deadline=today - dt.timedelta(days=3))
    Application.objects.filter(pk=fresh.pk).update(deadline=today + dt.timedelta(days=4))
    client.force_login(w.province)
    page = client.get(reverse("registry:queue")).content.decode()
    late_row, fresh_row = _row(page, "逾期的应用"), _row(page, "未到期的应用")
    assert 'class="overdue"' in late_row and "已逾期" in late_row
    assert "已逾期" not in fresh_row and "剩 4 天" in fresh_row
    client.force_login(w.member)
    listing = client.get(reverse("registry:applications")).content.decode()
    assert "已逾期" in _row(listing, "逾期的应用")
    assert "已逾期" not in _row(listing, "未到期的应用")
    assert "剩 " not in listing  # the list shows no countdown

"""The governance pages carry no inline script, no event-handler attribute and no inline style,
so a Content-Security-Policy without 'unsafe-inline' leaves them working."""

import re

from django.urls import reverse

import pytest

from tests.factories.governance import (
    ApplicationFactory,
    StrategicPlanFactory,
    StrategicPlanVersionFactory,
)

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.IGNORECASE)


def test_governance_pages_have_no_inline_code(client_at, gov, meeting):
    application = ApplicationFactory()
    reported = ApplicationFactory(reported=True)
    plan = StrategicPlanFactory(drafted_by=gov.wg)
    StrategicPlanVersionFactory(plan=plan, number=1)
    pages = {
        gov.omg_secretary: [
            reverse("governance:applications"),
            reverse("governance:application_submit"),
            reverse("governance:application", args=[application.pk]),
            reverse("governance:application_report", args=[application.pk]),
            reverse("governance:plans"),
            reverse("governance:plan_create", args=[gov.omg.code]),
        ],
        gov.wg_secretary: [
            reverse("governance:plan", args=[plan.pk]),
            reverse("governance:plan_version", args=[plan.pk, 1]),
            reverse("governance:plan_version_add", args=[plan.pk]),
            reverse("governance:body", args=[gov.wg.code]),
        ],
        gov.mc_secretary: [
            reverse("governance:application", args=[reported.pk]),
            f"{reverse('governance:decision_record', args=[meeting.pk])}?application={reported.pk}",
        ],
    }
    checked = 0
    for user, paths in pages.items():
        c = client_at(user, "high")
        for path in paths:
            response = c.get(path)
            html = response.content.decode()
            assert response.status_code == 200, path
            assert not INLINE_SCRIPT.search(html), f"{path}: inline <script>"
            assert not HANDLER.search(html), f"{path}: event-handler attribute"
            assert not INLINE_STYLE.search(html), f"{path}: inline style"
            checked += 1
    assert checked == 12

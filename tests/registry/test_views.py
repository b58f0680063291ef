"""Pages of the registry: each one as its user, and as a user who must not see the object."""

from __future__ import annotations

import pytest
from django.urls import reverse

from govapp.registry.models import App, Application, ApplicationState, AppStatus, Attachment
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db
S = ApplicationState


def _login(client, user):
    client.force_login(user)
    return client


def test_pages_render_for_the_unit_and_404_for_another_province(client):
    w = rf.world()
    application = rf.submitted(w)
    app = application.app
    _login(client, w.member)
    for url in [
        reverse("registry:apps"),
        reverse("registry:app_create"),
        reverse("registry:app", args=[app.pk]),
        reverse("registry:applications"),
        reverse("registry:application", args=[application.pk]),
        reverse("registry:notifications"),
        reverse("home"),
    ]:
        assert client.get(url).status_code == 200, url
    _login(client, w.other_province)
    for url in [
        reverse("registry:app", args=[app.pk]),
        reverse("registry:application", args=[application.pk]),
        reverse("registry:application_edit", args=[application.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    resp = client.post(reverse("registry:application_act", args=[application.pk, "forward"]))
    assert resp.status_code == 404
    assert app.name not in client.get(reverse("registry:apps")).content.decode()
    assert app.name not in client.get(reverse("registry:queue")).content.decode()


def test_create_app_refuses_public_account_with_reason(client):
    w = rf.world()
    _login(client, w.member)
    resp = client.post(
        reverse("registry:app_create"),
        {"unit": w.unit.pk, "name": "某某发布", "kind": "public_account"},
    )
    assert resp.status_code == 200
    assert "不属于政务应用程序" in resp.content.decode()
    assert not App.objects.filter(name="某某发布").exists()
    resp = client.post(
        reverse("registry:app_create"),
        {"unit": w.unit.pk, "name": "穗好办", "kind": "app", "target_levels": ["prefecture"]},
    )
    app = App.objects.get(name="穗好办")
    assert resp.status_code == 302 and resp["Location"] == reverse("registry:app", args=[app.pk])


def test_form_saves_draft_and_names_missing_fields(client):
    w = rf.world()
    app = rf.app(w)
    _login(client, w.member)
    resp = client.post(reverse("registry:app_apply", args=[app.pk]), {"kind": "new"})
    application = Application.objects.get(app=app)
    assert resp["Location"] == reverse("registry:application_edit", args=[application.pk])
    resp = client.post(
        reverse("registry:application_edit", args=[application.pk]),
        {
            "version": application.version,
            "basic.app_name": app.name,
            "basic.version": "1.0",
            "intent": "submit",
            "feature_rows": 2,
            "similar_rows": 0,
        },
    )
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "经办人电话" in html and "真实性承诺" in html
    application.refresh_from_db()
    assert application.state == S.DRAFT
    assert application.sections["basic"]["version"] == "1.0"


def test_stale_form_is_refused(client):
    w = rf.world()
    application = rf.draft(w)
    _login(client, w.member)
    resp = client.post(
        reverse("registry:application_edit", args=[application.pk]),
        {
            "version": application.version - 1,
            "intent": "save",
            "feature_rows": 0,
            "similar_rows": 0,
        },
        follow=True,
    )
    assert "已被他人修改" in resp.content.decode()


def test_review_through_pages(client):
    w = rf.world()
    application = rf.submitted(w)
    _login(client, w.province)
    queue = client.get(reverse("registry:queue")).content.decode()
    assert application.app.name in queue
    resp = client.post(
        reverse("registry:application_act", args=[application.pk, "return"]),
        {"missing_items": "立项批复\n等保报告", "version": application.version},
        follow=True,
    )
    assert "立项批复" in resp.content.decode()
    application.refresh_from_db()
    assert application.state == S.RETURNED
    # wrong state: the error reaches the page
    resp = client.post(
        reverse("registry:application_act", args=[application.pk, "forward"]), follow=True
    )
    assert "不能转报国家网信办" in resp.content.decode()


def test_withdraw_needs_confirmation(client):
    w = rf.world()
    application = rf.submitted(w)
    _login(client, w.member)
    resp = client.post(
        reverse("registry:application_act", args=[application.pk, "withdraw"]), follow=True
    )
    assert "我确认" in resp.content.decode()
    application.refresh_from_db()
    assert application.state == S.SUBMITTED
    client.post(
        reverse("registry:application_act", args=[application.pk, "withdraw"]), {"confirm": "on"}
    )
    application.refresh_from_db()
    assert application.state == S.WITHDRAWN


def test_overdue_is_marked_in_the_queue(client):
    import datetime as dt

    w = rf.world()
    application = rf.submitted(w)
    Application.objects.filter(pk=application.pk).update(deadline=dt.date(2026, 1, 5))
    _login(client, w.province)
    html = client.get(reverse("registry:queue")).content.decode()
    assert "已逾期" in html and 'class="overdue"' in html


def test_badge_has_qr_linking_to_verification(client):
    w = rf.world()
    app = rf.filed(w).app
    _login(client, w.member)
    html = client.get(reverse("registry:app_badge", args=[app.pk])).content.decode()
    assert "<svg" in html and app.filing_number in html and "/public/verify/?filing_number=" in html
    _login(client, w.other_province)
    assert client.get(reverse("registry:app_badge", args=[app.pk])).status_code == 404


def test_attachments_stored_by_hash_and_never_inline(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = rf.world()
    application = rf.draft(w)
    _login(client, w.member)
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(
        reverse("registry:attachment_upload", args=[application.pk]),
        {
            "section": "approval",
            "file": SimpleUploadedFile("批复.pdf", b"%PDF-1.4 test", "application/pdf"),
        },
    )
    att = Attachment.objects.get(application=application)
    assert (tmp_path / att.storage_name).exists()
    resp = client.post(
        reverse("registry:attachment_upload", args=[application.pk]),
        {
            "section": "other",
            "file": SimpleUploadedFile("setup.pdf", b"MZ\x90\x00", "application/pdf"),
        },
        follow=True,
    )
    assert "可执行" in resp.content.decode()
    assert Attachment.objects.filter(application=application).count() == 1
    resp = client.get(reverse("registry:attachment", args=[att.pk]))
    assert resp["Content-Disposition"].startswith("attachment")
    assert resp["Content-Type"] == "application/octet-stream"
    _login(client, w.other_province)
    assert client.get(reverse("registry:attachment", args=[att.pk])).status_code == 404


def test_change_filing_shows_diff_to_reviewer(client):
    from govapp.core.calendar import add_working_days, today_shanghai
    from govapp.registry.services.applications import (
        application_create,
        application_save_draft,
        application_submit,
    )

    w = rf.world()
    app = rf.filed(w).app
    change = application_create(
        actor=w.member,
        app=app,
        kind="change",
        change_description="新增模块",
        planned_date=add_working_days(today_shanghai(), 12).date,
    )
    sections = rf.complete_sections(app.name)
    sections["basic"]["version"] = "2.0.0"
    change = application_save_draft(
        actor=w.member, application=change, sections=sections, pledge_accepted=True
    )
    change = application_submit(actor=w.member, application=change)
    _login(client, w.province)
    html = client.get(reverse("registry:application", args=[change.pk])).content.decode()
    assert "与已备案版本的差异" in html and "2.0.0" in html
    assert App.objects.get(pk=app.pk).status == AppStatus.FILED

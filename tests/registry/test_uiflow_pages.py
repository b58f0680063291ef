"""Issue 15 pages of the registry: uploading keeps what was typed and files land under their
section; timelines, details lines and labels in words; notifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from govapp.registry.models import Attachment, Notification
from govapp.registry.services.attachments import attachment_add
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def _form(application: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "version": application.version,
        "feature_rows": 0,
        "similar_rows": 0,
        "basic.app_name": application.app.name,
        "basic.version": "2.3.4",
        "approval.basis": "刚刚输入、还没保存的立项依据",
    }
    data.update(extra)
    return data


def test_upload_on_the_application_page_keeps_unsaved_input(
    client: Client, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    w = rf.world()
    application = rf.draft(w)
    client.force_login(w.member)
    url = reverse("registry:application_edit", args=[application.pk])
    page = client.get(url).content.decode()
    assert 'name="file-approval"' in page and 'value="upload:approval"' in page
    resp = client.post(
        url,
        _form(
            application,
            intent="upload:approval",
            **{"file-approval": SimpleUploadedFile("立项批复.pdf", b"%PDF-1.4 x")},
        ),
    )
    assert resp.status_code == 302 and resp["Location"].endswith("#att-approval")
    application.refresh_from_db()
    assert application.sections["approval"]["basis"] == "刚刚输入、还没保存的立项依据"
    assert application.sections["basic"]["version"] == "2.3.4"
    att = Attachment.objects.get(application=application)
    assert att.section == "approval" and att.name == "立项批复.pdf"
    page = client.get(url).content.decode()
    # listed under its section, inside that section's box
    approval_box = page[page.index('id="att-approval"') : page.index('id="sec-features"')]
    assert "立项批复.pdf" in approval_box
    basic_box = page[page.index('id="att-basic"') : page.index('id="sec-approval"')]
    assert "立项批复.pdf" not in basic_box
    assert "刚刚输入、还没保存的立项依据" in page
    # a refused file still keeps the input
    resp = client.post(
        url,
        _form(
            application,
            intent="upload:other",
            **{"approval.basis": "又改了", "file-other": SimpleUploadedFile("x.pdf", b"MZ\x90")},
        ),
        follow=True,
    )
    assert "可执行" in resp.content.decode()
    application.refresh_from_db()
    assert application.sections["approval"]["basis"] == "又改了"
    # delete keeps the input too
    application.refresh_from_db()
    client.post(
        url,
        _form(application, intent=f"delete_attachment:{att.pk}", **{"approval.basis": "第三次"}),
    )
    application.refresh_from_db()
    assert application.sections["approval"]["basis"] == "第三次"
    assert not Attachment.objects.filter(pk=att.pk).exists()
    # the read-only page lists files under their sections
    attachment_add(
        actor=w.member,
        application=application,
        section="operations",
        name="等保.pdf",
        content=b"%PDF x",
    )
    page = client.get(reverse("registry:application", args=[application.pk])).content.decode()
    ops = page[page.index("五、运维和安全保障情况", page.index("sections")) :]
    assert "等保.pdf" in ops[: ops.index("六、其他材料")]


def test_another_units_attachment_cannot_be_deleted_through_the_form(client: Client) -> None:
    w = rf.world()
    mine = rf.draft(w)
    other = rf.world("510104")
    theirs = rf.draft(other)
    att = attachment_add(
        actor=other.member, application=theirs, section="other", name="a.pdf", content=b"%PDF x"
    )
    client.force_login(w.member)
    resp = client.post(
        reverse("registry:application_edit", args=[mine.pk]),
        _form(mine, intent=f"delete_attachment:{att.pk}"),
    )
    assert resp.status_code == 404
    assert Attachment.objects.filter(pk=att.pk).exists()


def test_approval_notification_names_the_filing_number(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    w = rf.world()
    with django_capture_on_commit_callbacks(execute=True):
        application = rf.filed(w)
    number = application.app.filing_number
    note = Notification.objects.filter(user=w.member, text__contains="准予备案").latest("pk")
    assert number in note.text
    client.force_login(w.member)
    assert note.read_at is None
    resp = client.get(reverse("registry:notification_open", args=[note.pk]))
    assert resp.status_code == 302 and resp["Location"] == note.url
    note.refresh_from_db()
    assert note.read_at is not None
    # someone else's notification is not theirs to open
    client.force_login(w.other_province)
    assert client.get(reverse("registry:notification_open", args=[note.pk])).status_code == 404


def test_application_page_shows_words_not_codes(client: Client) -> None:
    w = rf.world()
    application = rf.forwarded(w)
    client.force_login(w.cac)
    page = client.get(reverse("registry:application", args=[application.pk])).content.decode()
    assert "省级会签同意" in page and "转报国家网信办" in page
    assert "province_signoff" not in page.replace("timeline-province_signoff", "")
    assert "修改次数" in page

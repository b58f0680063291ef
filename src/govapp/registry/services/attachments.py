"""Attachments to an application's materials: type, size and content checks, then storage."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.audit import audit_record, snapshot
from govapp.orgs.models import User
from govapp.registry.errors import RegistryError
from govapp.registry.models import (
    Application,
    ApplicationState,
    Attachment,
)
from govapp.registry.schemas import SECTION_KEYS
from govapp.registry.services.base import (
    is_unit_member,
    require,
    setting,
)
from govapp.registry.services.workflow import (
    EDITABLE_STATES,
)

S = ApplicationState
log = logging.getLogger(__name__)


ALLOWED_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".ofd": "application/ofd",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
    ".csv": "text/csv",
}
_MAGIC = {
    ".pdf": [b"%PDF"],
    ".png": [b"\x89PNG"],
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
    ".docx": [b"PK\x03\x04"],
    ".xlsx": [b"PK\x03\x04"],
    ".ofd": [b"PK\x03\x04"],
    ".doc": [b"\xd0\xcf\x11\xe0"],
    ".xls": [b"\xd0\xcf\x11\xe0"],
}
_EXECUTABLE = [
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xca\xfe\xba\xbe",
    b"\xcf\xfa\xed\xfe",
    b"<script",
    b"<html",
    b"<!doctype",
]


def attachment_add(
    *, actor: User, application: Application, section: str, name: str, content: bytes
) -> Attachment:
    require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以上传附件。"))
    if application.state not in EDITABLE_STATES:
        raise RegistryError(
            _("申请当前状态为“%(s)s”，不能上传附件。") % {"s": application.get_state_display()}
        )
    if section not in [*SECTION_KEYS, "similar_apps"]:
        raise RegistryError(_("请选择附件所属的材料部分。"))
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "file"
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    limit = setting("GOVAPP_ATTACHMENT_MAX_BYTES")
    if len(content) > limit:
        raise RegistryError(
            _("“%(n)s”过大（%(s).1f MB），单个附件上限 %(l)d MB，请压缩或拆分后上传。")
            % {"n": name, "s": len(content) / 1048576, "l": limit // 1048576}
        )
    if not content:
        raise RegistryError(_("“%(n)s”是空文件，请重新选择。") % {"n": name})
    if ext not in ALLOWED_TYPES:
        raise RegistryError(
            _("“%(n)s”的类型不允许上传。允许的类型：PDF、OFD、PNG、JPG、Word、Excel、TXT、CSV。")
            % {"n": name}
        )
    head = content[:16].lower()
    if any(head.startswith(m.lower()) for m in _EXECUTABLE) or (
        ext in _MAGIC and not any(content.startswith(m) for m in _MAGIC[ext])
    ):
        raise RegistryError(
            _("“%(n)s”的内容与扩展名不符或像是可执行文件，已拒收。请上传真实的 %(e)s 文件。")
            % {"n": name, "e": ext[1:].upper()}
        )
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        att = Attachment(
            application=application,
            section=section,
            name=name,
            sha256=digest,
            size=len(content),
            content_type=ALLOWED_TYPES[ext],
            uploaded_by=actor,
        )
        if not default_storage.exists(att.storage_name):
            default_storage.save(att.storage_name, ContentFile(content))
        att.save()
        audit_record(actor=actor, action="attachment.add", obj=att, after=snapshot(att))
    return att


def attachment_delete(*, actor: Actor, attachment: Attachment) -> None:
    application = attachment.application
    require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以删除附件。"))
    if application.state not in EDITABLE_STATES:
        raise RegistryError(_("申请已提交，附件不能删除。"))
    with transaction.atomic():
        audit_record(
            actor=actor, action="attachment.delete", obj=attachment, before=snapshot(attachment)
        )
        attachment.delete()

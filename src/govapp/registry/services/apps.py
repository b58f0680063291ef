"""Apps and their platform identities: eligibility (R-02, R-03), creation, edits, identity
validation and clashes with other filed apps."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govapp.core.actor import Actor
from govapp.core.audit import audit_record, diff, snapshot
from govapp.core.permissions import can
from govapp.core.tasks import follow_up
from govapp.orgs.models import REGULATOR_KINDS, Unit
from govapp.registry.errors import RegistryError
from govapp.registry.models import (
    APP_PLATFORMS,
    MINI_PROGRAM_PLATFORMS,
    App,
    AppKind,
    ApplicationState,
    AppStatus,
    Platform,
    PlatformIdentity,
)
from govapp.registry.services.base import (
    is_unit_member,
    require,
)
from govapp.registry.version import registry_changed

S = ApplicationState
log = logging.getLogger(__name__)


INELIGIBLE_KINDS = {
    "public_account": gettext_lazy(
        "政务公众账号（如微信公众号、微博账号）不属于政务应用程序，不适用本办法备案。"
        "请按政务新媒体的有关规定管理，无需在本系统备案。"
    ),
    "work_group": gettext_lazy(
        "工作群组（如微信群、钉钉群）不属于政务应用程序，不适用本办法备案，无需在本系统备案。"
    ),
}


def unit_below_county(unit: Unit) -> bool:
    return not unit.is_central and unit.level >= 4


def app_eligibility(kind: str, unit: Unit) -> None:
    if kind in INELIGIBLE_KINDS:
        raise RegistryError(str(INELIGIBLE_KINDS[kind]), {"kind": str(INELIGIBLE_KINDS[kind])})
    if kind not in AppKind.values:
        raise RegistryError(
            _("请选择应用类型：移动应用、小程序或快应用。"), {"kind": _("请选择应用类型。")}
        )
    if unit.kind in REGULATOR_KINDS:
        raise RegistryError(_("监管机构不是主办单位，不能以其名义建设或备案政务应用。"))


APP_FIELDS = ("name", "kind", "public_facing", "target_users", "target_levels", "description")


def app_create(
    *,
    actor: Actor,
    unit: Unit,
    name: str,
    kind: str,
    public_facing: bool = False,
    target_users: str = "",
    target_levels: Iterable[str] = (),
    description: str = "",
) -> App:
    require(
        can(actor, "submit", unit),
        _("您不是该单位的填报人员，不能为其登记应用。请联系单位管理员授权。"),
    )
    app_eligibility(kind, unit)
    name = name.strip()
    if not name:
        raise RegistryError(_("请填写“应用名称”。"), {"name": _("请填写“应用名称”。")})
    with transaction.atomic():
        app = App.objects.create(
            name=name[:128],
            kind=kind,
            public_facing=public_facing,
            hosting_unit=unit,
            target_users=target_users,
            target_levels=list(target_levels),
            description=description,
        )
        audit_record(actor=actor, action="app.create", obj=app, after=snapshot(app))
    return app


def app_update(*, actor: Actor, app: App, **changes: Any) -> App:
    require(is_unit_member(actor, app), _("只有主办单位的填报人员可以修改应用信息。"))
    unknown = set(changes) - set(APP_FIELDS)
    if unknown:
        raise RegistryError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app.pk)
        if app.status != AppStatus.UNFILED and ({"name", "kind"} & set(changes)):
            raise RegistryError(_("已备案应用的名称和类型只能通过变更备案修改。"))
        if "kind" in changes:
            app_eligibility(changes["kind"], app.hosting_unit)
        before = snapshot(app)
        for k, v in changes.items():
            setattr(app, k, v)
        app.save()
        b, a = diff(before, snapshot(app))
        audit_record(actor=actor, action="app.update", obj=app, before=b, after=a)
    return app


_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_][A-Za-z0-9_\-]*)+$")
_APPID = re.compile(r"^[A-Za-z0-9_\-.]{4,64}$")
_HEX = {"cert_sha256": 64, "cert_sha1": 40, "cert_md5": 32}


def _clean_hex(value: str) -> str:
    return re.sub(r"[\s:]", "", value or "").lower()


def identity_validate(app: App, data: dict[str, Any], index: int) -> dict[str, Any]:
    n = index + 1
    platform = (data.get("platform") or "").strip()
    identifier = (data.get("identifier") or "").strip()
    if platform not in Platform.values:
        raise RegistryError(_("第 %(n)d 个平台标识：请选择平台。") % {"n": n})
    if not identifier:
        raise RegistryError(
            _("第 %(n)d 个平台标识：请填写包名、Bundle ID 或小程序 AppID。") % {"n": n}
        )
    allowed = {
        AppKind.APP: APP_PLATFORMS,
        AppKind.MINI_PROGRAM: MINI_PROGRAM_PLATFORMS,
        AppKind.QUICK_APP: {Platform.QUICKAPP},
    }[AppKind(app.kind)]
    if platform not in allowed:
        raise RegistryError(
            _("第 %(n)d 个平台标识：%(kind)s 不能选择平台“%(p)s”。")
            % {"n": n, "kind": app.get_kind_display(), "p": Platform(platform).label}
        )
    if platform in APP_PLATFORMS | {Platform.QUICKAPP}:
        if not _PACKAGE.match(identifier):
            raise RegistryError(
                _("第 %(n)d 个平台标识：“%(id)s”不是有效的包名，应形如 cn.gov.example.app。")
                % {"n": n, "id": identifier}
            )
    elif not _APPID.match(identifier):
        raise RegistryError(
            _(
                "第 %(n)d 个平台标识：“%(id)s”不是有效的小程序 AppID（4 到 64 位字母、数字、下划线或连字符）。"
            )
            % {"n": n, "id": identifier}
        )
    out = {"platform": platform, "identifier": identifier[:255]}
    out["host_platform"] = (data.get("host_platform") or "").strip()[:64]
    for field, length in _HEX.items():
        value = _clean_hex(data.get(field) or "")
        if value and (len(value) != length or not re.fullmatch(r"[0-9a-f]+", value)):
            raise RegistryError(
                _("第 %(n)d 个平台标识：%(f)s 应为 %(len)d 位十六进制数字。")
                % {"n": n, "f": field.replace("cert_", "").upper(), "len": length}
            )
        out[field] = value
    return out


def identities_set(
    *, actor: Actor, app: App, identities: list[dict[str, Any]]
) -> list[PlatformIdentity]:
    """Replace the app's not-yet-filed identities (live ones change only by change filing)."""
    require(is_unit_member(actor, app), _("只有主办单位的填报人员可以修改平台标识。"))
    rows = [identity_validate(app, d, i) for i, d in enumerate(identities) if any(d.values())]
    keys = [(r["platform"], r["identifier"]) for r in rows]
    if len(set(keys)) != len(keys):
        raise RegistryError(_("同一平台的同一包名或 AppID 填写了两次，请删除重复的一行。"))
    with transaction.atomic():
        registry_changed()
        app = App.objects.select_for_update().get(pk=app.pk)
        before = [
            {"platform": i.platform, "identifier": i.identifier, "cert_sha256": i.cert_sha256}
            for i in app.identities.all()
        ]
        live = {(i.platform, i.identifier): i for i in app.identities.filter(live=True)}
        app.identities.filter(live=False).delete()
        out = list(live.values())
        for r in rows:
            if (r["platform"], r["identifier"]) in live:
                continue
            out.append(PlatformIdentity.objects.create(app=app, live=False, **r))
        # Harvesters of the open data (GET /api/v1/public/apps?updated_since=) see the change.
        App.objects.filter(pk=app.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="app.identities",
            obj=app,
            before={"identities": before},
            after={"identities": rows},
        )
        follow_up("app.identities_changed", app_id=app.pk)
    return out


def identity_clashes(app: App) -> list[str]:
    """Identities of this app already live in another app's filing."""
    out = []
    for ident in app.identities.all():
        other = (
            PlatformIdentity.objects.filter(
                platform=ident.platform, identifier=ident.identifier, live=True
            )
            .exclude(app=app)
            .select_related("app")
            .first()
        )
        if other is not None:
            out.append(
                _("%(p)s 标识“%(id)s”已属于已备案应用“%(app)s”，同一标识只能对应一个有效备案。")
                % {"p": ident.get_platform_display(), "id": ident.identifier, "app": other.app.name}
            )
    return out

"""restrict(): the CAC sees everything, a province its province, a unit its own objects,
an auditor reads but never writes."""

from __future__ import annotations

import pytest

from govapp.core.permissions import can, restrict
from govapp.orgs.models import Unit, UnitKind
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Unit]:
    return {
        "gz": f.unit("440106", name="广州单位"),
        "sz": f.unit("440304", name="深圳单位"),
        "cd": f.unit("510104", name="成都单位"),
        "central": f.unit("110102", UnitKind.STATE_COUNCIL_DEPT, name="某部"),
    }


def _names(qs: object) -> set[str]:
    return {u.name for u in qs}  # type: ignore[attr-defined]


def test_national_regulator_sees_everything(world: dict[str, Unit]) -> None:
    cac = f.regulator()
    assert {"广州单位", "深圳单位", "成都单位", "某部"} <= _names(restrict(Unit.objects.all(), cac))
    assert can(cac, "decide", world["cd"])


def test_province_sees_only_its_province(world: dict[str, Unit]) -> None:
    gd = f.regulator("44")
    visible = _names(restrict(Unit.objects.all(), gd, "view"))
    assert {"广州单位", "深圳单位"} <= visible
    assert "成都单位" not in visible
    assert "某部" not in visible  # central units file with the CAC directly
    assert not can(gd, "view", world["cd"])
    assert not can(gd, "change", world["cd"])
    assert can(gd, "review", world["gz"])
    assert not can(gd, "decide", world["gz"])  # only the CAC decides filings


def test_unit_sees_only_itself(world: dict[str, Unit]) -> None:
    member = f.unit_member(world["gz"])
    assert _names(restrict(Unit.objects.all(), member, "view")) == {"广州单位"}
    assert not can(member, "view", world["sz"])
    assert not can(member, "review", world["gz"])


def test_auditor_reads_but_never_writes(world: dict[str, Unit]) -> None:
    aud = f.auditor()
    assert {"广州单位", "成都单位", "某部"} <= _names(restrict(Unit.objects.all(), aud, "view"))
    for action in ("change", "submit", "review", "decide", "admin"):
        assert not restrict(Unit.objects.all(), aud, action).exists()  # type: ignore[arg-type]


def test_no_grant_no_data(world: dict[str, Unit]) -> None:
    nobody = f.user()
    assert not restrict(Unit.objects.all(), nobody).exists()


def test_anonymous_sees_nothing(world: dict[str, Unit]) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not restrict(Unit.objects.all(), AnonymousUser()).exists()


def test_expired_grant_gives_nothing(world: dict[str, Unit]) -> None:
    import datetime as dt

    from django.utils import timezone

    from govapp.orgs.models import Grant

    gd = f.regulator("44")
    Grant.objects.filter(user=gd).update(expires_at=timezone.now() - dt.timedelta(days=1))
    gd = type(gd).objects.get(pk=gd.pk)
    assert not restrict(Unit.objects.all(), gd).exists()


def test_unknown_action_is_an_error(world: dict[str, Unit]) -> None:
    with pytest.raises(ValueError):
        restrict(Unit.objects.all(), f.regulator(), "destroy")  # type: ignore[arg-type]

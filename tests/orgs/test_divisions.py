"""The full administrative tree ships with the project and loads idempotently."""

from __future__ import annotations

import pytest

from govapp.core.models import AuditEvent
from govapp.orgs.divisions import divisions_load, is_functional_zone, level_of, parent_code
from govapp.orgs.models import Division, DivisionLevel

pytestmark = pytest.mark.django_db


def test_code_rules() -> None:
    assert level_of("44") == DivisionLevel.PROVINCE
    assert level_of("4401") == DivisionLevel.PREFECTURE
    assert level_of("440106") == DivisionLevel.COUNTY
    assert level_of("440106001") == DivisionLevel.TOWNSHIP
    assert parent_code("440106001") == "440106"
    assert parent_code("440106") == "4401"
    assert parent_code("44") is None
    assert is_functional_zone("130171")  # 石家庄高新技术产业开发区
    assert not is_functional_zone("440106")
    with pytest.raises(ValueError):
        level_of("4401061")


def test_full_load_counts_and_idempotence() -> None:
    first = divisions_load()
    assert first.created == 31 + 342 + 2978 + 41352
    counts = {level: Division.objects.filter(level=level).count() for level in DivisionLevel.values}
    assert counts == {1: 31, 2: 342, 3: 2978, 4: 41352}
    tianhe = Division.objects.get(code="440106")
    assert tianhe.name == "天河区"
    assert tianhe.parent_id == "4401"
    assert tianhe.parent.parent_id == "44"  # type: ignore[union-attr]
    assert Division.objects.get(code="130171").is_functional_zone
    zones = Division.objects.filter(is_functional_zone=True).count()
    assert 0 < zones < 300
    assert Division.objects.get(code="440106001").statistical_code == "440106001000"
    events = AuditEvent.objects.filter(action="divisions.load").count()
    second = divisions_load()
    assert second.created == 0 and second.updated == 0
    assert second.total == first.total
    assert AuditEvent.objects.filter(action="divisions.load").count() == events

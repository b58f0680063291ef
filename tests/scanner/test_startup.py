"""Start-up cost of the scanner, and the fact classes that replaced dataclasses for it.

The scanner must be at least 10x faster than androguard as a whole process (issue 15 item 11), so
importing it and reading an ordinary APK may not load the heavy modules that start-up used to
spend most of its time in (docs/scanner.md, "Speed").
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from govapp.scanner import DEFAULT_LIMITS, Limits, scan_path
from govapp.scanner.facts import Evidence, Identity, ScanFailure, ScanResult, SdkHit

# Modules that an APK scan does not need: each cost milliseconds at every start.
HEAVY = (
    "dataclasses",
    "inspect",
    "typing",
    "pathlib",
    "csv",
    "importlib.resources",
    "signal",
    "threading",
    "pydantic",
    "cryptography",
)


def test_scanning_an_apk_loads_no_heavy_module(shared_fixtures: Path) -> None:
    apk = shared_fixtures / "apk" / "com.politedroid_4.apk"
    code = (
        "import sys, json\n"
        "from govapp.scanner import scan_path\n"
        f"r = scan_path({str(apk)!r})\n"
        f"print(json.dumps([r.identity.package, [m for m in {HEAVY!r} if m in sys.modules]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    package, loaded = json.loads(out.stdout)
    assert package == "com.politedroid"
    assert loaded == []


def test_facts_round_trip_through_pydantic_with_unknown_keys_rejected(
    shared_fixtures: Path,
) -> None:
    result = scan_path(shared_fixtures / "apk" / "com.politedroid_4.apk")
    data = result.to_json_dict()
    back = ScanResult.model_validate(data)
    assert back == result
    assert type(back.identity) is Identity
    assert (
        back.signing.certificates
        and back.signing.certificates[0] == (result.signing.certificates[0])
    )
    assert ScanResult.model_validate(result) is result  # an instance passes as it is
    with pytest.raises(ValidationError):
        ScanResult.model_validate({**data, "unexpected": 1})
    with pytest.raises(ValidationError):
        ScanResult.model_validate({**data, "identity": {"package": 5}})
    with pytest.raises(ValidationError):
        ScanResult.model_validate({**data, "kind": "exe"})

    class Holder(BaseModel):
        scan: ScanResult | None = None

    held = Holder(scan=result)
    assert held.scan is result
    assert held.model_dump(mode="json")["scan"] == data
    assert Holder.model_validate({"scan": data}).scan == result
    schema = Holder.model_json_schema()["$defs"]["ScanResult"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"file", "kind"}
    failure = ScanFailure.model_validate({"error": "x", "error_code": "bad"})
    assert failure.file is None and failure.schema == "govapp.scan/1"


def test_fact_classes_behave_like_the_dataclasses_they_replace() -> None:
    a = SdkHit(id="x", name="X", category="push")
    b = SdkHit(id="x", name="X", category="push")
    assert a == b and a.evidence == [] and a.evidence is not b.evidence
    assert a != SdkHit(
        id="x", name="X", category="push", evidence=[Evidence(source="s", value="v")]
    )
    assert repr(Identity(package="p")).startswith("Identity(package='p', version_name=None")
    assert a.model_copy(update={"name": "Y"}) == SdkHit(id="x", name="Y", category="push")
    with pytest.raises(TypeError):
        SdkHit("x", "X", "push")  # type: ignore[call-arg]  # keyword-only, as before
    with pytest.raises(TypeError):
        hash(a)


def test_limits_are_immutable_values() -> None:
    limits = Limits(max_seconds=3)
    assert limits.max_seconds == 3 and limits.max_dex_total == DEFAULT_LIMITS.max_dex_total
    assert limits == Limits(max_seconds=3) != DEFAULT_LIMITS
    assert hash(limits) == hash(Limits(max_seconds=3))
    with pytest.raises(AttributeError):
        limits.max_seconds = 4
    with pytest.raises(TypeError):
        Limits(max_secs=3)

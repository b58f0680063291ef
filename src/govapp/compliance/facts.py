"""The one typed facts model that every compliance rule reads (house style 4 and 7).

Three kinds of facts, each with where it came from:

* ``declared``: what the unit declares in its filing application (the six sections, R-08):
  functions with their grassroots-facing flags, sensitive kinds and special-scenario
  explanations (R-09), the graded-protection level, the technical plan;
* ``scan``: what the package scanner found in the newest scanned package
  (:class:`govapp.scanner.facts.ScanResult`: capabilities, SDKs by category, keyword hits);
* ``operation``: what operation reports (complaint counts by category, usage, results of spot
  checks and inspections), all optional.

This module is PURE (pydantic only, no Django): :mod:`govapp.compliance.rules` and the
``govapp scan`` command use it without a database.  :mod:`govapp.compliance.engine` builds it
from the database.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from govapp.scanner.facts import ScanResult


class _M(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DeclaredFeature(_M):
    name: str = ""
    description: str = ""
    reason: str = ""
    grassroots_facing: bool = False
    sensitive_kind: str = ""  # clock_in | ranking | online_duration | photo_upload | location_track
    scenario: str = ""  # security | emergency | other
    scenario_explanation: str = ""

    @property
    def text(self) -> str:
        return f"{self.name} {self.description} {self.reason}"


class Declared(_M):
    """The application's declared materials (a draft, a submitted one or the filed ones)."""

    source: str = ""  # "application:12" or "filed"
    version: str = ""
    features: list[DeclaredFeature] = Field(default_factory=list)
    target_levels: list[str] = Field(default_factory=list)
    mlps_level: str = ""  # "" | 1..5 | none
    mlps_test_date: str = ""
    tech_plan: str = ""
    security_testing: str = ""
    om_rules: str = ""


class Inspection(_M):
    """The result of a spot check or inspection of the running app (None = not checked)."""

    source: str = ""  # "spotcheck:3"
    filing_number_displayed: bool | None = None
    complaint_function_present: bool | None = None
    clock_in_observed: bool | None = None
    forced_upload_observed: bool | None = None
    ads_observed: bool | None = None
    note: str = ""


class VerifiedReport(_M):
    ref: str  # e.g. "举报 #12"
    category: str = ""
    banned_practice: str = ""
    note: str = ""  # what the regulator decided to check


class SelfInspectionProblem(_M):
    """A problem a unit admitted in a self-inspection, or a reviewer confirmed (campaigns)."""

    ref: str
    problem_class: str = ""
    question: str = ""
    how: str = "admitted"  # admitted | confirmed
    unit: str = ""
    note: str = ""


class Operation(_M):
    complaints: dict[str, int] = Field(default_factory=dict)  # category -> count
    # Reports a regulator verified and opened for checking (complaint triage), still open.
    verified_reports: list[VerifiedReport] = Field(default_factory=list)
    monthly_active_users: int | None = None
    in_use: bool | None = None  # known to be in use (usage report, legacy inventory, complaint)
    in_use_source: str = ""
    inspection: Inspection | None = None
    # problems admitted or confirmed in self-inspection campaigns
    self_inspection_problems: list[SelfInspectionProblem] = Field(default_factory=list)


class PlatformId(_M):
    platform: str
    identifier: str
    cert_sha256: str = ""


class AppFacts(_M):
    """Everything the rules may read about one app."""

    app_id: int | None = None
    app_name: str = ""
    kind: str = ""  # app | mini_program | quick_app
    status: str = ""  # registry AppStatus; "" when unknown (package alone)
    filing_number: str = ""
    public_facing: bool = False
    unit_level: int | None = None  # 0 central, 1 province .. 4 township
    below_county_exception_approved: bool = False
    identities: list[PlatformId] = Field(default_factory=list)
    declared: Declared | None = None
    scan: ScanResult | None = None
    scan_source: str = ""  # "scan:34 (app-1.2.apk, 1.2.0)"
    operation: Operation = Field(default_factory=Operation)

    @property
    def version(self) -> str:
        if self.scan is not None and self.scan.identity.version_name:
            return self.scan.identity.version_name
        return self.declared.version if self.declared else ""


def facts_from_scan(scan: ScanResult, *, source: str = "package") -> AppFacts:
    """Facts of a package alone (what ``govapp scan`` knows)."""
    return AppFacts(app_name=scan.identity.app_name or "", scan=scan, scan_source=source)

from django.urls import include, path

from govapp.api import api
from govapp.reports import views as reports_views

urlpatterns = [
    path("", reports_views.dashboard, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("govapp.orgs.auth_urls")),
    path("audit/", include(("govapp.core.audit_urls", "audit"))),
    path("core/", include(("govapp.core.urls", "core"))),
    path("orgs/", include(("govapp.orgs.urls", "orgs"))),
    path("registry/", include(("govapp.registry.urls", "registry"))),
    path("public/", include(("govapp.public.urls", "public"))),
    path("complaints/", include(("govapp.complaints.urls", "complaints"))),
    path("scans/", include(("govapp.scans.urls", "scans"))),
    path("compliance/", include(("govapp.compliance.urls", "compliance"))),
    path("oversight/overlap/", include(("govapp.oversight.overlap.urls", "overlap"))),
    path("oversight/ledger/", include(("govapp.oversight.ledger.urls", "ledger"))),
    path("oversight/campaigns/", include(("govapp.oversight.campaigns.urls", "campaigns"))),
    path("oversight/usage/", include(("govapp.oversight.usage.urls", "usage"))),
    path("reports/", include(("govapp.reports.urls", "reports"))),
    path("api/v1/", api.urls),
]

# API errors are JSON ({"detail": ...}, the documented ErrorOut schema), pages elsewhere.
handler400 = "govapp.core.views.error_400"
handler403 = "govapp.core.views.error_403"
handler404 = "govapp.core.views.error_404"
handler500 = "govapp.core.views.error_500"

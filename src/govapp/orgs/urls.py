from django.urls import path

from govapp.orgs import views

urlpatterns = [
    path("units/", views.unit_list, name="units"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_new, name="user-new"),
    path("users/<int:user_id>/", views.user_detail, name="user"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token-revoke"),
]

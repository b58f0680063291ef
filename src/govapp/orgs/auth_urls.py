from django.urls import path

from govapp.orgs import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("login/code/", views.login_code, name="login_code"),
    path("login/enrol/", views.login_enrol, name="login_enrol"),
    path("password/", views.password_change, name="password_change"),
    path("security/", views.account_security, name="account_security"),
]

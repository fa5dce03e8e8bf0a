from django.urls import path

from registry.api import views

urlpatterns = [
    path("whoami-v2", views.WhoAmIView.as_view()),
    path("health", views.HealthView.as_view()),
]

from django.urls import re_path

from inference import api

MODEL = r"^models/(?P<namespace>[^/]+)/(?P<name>[^/]+)"

urlpatterns = [
    re_path(rf"{MODEL}$", api.model_inference),
    re_path(rf"{MODEL}/revision/(?P<rev>.+)$", api.model_inference),
    re_path(rf"{MODEL}/pipeline/(?P<task>[a-z-]+)$", api.model_inference),
    re_path(rf"{MODEL}/widget$", api.widget_page),
]

from django.urls import re_path

from inference import api, chat_api

MODEL = r"^models/(?P<namespace>[^/]+)/(?P<name>[^/]+)"

urlpatterns = [
    re_path(rf"{MODEL}$", api.model_inference),
    re_path(rf"{MODEL}/revision/(?P<rev>.+)$", api.model_inference),
    re_path(rf"{MODEL}/pipeline/(?P<task>[a-z-]+)$", api.model_inference),
    re_path(rf"{MODEL}/widget$", api.widget_page),
    # OpenAI's API: clients are given {hub}/v1 as their base URL.
    re_path(r"^v1/chat/completions$", chat_api.chat_completions),
    re_path(r"^v1/completions$", chat_api.completions),
    re_path(r"^v1/models$", chat_api.models),
    re_path(r"^v1/models/(?P<namespace>[^/]+)/(?P<name>[^/]+)$", chat_api.model),
]

from django.urls import path

from xetstore import views

# Mounted at /xet-cas/: hf_xet appends these paths to the `casUrl` of its token.
urlpatterns = [
    path("v1/xorbs/<str:prefix>/<str:hash>", views.xorb_upload),
    path("v1/xorb-grants/<str:prefix>/<str:hash>", views.xorb_grant),
    path("v1/shards", views.shard_upload_v1),
    path("v2/shards", views.shard_upload_v2),
    path("v1/reconstructions/<str:file_hash>", views.reconstruction_v1),
    path("v2/reconstructions/<str:file_hash>", views.reconstruction_v2),
    path("v1/xorb-data/<str:hash>", views.xorb_data),
    path("v1/chunks/<str:prefix>/<str:hash>", views.chunk_dedup),
    path("v1/telemetry", views.telemetry),
]

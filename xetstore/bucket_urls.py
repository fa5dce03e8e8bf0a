"""Storage Buckets routes, included by hubsite/urls.py before the registry's API."""

from django.urls import re_path

from xetstore import bucket_views

# Not `name`: these routes take a bucket, not a repo (tests/security walks repo routes).
BUCKET = r"(?P<namespace>[^/]+)/(?P<bucket_name>[^/]+)"

urlpatterns = [
    re_path(r"^api/buckets/(?P<namespace>[^/]+)$", bucket_views.buckets),
    re_path(rf"^api/buckets/{BUCKET}$", bucket_views.bucket),
    re_path(rf"^api/buckets/{BUCKET}/tree(?:/(?P<prefix>(?s:.+)))?$", bucket_views.tree),
    re_path(rf"^api/buckets/{BUCKET}/paths-info$", bucket_views.paths_info),
    re_path(rf"^api/buckets/{BUCKET}/batch$", bucket_views.batch),
    re_path(rf"^api/buckets/{BUCKET}/xet-(?P<kind>read|write)-token$", bucket_views.xet_token),
    re_path(rf"^buckets/{BUCKET}/resolve/(?P<path>(?s:.+))$", bucket_views.resolve),
]

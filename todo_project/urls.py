"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from calendar_feed_app.urls import feed_urlpatterns
from workers.http import health

handler404 = "todo_project.api_errors.not_found"
handler500 = "todo_project.api_errors.server_error"

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/admin/", include("workers.dead_letters.urls")),
    path("api/", include("tasks_app.urls")),
    path("api/", include("live_updates_app.urls")),
    path("api/", include("calendar_feed_app.urls")),
    path("api/", include("webhooks_app.urls")),
    path("api/", include("portability_app.urls")),
    path("api/", include("assistant_app.urls")),
    *feed_urlpatterns,
    path("admin/", admin.site.urls),
    # No /metrics here: anyone who reaches the API could read it. See todo_project/metrics.py.
]

"""Routes of the operators' API (mounted under /api/admin/)."""

urlpatterns: list[object] = []

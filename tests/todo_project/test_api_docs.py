"""/api/docs/ works offline: Swagger UI's assets come from this server (drf-spectacular-sidecar)."""

import re

from django.contrib.staticfiles import finders
from django.test import Client

URL = re.compile(r"""(?:src|href|url)\s*[=:(]\s*["']?([^"'\s)>]+)""")


def test_swagger_ui_references_no_third_party_host():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()

    assert not re.search(r"(?:https?:)?//(?!localhost|testserver)[\w.-]+\.\w", html), html
    assets = [url for url in URL.findall(html) if "swagger-ui" in url or "favicon" in url]
    assert assets, html
    for url in assets:
        assert url.startswith("/static/drf_spectacular_sidecar/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file of the project"

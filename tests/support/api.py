"""The API as one user, through DRF's test client (in this process, inside the test's transaction)."""

from typing import Any

from rest_framework.test import APIClient


class Api:
    """An API client acting as one user, with the same JSON helpers for every verb."""

    def __init__(self, user_id: str, token: str | None) -> None:
        self.user_id = user_id
        self.client = APIClient()
        if token is not None:
            self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def url(self, suffix: str = "") -> str:
        return f"/api/{self.user_id}/{suffix}"

    def get(self, suffix: str, **params: Any) -> Any:
        return self.client.get(self.url(suffix), params)

    def post(self, suffix: str, body: Any, **headers: str) -> Any:
        return self.client.post(self.url(suffix), body, format="json", headers=headers)

    def put(self, suffix: str, body: Any) -> Any:
        return self.client.put(self.url(suffix), body, format="json")

    def patch(self, suffix: str, body: Any) -> Any:
        return self.client.patch(self.url(suffix), body, format="json")

    def delete(self, suffix: str) -> Any:
        return self.client.delete(self.url(suffix))

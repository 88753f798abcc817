"""Live updates: every task change, as the API shows the task, streamed to each open client of its user.

The `task-updates` bridge publishes changes into per-user Redis streams (publishing.py, streams.py); the
live-updates server (`manage.py run_live_updates`, an ASGI process) serves them as Server-Sent Events at
`GET /api/{user_id}/events` (stream.py, hub.py). docs/live-updates.md describes the protocol.
"""

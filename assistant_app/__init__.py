"""The task assistant: a user writes what they want in plain words ("buy milk tomorrow 5pm #home !high",
"move report to friday 3pm") and the assistant turns it into changes to their tasks. For now this package
holds only its built-in grammar (`assistant_app.grammar`): offline, deterministic parsing of one message into
one command, with no model, no network and no database.
"""

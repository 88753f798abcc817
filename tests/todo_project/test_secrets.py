"""No secret written in the repository is ever accepted: the `make run` configuration and its .env.

Every test here starts a process: gunicorn, the settings in a process of their own, scripts/local_env.py or
git. Minted tokens are checked in test_mint_token.py."""

import ast
import base64
import hashlib
import hmac
import io
import json
import os
import re
import stat
import subprocess
import sys
import time
import tokenize
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.support.factories import make_token
from tests.support.jwks import JwksServer
from tests.support.paths import ROOT
from tests.support.web import KeepAliveClient, env_file_value, gunicorn, make_run_env

pytestmark = pytest.mark.processes

ENV_FILE = ROOT / ".env"
LOCAL_ENV = ROOT / "scripts" / "local_env.py"
# The local defaults the settings once had: gone from the code, still in the history, so checked by name.
FORMER_DEFAULTS = (
    "local-development-only-better-auth-secret-0123456789",
    "django-insecure-local-development-only",
)
HS256_HEADER = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
QUOTED = re.compile(r"\"([^\"\n]+)\"|'([^'\n]+)'|`([^`\n]+)`")


# --- every string of the repository -------------------------------------------------------------------
def _python_strings(text: str) -> set[str]:
    found: set[str] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING:
            try:
                value = ast.literal_eval(token.string)
            except (ValueError, SyntaxError):
                continue
            found.add(value.decode("latin-1") if isinstance(value, bytes) else value)
        elif token.type == tokenize.FSTRING_MIDDLE:
            found.add(token.string)
        elif token.type == tokenize.COMMENT:
            found.update(token.string.split())
    return found


def _text_strings(text: str) -> set[str]:
    """Quoted strings, and every word, of a file that is not Python (docs, shell, properties)."""
    found = {next(group for group in match.groups() if group) for match in QUOTED.finditer(text)}
    found.update(text.split())
    for word in text.split():  # KEY=value and key: value forms
        found.update(part for part in re.split(r"[=:]", word, maxsplit=1) if part)
    return found


def repository_strings(min_length: int = 8) -> set[str]:
    """Every string literal of at least `min_length` characters in the repository's tracked text files."""
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    found: set[str] = set(FORMER_DEFAULTS)
    for name in filter(None, listing.split("\0")):
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the working tree
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        if name.endswith(".py"):
            try:
                found |= _python_strings(text)
            except (tokenize.TokenError, SyntaxError):
                found |= _text_strings(text)
        else:
            found |= _text_strings(text)
    found |= {value.strip() for value in found}
    return {value for value in found if len(value) >= min_length}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(key: str, claims: dict[str, object]) -> str:
    """An HS256 JWT signed by hand: PyJWT refuses some keys (PEM-like), an attacker's HMAC does not."""
    signing_input = f"{b64(HS256_HEADER)}.{b64(json.dumps(claims).encode())}"
    key_bytes = key.encode("utf-8", "surrogatepass")
    signature = hmac.new(key_bytes, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def admin_claims(sub: str) -> dict[str, object]:
    now = int(time.time())
    return {"sub": sub, "role": "admin", "email": f"{sub}@example.com", "iat": now, "exp": now + 600}


@pytest.fixture(scope="module")
def generated_env_file() -> str:
    """The repository's .env as `make run` makes it (created when missing, else kept); its HS256 key."""
    subprocess.run([sys.executable, str(LOCAL_ENV)], check=True, timeout=30)
    return env_file_value(ENV_FILE, "BETTER_AUTH_SECRET")


def test_the_collection_finds_the_strings_of_the_repository():
    strings = repository_strings()
    assert len(strings) > 1000
    assert "todo_project.settings" in strings  # Python
    assert "KAFKA_BOOTSTRAP_SERVERS" in strings  # README
    assert set(FORMER_DEFAULTS) <= strings


# The server commits to the test database (the user of a verified token): a transactional test empties it.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_jwks", [False, True], ids=["hs256-only", "with-jwks-url"])
def test_no_string_of_the_repository_signs_a_token_make_run_accepts(generated_env_file, with_jwks):
    sub = f"user-{uuid.uuid4().hex[:12]}"
    jwks = JwksServer() if with_jwks else None
    env = make_run_env(**({"JWKS_URL": jwks.url} if jwks else {}))
    strings = sorted(repository_strings())
    try:
        with gunicorn(env, name=f"gunicorn-make-run-{'jwks' if jwks else 'hs256'}") as port:
            client = KeepAliveClient(port)

            def status(token: str) -> int:
                return client.get(f"/api/{sub}/tasks", {"Authorization": f"Bearer {token}"})

            accepted = [value for value in strings if status(hs256(value, admin_claims(sub))) != 401]
            # The server does verify tokens: one signed with the generated secret is accepted.
            control = status(hs256(generated_env_file, admin_claims(sub)))
            if jwks:
                key = ed25519.Ed25519PrivateKey.generate()
                jwks.add("k1", key, "EdDSA")
                assert status(make_token(sub, key=key, algorithm="EdDSA", headers={"kid": "k1"})) == 200
            client.close()
    finally:
        if jwks:
            jwks.close()

    assert accepted == [], f"{len(accepted)} repository strings sign accepted tokens"
    assert control == 200
    assert generated_env_file not in strings


@pytest.mark.django_db(transaction=True)
def test_hs256_is_refused_without_better_auth_secret_even_with_jwks(generated_env_file):
    sub = f"user-{uuid.uuid4().hex[:12]}"
    jwks = JwksServer()
    key = ed25519.Ed25519PrivateKey.generate()
    jwks.add("k1", key, "EdDSA")
    try:
        # An empty variable masks the .env's value: HS256 is off, only the key set verifies tokens.
        with gunicorn(
            make_run_env(JWKS_URL=jwks.url, BETTER_AUTH_SECRET=""), name="gunicorn-jwks-only"
        ) as port:
            client = KeepAliveClient(port)
            hs256_status = client.get(
                f"/api/{sub}/tasks",
                {"Authorization": f"Bearer {hs256(generated_env_file, admin_claims(sub))}"},
            )
            eddsa = make_token(sub, key=key, algorithm="EdDSA", headers={"kid": "k1"})
            eddsa_status = client.get(f"/api/{sub}/tasks", {"Authorization": f"Bearer {eddsa}"})
            client.close()
    finally:
        jwks.close()

    assert (hs256_status, eddsa_status) == (401, 200)


# --- settings loaded in a process of their own ---------------------------------------------------------
PROBE = """
import hashlib, django
django.setup()
from django.conf import settings
print("secret_key", hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest())
print("hs256", bool(settings.BETTER_AUTH_SECRET))
"""


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """`todo_project.settings` loaded in a process with the `make run` environment plus `env`."""
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**make_run_env(**env), "DJANGO_SETTINGS_MODULE": "todo_project.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_the_secret_key_comes_from_the_generated_env_file(generated_env_file):
    result = load_settings()

    assert result.returncode == 0, result.stderr
    assert f"secret_key {sha256(env_file_value(ENV_FILE, 'DJANGO_SECRET_KEY'))}" in result.stdout
    assert "hs256 True" in result.stdout
    assert {f"secret_key {sha256(value)}" for value in repository_strings()}.isdisjoint(
        result.stdout.splitlines()
    )


def test_the_secret_key_has_no_default_even_in_debug():
    result = load_settings(DJANGO_SECRET_KEY="")  # masks the .env's

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_without_any_jwt_key_debug_starts_and_says_every_token_is_refused():
    result = load_settings(BETTER_AUTH_SECRET="", JWKS_URL="")

    assert result.returncode == 0, result.stderr
    assert "hs256 False" in result.stdout
    assert "Neither JWKS_URL nor BETTER_AUTH_SECRET is set: the API refuses every token" in result.stderr


def test_a_short_better_auth_secret_is_refused():
    result = load_settings(BETTER_AUTH_SECRET="x" * 31)

    assert result.returncode != 0
    assert "BETTER_AUTH_SECRET must be at least 32 characters" in result.stderr


# --- the generated .env ----------------------------------------------------------------------------
def run_local_env(path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LOCAL_ENV), str(path)], capture_output=True, text=True, timeout=30, check=True
    )


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_local_env_generates_both_secrets_once_and_keeps_them(tmp_path):
    path = tmp_path / ".env"

    first = run_local_env(path)
    content = path.read_text()
    second = run_local_env(path)

    assert mode(path) == 0o600
    secret_key, auth_secret = (
        env_file_value(path, "DJANGO_SECRET_KEY"),
        env_file_value(path, "BETTER_AUTH_SECRET"),
    )
    assert len(secret_key) >= 50
    assert len(auth_secret) >= 32
    assert path.read_text() == content  # kept, not regenerated
    assert "DJANGO_SECRET_KEY, BETTER_AUTH_SECRET" in first.stderr
    for output in (first.stdout + first.stderr, second.stdout + second.stderr):
        assert secret_key not in output
        assert auth_secret not in output  # never printed
    assert second.stdout == second.stderr == ""
    run_local_env(tmp_path / "other.env")
    assert env_file_value(tmp_path / "other.env", "BETTER_AUTH_SECRET") != auth_secret  # random per file


def test_local_env_fills_in_what_is_missing_and_repairs_the_mode(tmp_path):
    path = tmp_path / ".env"
    path.write_text(
        "JWKS_URL=http://localhost:3000/api/auth/jwks\nBETTER_AUTH_SECRET=\nDJANGO_SECRET_KEY=mine\n"
    )
    path.chmod(0o644)

    run_local_env(path)

    assert mode(path) == 0o600
    assert env_file_value(path, "JWKS_URL") == "http://localhost:3000/api/auth/jwks"
    assert env_file_value(path, "DJANGO_SECRET_KEY") == "mine"  # a value of the developer's is kept
    assert len(env_file_value(path, "BETTER_AUTH_SECRET")) >= 32  # the empty one was replaced


def test_the_generated_env_file_is_git_ignored_and_private(generated_env_file):
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", ".env"], cwd=ROOT, capture_output=True, check=False
    )

    assert ignored.returncode == 0
    assert tracked.returncode != 0
    assert mode(ENV_FILE) == 0o600

"""``chipclear serve``: the HTTP API and the web console on this machine, with no configuration.

Uses the embedded SQLite ledger in the user data directory and the bundled catalog, rules and lists. On the
first start it creates an admin user and prints its API key (shown once, stored only as a hash) and a sign-in
link that carries the key in the URL fragment, which the browser never sends to a server.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Annotated, Any

import typer

from chipclear.cli._common import console, handle_errors
from chipclear.errors import InputError

DEFAULT_PORT = 8000
PORT_TRIES = 20
MAX_WORKERS = 64


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is not "in use"
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(host: str, port: int | None) -> int:
    """``port`` when given (it must be free); otherwise the first free port from 8000."""
    if port is not None:
        if not _port_free(host, port):
            raise InputError(f"--port: {port} on {host} is in use; pick another with --port", field="port")
        return port
    for candidate in range(DEFAULT_PORT, DEFAULT_PORT + PORT_TRIES):
        if _port_free(host, candidate):
            return candidate
    raise InputError(
        f"--port: ports {DEFAULT_PORT}-{DEFAULT_PORT + PORT_TRIES - 1} are in use; give --port", field="port"
    )


def first_admin_key(database_url: str | None = None) -> str | None:
    """Create the first admin user of an empty ledger and return its key; None when users exist already."""
    from sqlalchemy import func, select

    from chipclear.ledger import open_ledger, users
    from chipclear.ledger.models import User

    ledger = open_ledger(database_url)
    try:
        with ledger.session() as session:
            if session.execute(select(func.count()).select_from(User)).scalar_one():
                return None
            _, key = users.create_user(session, "admin", "admin", None)
            return key
    finally:
        ledger.close()


def warm_up() -> None:
    """Load the bundled data and build the screening index in the background, so the first page is quick."""
    from chipclear.catalog import load_catalog
    from chipclear.rules import load_rules
    from chipclear.screening import default_screener

    load_catalog()
    load_rules()
    default_screener()


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (default: this machine only).")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Port (default: the first free port from 8000).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_WORKERS,
            help="Server processes sharing the port (default 1). More serve more requests at once on a machine "
            "with more cores; each loads its own decision table and screening index.",
        ),
    ] = 1,
) -> None:
    """Start the web console and the HTTP API (OpenAPI at /docs) on this machine."""
    import uvicorn

    from chipclear.api.app import create_server_app
    from chipclear.filelocks import AVAILABLE as FILE_LOCKS
    from chipclear.settings import get_settings

    if workers > 1 and not FILE_LOCKS:
        raise InputError(
            "--workers: more than one server process needs POSIX file locks (Linux, macOS)", field="workers"
        )
    settings = get_settings()
    chosen = pick_port(host, port)
    key = first_admin_key(settings.database_url)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{chosen}"
    console.print(
        f"[bold]chipclear[/] console and API: [bold cyan]{url}[/]   (API reference: {url}/docs)", soft_wrap=True
    )
    console.print(f"ledger: {settings.database_url}", soft_wrap=True)
    if key:
        console.print(
            "\n[bold]First start: an admin user was created. Its API key is shown only this once:[/]", soft_wrap=True
        )
        console.print(f"  [bold yellow]{key}[/]", soft_wrap=True)
        console.print("  Save it (e.g. in a password manager). Sign in by opening:", soft_wrap=True)
        console.print(f"  [bold cyan]{url}/login#key={key}[/]\n", soft_wrap=True)
    else:
        console.print(
            "Sign in with your API key (the admin key was shown when chipclear serve first started; "
            "an admin gives a user a new key with `chipclear user rotate-key NAME`).",
            soft_wrap=True,
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(
            f"[yellow]warning: listening on {host}: the API is reachable from other machines[/]", soft_wrap=True
        )
    if workers > 1:
        console.print(f"{workers} server processes share the port.", soft_wrap=True)
    console.print("Press Ctrl+C to stop.", soft_wrap=True)
    # A longer keep-alive than uvicorn's 5 s: API clients that pool connections rarely meet a closed one.
    options: dict[str, Any] = {"host": host, "port": chosen, "log_level": "warning", "timeout_keep_alive": 30}
    if workers == 1:
        threading.Thread(target=warm_up, name="chipclear-warm-up", daemon=True).start()
        uvicorn.run(create_server_app(settings.database_url), **options)
        return
    # Each process builds its own app (the factory) from the same settings, read from the same environment and
    # configuration file, and warms its own decision table and screening index when it starts.
    os.environ["CHIPCLEAR_DATABASE_URL"] = settings.database_url
    uvicorn.run("chipclear.api.app:create_server_app", factory=True, workers=workers, **options)


def register(app: typer.Typer) -> None:
    app.command("serve")(handle_errors(serve_command))

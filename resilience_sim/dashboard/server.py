"""``resilience-sim dashboard``: start the workshop dashboard on this machine.

Checks, before anything starts: the scenario is valid, the port is free, solara's
front-end assets are installed (the page must work with no network). Then runs the
Solara server on ``127.0.0.1`` (unless ``--host`` says otherwise) until Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from ..schema import ScenarioError


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def environment(scenario: str, lang: str, mesa: bool = False) -> dict[str, str]:
    """The server's environment: the scenario and language (and which page), no telemetry."""
    env = dict(os.environ)
    env.update(RESILIENCE_SIM_SCENARIO=scenario, RESILIENCE_SIM_LANG=lang,
               SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", SOLARA_TELEMETRY_SENTRY_ENABLE="False")
    if mesa:
        env["RESILIENCE_SIM_MESA_PAGE"] = "1"
    return env


def command(host: str, port: int, mesa: bool = False) -> list[str]:
    """The command that runs the Solara server (the workshop page, or Mesa's SolaraViz page)."""
    page = "resilience_sim.dashboard.mesa_viz" if mesa else "resilience_sim.dashboard.app"
    return [sys.executable, "-m", "solara", "run", page, "--host", host,
            "--port", str(port), "--production", "--no-open"]


def run(scenario: str, lang: str = "fr", host: str = "127.0.0.1", port: int = 8765, mesa: bool = False) -> int:
    """Check the inputs, then serve the dashboard until interrupted; return the exit code.

    ``mesa`` serves the model in Mesa's SolaraViz (:mod:`.mesa_viz`) instead of the workshop page.

    Raises:
        ScenarioError: a bad scenario, a port in use or missing front-end assets
            (the message says how to fix it).

    """
    from ..scenario import load, shipped
    from .assets import cdn_folder, missing

    spec = load(scenario)
    if not 0 < port < 65536:
        raise ScenarioError("command line", "--port", f"{port} is not a port number (1–65535)")
    if not port_free(host, port):
        raise ScenarioError("command line", "--port", f"port {port} on {host} is in use (another dashboard?); "
                            "choose another one with --port")
    gone = missing()
    if gone:
        raise ScenarioError("dashboard", "assets", f"solara's front-end assets are missing in {cdn_folder()} "
                            f"({', '.join(gone)}); install them once with: python -m resilience_sim.dashboard.assets")
    print(f"dashboard of {spec.name} on http://{host}:{port}/ ({lang}); Ctrl-C to stop", file=sys.stderr)
    name = scenario if scenario in shipped() else str(spec.source)
    server = subprocess.Popen(command(host, port, mesa), env=environment(name, lang, mesa))
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a terminated command stops its server too
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt

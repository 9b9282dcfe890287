"""The local Neo4j server (provenance.neo4j_server) and its CLI, against a real server.

The ``neo4j``-marked tests use the session's own local server (``local_neo4j``, started for
the session and stopped at its end); ``test_lifecycle_in_fresh_home`` provisions a second,
throwaway one from Maven Central (marked ``maven``: it runs in CI on purpose). Also here: the
session rules of tests/conftest.py (skips fail the session with CI=true, the per-test timeout,
a Neo4j that is not the session's own is never wiped), each run in a pytest of its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from provenance import neo4j_server
from provenance.errors import Neo4jServerError
from provenance.neo4j_server import ServerInfo
from provenance.neo4j_server.provisioning import _find_mvn

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 held by a listening socket."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def _cli_main(args: list[str]) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from provenance.cli.neo4j import neo4j_app

    result = CliRunner().invoke(neo4j_app, args)
    return result.exit_code, result.stdout, result.stderr


# --- no server needed ----------------------------------------------------------------------
def test_server_info_uris() -> None:
    info = ServerInfo(
        bolt_port=7999, http_port=7998, user="neo4j", password="Ab1", pid=1, home=Path("/h")
    )
    assert info.uri == "neo4j://neo4j:Ab1@127.0.0.1:7999"
    assert info.bolt_uri == "bolt://127.0.0.1:7999"
    assert info.browser_url == "http://127.0.0.1:7998/browser/"
    assert "Ab1" not in repr(info)


def test_embedded_pom_is_the_docker_pom() -> None:
    pom = REPO_ROOT / "docker" / "neo4j-provision" / "pom.xml"
    assert pom.read_text() == neo4j_server.POM_XML
    assert f"<neo4j.version>{neo4j_server.DEFAULT_VERSION}</neo4j.version>" in pom.read_text()
    assert (
        f"<neo4j.browser.version>{neo4j_server.BROWSER_VERSION}</neo4j.browser.version>"
        in pom.read_text()
    )


def test_compose_file() -> None:
    text = (REPO_ROOT / "docker" / "docker-compose.yml").read_text()
    assert "image: ${NEO4J_IMAGE:-neo4j:5.26-community}" in text
    assert "NEO4J_AUTH: neo4j/${NEO4J_PASSWORD:?" in text
    assert "healthcheck:" in text and "cypher-shell" in text
    assert "neo4j-data:/data" in text and re.search(r"^volumes:\n  neo4j-data:", text, re.M)
    assert '"${NEO4J_BIND_ADDRESS:-127.0.0.1}:${NEO4J_BOLT_PORT:-}:7687"' in text


def test_missing_java_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Neo4jServerError, match="Java not found"):
        neo4j_server.start(tmp_path / "home", java=str(tmp_path / "no-such-java"))
    assert not (tmp_path / "home").exists()


def test_missing_maven_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Neo4jServerError, match="Maven not found"):
        neo4j_server.provision(tmp_path / "home", mvn=str(tmp_path / "no-such-mvn"))


def test_explicit_port_in_use_is_a_clear_error(tmp_path: Path, busy_port: int) -> None:
    with pytest.raises(Neo4jServerError, match=rf"port {busy_port} .* in use"):
        neo4j_server.start(tmp_path / "home", bolt_port=busy_port)


def test_cli_error_is_one_line_exit_1(tmp_path: Path, busy_port: int) -> None:
    code, out, err = _cli_main(["start", "--home", str(tmp_path), "--bolt-port", str(busy_port)])
    assert code == 1
    assert err.strip() == f"error: port {busy_port} on 127.0.0.1 is in use by another program"
    assert "Traceback" not in out + err


def test_status_of_an_unknown_home(tmp_path: Path) -> None:
    assert neo4j_server.status(tmp_path / "nothing") is None
    assert neo4j_server.stop(tmp_path / "nothing") is False
    code, out, _ = _cli_main(["status", "--home", str(tmp_path / "nothing"), "--json"])
    assert code == 0 and json.loads(out)["running"] is False


def _run_pytest_with_our_conftest(
    tmp_path: Path,
    test_body: str,
    ci: bool,
    *args: str,
    env: dict[str, str] | None = None,
    files: dict[str, str] | None = None,
    timeout: float = 120,
) -> tuple[int, str]:
    """Run ``test_body`` (and ``files``) in a pytest of its own with tests/conftest.py."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "conftest.py").write_text((REPO_ROOT / "tests" / "conftest.py").read_text())
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    neo4j: needs Neo4j\n    slow: slow\n"
    )
    (tmp_path / "test_x.py").write_text("import pytest\n\n" + test_body)
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    environ |= env or {}
    if ci:
        environ["CI"] = "true"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, str(tmp_path)],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc.returncode, proc.stdout + proc.stderr


SKIPPING_NEO4J_TEST = """
@pytest.mark.neo4j
def test_needs_neo4j():
    pytest.skip("pretend there is no server")


def test_plain():
    pass
"""


@pytest.mark.parametrize("ci", [False, True])
def test_skipped_neo4j_test_fails_the_session_only_in_ci(tmp_path: Path, ci: bool) -> None:
    code, out = _run_pytest_with_our_conftest(tmp_path, SKIPPING_NEO4J_TEST, ci)
    assert "neo4j tests run: 0 (server: not started" in out
    assert "neo4j tests skipped: 1" in out
    assert code == (1 if ci else 0), out


def test_summary_counts_neo4j_tests_that_ran(tmp_path: Path) -> None:
    body = "@pytest.mark.neo4j\ndef test_a():\n    pass\n\n\ndef test_b():\n    pass\n"
    code, out = _run_pytest_with_our_conftest(tmp_path, body, ci=True)
    assert code == 0 and "neo4j tests run: 1 (server: " in out, out
    assert "skipped tests" not in out


SKIPPING_TESTS = """
@pytest.fixture
def setup_that_did_not_take():
    pytest.skip("the fixture gave up")


@pytest.mark.skipif(True, reason="a skipif marker")
def test_marked():
    pass


def test_skips_itself():
    pytest.skip("skipped in the body")


def test_fixture_skips(setup_that_did_not_take):
    pass


def test_plain():
    pass
"""
SKIPPED_MODULE = 'import pytest\n\npytest.importorskip("no_such_module_here")\n'


@pytest.mark.parametrize("ci", [False, True])
def test_any_skipped_test_fails_the_session_in_ci(tmp_path: Path, ci: bool) -> None:
    """Every kind of skip is listed with its reason; with CI=true any of them fails the run."""
    code, out = _run_pytest_with_our_conftest(
        tmp_path, SKIPPING_TESTS, ci, files={"test_y.py": SKIPPED_MODULE}
    )
    assert code == (1 if ci else 0), out
    verdict = "this FAILS the session (CI=true)" if ci else "allowed outside CI"
    assert f"skipped tests: 4 ({verdict})" in out, out
    listed = {line.strip() for line in out.splitlines() if line.strip().startswith("SKIPPED test_")}
    assert listed == {
        "SKIPPED test_x.py::test_fixture_skips: the fixture gave up",
        "SKIPPED test_x.py::test_marked: a skipif marker",
        "SKIPPED test_x.py::test_skips_itself: skipped in the body",
        "SKIPPED test_y.py: could not import 'no_such_module_here': No module named "
        "'no_such_module_here'",
    }, out
    assert "1 passed, 4 skipped" in out


def test_a_hanging_test_fails_at_the_timeout(tmp_path: Path) -> None:
    """pytest-timeout with the suite's settings: a test that hangs fails; a ``slow`` one gets
    longer (here the limits are scaled down: 2 s, and the conftest's 900 s for slow)."""
    body = (
        "import time\n\n\ndef test_hangs():\n    time.sleep(30)\n\n\n"
        "@pytest.mark.slow\ndef test_slow():\n    time.sleep(3)\n"
    )
    code, out = _run_pytest_with_our_conftest(
        tmp_path, body, False, "-o", "timeout=2", "-o", "timeout_func_only=true"
    )
    assert code == 1, out
    assert "FAILED test_x.py::test_hangs - Failed: Timeout" in out, out
    assert "1 failed, 1 passed" in out, out


# --- against the shared local server ------------------------------------------------------
@pytest.mark.neo4j
def test_bolt_answers_with_the_generated_password(local_neo4j: ServerInfo) -> None:
    assert re.fullmatch(r"[A-Za-z0-9]{32}", local_neo4j.password)
    with GraphDatabase.driver(
        local_neo4j.bolt_uri, auth=(local_neo4j.user, local_neo4j.password)
    ) as driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN versions[0] AS version, edition"
        )
    assert records[0]["edition"] == "community"
    assert records[0]["version"].startswith("5.26.")


@pytest.mark.neo4j
def test_store_uri_carries_the_credentials(local_neo4j: ServerInfo) -> None:
    assert local_neo4j.uri == (
        f"neo4j://neo4j:{local_neo4j.password}@127.0.0.1:{local_neo4j.bolt_port}"
    )
    with GraphDatabase.driver(
        f"neo4j://127.0.0.1:{local_neo4j.bolt_port}", auth=(local_neo4j.user, local_neo4j.password)
    ) as driver:
        driver.verify_connectivity()


@pytest.mark.neo4j
def test_default_password_is_rejected(local_neo4j: ServerInfo) -> None:
    assert local_neo4j.password != "neo4j"
    with (
        GraphDatabase.driver(local_neo4j.bolt_uri, auth=("neo4j", "neo4j")) as driver,
        pytest.raises(AuthError),
    ):
        driver.verify_connectivity()


@pytest.mark.neo4j
def test_status_reports_running(local_neo4j: ServerInfo) -> None:
    info = neo4j_server.status(local_neo4j.home)
    assert info is not None and info.ready
    assert (info.pid, info.bolt_port, info.http_port) == (
        local_neo4j.pid,
        local_neo4j.bolt_port,
        local_neo4j.http_port,
    )
    code, out, _ = _cli_main(["status", "--home", str(local_neo4j.home), "--json"])
    data = json.loads(out)
    assert code == 0 and data["running"] and data["ready"] and data["pid"] == local_neo4j.pid
    assert data["uri"] == local_neo4j.uri


@pytest.mark.neo4j
def test_start_again_reuses_the_server(local_neo4j: ServerInfo) -> None:
    again = neo4j_server.start(local_neo4j.home)
    assert again.pid == local_neo4j.pid and not again.started
    assert again.uri == local_neo4j.uri
    code, out, _ = _cli_main(["start", "--home", str(local_neo4j.home)])
    assert code == 0
    assert out.rstrip("\n").splitlines()[-1] == local_neo4j.uri
    assert "already running" in out


@pytest.mark.neo4j
def test_start_with_other_ports_than_the_running_server(
    local_neo4j: ServerInfo, busy_port: int
) -> None:
    with pytest.raises(Neo4jServerError, match=r"already runs .* stop it first"):
        neo4j_server.start(local_neo4j.home, bolt_port=busy_port)


@pytest.mark.neo4j
def test_password_file_is_private(local_neo4j: ServerInfo) -> None:
    mode = stat.S_IMODE(os.stat(local_neo4j.password_file).st_mode)
    assert mode == 0o600
    assert local_neo4j.password_file.read_text().strip() == local_neo4j.password
    assert stat.S_IMODE(os.stat(local_neo4j.home).st_mode) & 0o077 == 0


@pytest.mark.neo4j
def test_listens_on_loopback_only(local_neo4j: ServerInfo) -> None:
    conf = (local_neo4j.home / "conf" / "neo4j.conf").read_text()
    assert f"server.bolt.listen_address=127.0.0.1:{local_neo4j.bolt_port}" in conf
    assert f"server.http.listen_address=127.0.0.1:{local_neo4j.http_port}" in conf
    assert "dbms.security.auth_enabled=true" in conf


@pytest.mark.neo4j
def test_http_serves_neo4j_browser(local_neo4j: ServerInfo) -> None:
    with urllib.request.urlopen(local_neo4j.browser_url, timeout=30) as resp:
        assert resp.status == 200
        body = resp.read().decode()
    assert "<title>Neo4j Browser</title>" in body
    # Discovery document the Browser reads to find Bolt: must advertise our port, not 7687.
    with urllib.request.urlopen(local_neo4j.http_url + "/", timeout=30) as resp:
        discovery = json.loads(resp.read())
    assert discovery["bolt_direct"] == local_neo4j.bolt_uri
    assert discovery["neo4j_edition"] == "community"


@pytest.mark.neo4j
def test_session_fixture_and_clean(neo4j_clean: Any) -> None:
    assert neo4j_clean.store_uri.startswith(("neo4j://", "bolt://", "neo4j+s://"))
    assert f":{neo4j_clean.password}@" in neo4j_clean.store_uri
    with GraphDatabase.driver(neo4j_clean.uri, auth=neo4j_clean.auth) as driver:
        count, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS c")
        assert count[0]["c"] == 0


# --- a session wipes only a server of its own ----------------------------------------------
WIPING_TEST = """
@pytest.mark.neo4j
def test_wipes(neo4j_clean):
    pass
"""


#: Lineage data that is not this session's: an artifact, which the tests' wipe would delete.
PROBE = "CREATE (:Artifact {id: 'blake3:' + $owner, name: 'probe', probe_of: $owner})"


def _probes(server: ServerInfo) -> int:
    with GraphDatabase.driver(server.bolt_uri, auth=(server.user, server.password)) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (p:Artifact) WHERE p.probe_of IS NOT NULL RETURN count(p) AS c"
        )
    return int(records[0]["c"])


@pytest.mark.neo4j
def test_a_given_server_holding_data_is_not_wiped(local_neo4j: ServerInfo, tmp_path: Path) -> None:
    """``$NEO4J_URI`` naming a server that holds data (someone's): the session refuses it
    (failing with CI=true) and the data stays; it wipes it only when told it may, and takes
    an empty one as its own. (This session's own server stands in for someone's.)"""
    env = {
        "PROVENANCE_TEST_NEO4J": "env",
        "NEO4J_URI": local_neo4j.bolt_uri,
        "NEO4J_USER": local_neo4j.user,
        "NEO4J_PASSWORD": local_neo4j.password,
    }
    with GraphDatabase.driver(
        local_neo4j.bolt_uri, auth=(local_neo4j.user, local_neo4j.password)
    ) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n")
        driver.execute_query(PROBE, owner="someone else")
    try:
        code, out = _run_pytest_with_our_conftest(tmp_path / "a", WIPING_TEST, True, env=env)
        assert code == 1 and "holds data this test session did not write" in out, out
        assert "PROVENANCE_TEST_NEO4J_WIPE=1" in out and _probes(local_neo4j) == 1
        told = {**env, "PROVENANCE_TEST_NEO4J_WIPE": "1"}
        code, out = _run_pytest_with_our_conftest(tmp_path / "b", WIPING_TEST, True, env=told)
        assert code == 0 and _probes(local_neo4j) == 0, out
        code, out = _run_pytest_with_our_conftest(tmp_path / "c", WIPING_TEST, True, env=env)
        assert code == 0 and "neo4j tests run: 1" in out, out  # empty: the session's own
    finally:
        with GraphDatabase.driver(
            local_neo4j.bolt_uri, auth=(local_neo4j.user, local_neo4j.password)
        ) as driver:
            driver.execute_query("MATCH (p:Artifact) WHERE p.probe_of IS NOT NULL DELETE p")


OWN_SERVER_TEST = """
import json, os
from neo4j import GraphDatabase


@pytest.mark.neo4j
def test_own_server(neo4j_clean, local_neo4j):
    with GraphDatabase.driver(neo4j_clean.uri, auth=neo4j_clean.auth) as driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS c")
    report = {"nodes": records[0]["c"], "home": str(local_neo4j.home), "pid": local_neo4j.pid}
    with open(os.environ["REPORT"], "w") as f:
        json.dump(report, f)
"""


@pytest.mark.neo4j
@pytest.mark.slow
def test_each_session_has_a_server_of_its_own(
    local_neo4j: ServerInfo, neo4j_jars: Path, tmp_path: Path
) -> None:
    """A second pytest session on this machine (as in another terminal) starts its own local
    server beside this session's, wipes that one only, and stops and deletes it at its end."""
    from provenance.neo4j_server.process import _alive

    with GraphDatabase.driver(
        local_neo4j.bolt_uri, auth=(local_neo4j.user, local_neo4j.password)
    ) as driver:
        driver.execute_query(PROBE, owner="the first session")
    try:
        report = tmp_path / "report.json"
        env = {
            "PROVENANCE_TEST_NEO4J": "local",
            "PROVENANCE_TEST_NEO4J_DIR": str(neo4j_jars.parent.parent),  # the jars: no Maven
            "REPORT": str(report),
        }
        code, out = _run_pytest_with_our_conftest(
            tmp_path / "session", OWN_SERVER_TEST, True, env=env, timeout=600
        )
        assert code == 0, out
        theirs = json.loads(report.read_text())
        assert theirs["nodes"] == 0
        assert Path(theirs["home"]) != local_neo4j.home and theirs["pid"] != local_neo4j.pid
        assert Path(theirs["home"]).parent == local_neo4j.home.parent  # sessions/<pid>
        assert not Path(theirs["home"]).exists() and not _alive(theirs["pid"])
        assert _probes(local_neo4j) == 1  # ours untouched
    finally:
        with GraphDatabase.driver(
            local_neo4j.bolt_uri, auth=(local_neo4j.user, local_neo4j.password)
        ) as driver:
            driver.execute_query("MATCH (p:Artifact) WHERE p.probe_of IS NOT NULL DELETE p")


# --- a throwaway second server: first start, stop, restart, port taken --------------------
@pytest.mark.neo4j
@pytest.mark.slow
@pytest.mark.maven
def test_lifecycle_in_fresh_home(tmp_path: Path, local_neo4j: ServerInfo) -> None:
    home = tmp_path / "n4j"
    try:
        first = neo4j_server.start(home)
        assert first.started and first.home == home
        assert first.bolt_port != local_neo4j.bolt_port
        assert (home / "data" / "dbms" / "auth.ini").is_file()
        with GraphDatabase.driver(first.bolt_uri, auth=(first.user, first.password)) as driver:
            driver.execute_query("CREATE (:Probe {v: 42})")
        assert neo4j_server.stop(home) is True
        assert neo4j_server.status(home) is None
        assert neo4j_server.stop(home) is False

        # Another program takes the stored Bolt port: the next start moves to a free one.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT
            squatter.bind(("127.0.0.1", first.bolt_port))
            squatter.listen(1)
            second = neo4j_server.start(home)
        assert second.started and second.pid != first.pid
        assert second.bolt_port != first.bolt_port
        assert second.password == first.password  # data and password survive a restart
        with GraphDatabase.driver(second.bolt_uri, auth=(second.user, second.password)) as driver:
            records, _, _ = driver.execute_query("MATCH (p:Probe) RETURN p.v AS v")
        assert [r["v"] for r in records] == [42]
    finally:
        neo4j_server.stop(home)
        shutil.rmtree(home, ignore_errors=True)  # 140 MB of jars


@pytest.mark.maven
def test_maven_is_fetched_from_maven_central_when_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No mvn on PATH: provisioning fetches Maven itself (checksum-verified) into the cache."""
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PATH", "/usr/bin/nonexistent")
    exe = _find_mvn(None)
    assert exe.startswith(str(tmp_path))
    out = subprocess.run(
        [exe, "-v"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": os.defpath},
    )
    assert f"Apache Maven {neo4j_server.MAVEN_VERSION}" in out.stdout
    assert _find_mvn(None) == exe  # second call reuses it

"""``provenance list`` and the store query behind it (``recent_nodes``), on every backend.

The planted nodes' times are chosen so that a wrong order shows: time-zone offsets whose
wall-clock text sorts the other way, a microsecond apart, a tie broken by id, a time without
a zone (UTC), and transforms without a start time. The expected orders are worked out by
hand below, and checked against a plain oracle (sorting the datetimes themselves).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from provenance.cli.app import main
from provenance.errors import TrackingError
from provenance.model import Artifact, CodeVersion, Model, Transform
from provenance.store import LineageStore, SQLiteStore
from provenance.store.base import AnyNode, node_time
from tests import test_parity

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def hid(c: str) -> str:
    return "blake3:" + c * 64


T2 = Transform(
    id=hid("2"), operation="clean", name="clean users", started_at=at("2026-01-01T09:00:00-05:00")
)  # 14:00 UTC: the newest, though its text says 09:00
P1 = Artifact(
    id=hid("b"), name="preds[v1]", kind="predictions", created_at=at("2026-01-01T12:00:00+00:00")
)
M1 = Model(id=hid("c"), name="churn_model", created_at=at("2026-01-01T10:00:00.000001+00:00"))
T1 = Transform(id=hid("1"), operation="train", started_at=at("2026-01-01T10:00:00+00:00"))
A1 = Artifact(id=hid("a"), name="users.csv", created_at=at("2026-01-01T10:00:00+00:00"))
A2 = Artifact(  # 09:30 UTC, though its text (11:30) sorts after A1's
    id=hid("d"), name="users_clean", created_at=at("2026-01-01T11:30:00+02:00")
)
C1 = CodeVersion(id=hid("e"), entrypoint="pipeline:main", created_at=at("2026-01-01T08:00:00"))
T3 = Transform(id=hid("3"), operation="train")  # no start time: last
#: By hand: 14:00 T2, 12:00 P1, 10:00:00.000001 M1, 10:00 T1 and A1 (tie: id 1… before a…),
#: 09:30 A2, 08:00 C1 (no zone: UTC), then T3 (no time).
NEWEST_FIRST = [T2, P1, M1, T1, A1, A2, C1, T3]


def plant(store: LineageStore) -> None:
    store.write(list(reversed(NEWEST_FIRST)), [])


def ids(nodes: list[AnyNode]) -> list[str]:
    return [n.id for n in nodes]


def oracle(nodes: list[AnyNode]) -> list[AnyNode]:
    """Newest first by sorting datetimes (two stable sorts): ids, then times descending."""
    by_id = sorted(nodes, key=lambda n: n.id)
    timed = [n for n in by_id if node_time(n) is not None]
    untimed = [n for n in by_id if node_time(n) is None]

    def utc(n: AnyNode) -> dt.datetime:
        when = node_time(n)
        assert when is not None
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)

    return sorted(timed, key=utc, reverse=True) + untimed


def test_the_hand_order_is_the_oracle_order() -> None:
    assert ids(oracle(NEWEST_FIRST[::-1])) == ids(NEWEST_FIRST)


def test_newest_first_and_limit(store: LineageStore) -> None:
    plant(store)
    assert ids(store.recent_nodes()) == ids(NEWEST_FIRST)
    assert ids(store.recent_nodes(limit=3)) == ids(NEWEST_FIRST[:3])
    assert store.recent_nodes(limit=0) == []
    # nodes come back whole
    assert store.recent_nodes(limit=1)[0] == T2


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"node_type": "Artifact"}, [P1, M1, A1, A2]),  # models are artifacts too
        ({"node_type": "Model"}, [M1]),
        ({"node_type": "Transform"}, [T2, T1, T3]),
        ({"node_type": "CodeVersion"}, [C1]),
        ({"kind": "dataset"}, [A1, A2]),
        ({"kind": "predictions"}, [P1]),
        ({"kind": "model"}, [M1]),
        ({"operation": "train"}, [T1, T3]),
        ({"name": "users"}, [T2, A1, A2]),  # a substring, of any node's name
        ({"name": "Users"}, []),  # case-sensitive
        ({"name": "users*"}, [A1, A2]),  # a glob matches the whole name
        ({"name": "*users"}, [T2]),
        ({"name": "users?csv"}, [A1]),
        ({"name": "preds[v1*"}, [P1]),  # [ is itself in a glob
        ({"name": "preds[v]*"}, []),
        ({"name": "[v1]"}, [P1]),  # no * or ?: a substring
        ({"node_type": "Transform", "name": "clean*"}, [T2]),
        ({"node_type": "Artifact", "kind": "dataset", "name": "*clean"}, [A2]),
        ({"operation": "train", "name": "train"}, []),  # T1 and T3 have no name
    ],
)
def test_filters(store: LineageStore, filters: dict[str, str], expected: list[AnyNode]) -> None:
    plant(store)
    got = store.recent_nodes(**filters)  # type: ignore[arg-type]
    assert ids(got) == ids(expected)
    assert ids(got) == ids([n for n in oracle(NEWEST_FIRST) if n in expected])


def test_bad_queries(store: LineageStore) -> None:
    with pytest.raises(TrackingError, match="unknown node type 'artifact'"):
        store.recent_nodes(node_type="artifact")
    with pytest.raises(TrackingError, match="limit"):
        store.recent_nodes(limit=-1)


def many(n: int) -> list[Artifact]:
    """``n`` datasets a minute apart, the last the newest."""
    t0 = at("2026-02-01T00:00:00+00:00")
    return [
        Artifact(
            id="blake3:" + f"{i:04x}" * 16,
            name=f"table_{i:02d}",
            created_at=t0 + dt.timedelta(minutes=i),
        )
        for i in range(n)
    ]


# --- the command -----------------------------------------------------------------------------
@pytest.fixture
def uri(store: LineageStore, request: pytest.FixtureRequest) -> str:
    """What ``--store`` takes for the fixture's store."""
    if isinstance(store, SQLiteStore):
        return str(store.path)
    return str(request.getfixturevalue("neo4j_server").store_uri)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[list[str], bool]:
    code, out, err = run(capsys, "list", *argv, "--json")
    assert code == 0, err
    data = json.loads(out)
    return [n["id"] for n in data["nodes"]], data["truncated"]


def test_list_command(store: LineageStore, uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    tables = many(25)
    store.write(tables, [])
    plant(store)  # older than the tables
    newest = [a.id for a in reversed(tables)] + ids(NEWEST_FIRST)
    assert listed(capsys, "--store", uri) == (newest[:20], True)  # the 20 most recent
    assert listed(capsys, "--store", uri, "--all") == (newest, False)
    assert listed(capsys, "--store", uri, "--limit", "3") == (newest[:3], True)
    assert listed(capsys, "--store", uri, "--limit", str(len(newest))) == (newest, False)
    assert listed(capsys, "--store", uri, "--kind", "Model") == ([M1.id], False)
    assert listed(capsys, "--store", uri, "--kind", "Transform") == (ids([T2, T1, T3]), False)
    assert listed(capsys, "--store", uri, "--kind", "predictions") == ([P1.id], False)
    assert listed(capsys, "--store", uri, "--name", "users*") == (ids([A1, A2]), False)
    assert listed(capsys, "--store", uri, "--name", "table_0", "--all") == (
        [a.id for a in reversed(tables[:10])],
        False,
    )
    assert listed(capsys, "--store", uri, "--operation", "train") == (ids([T1, T3]), False)
    code, out, _ = run(capsys, "list", "--store", uri, "--kind", "Model", "--json")
    (node,) = json.loads(out)["nodes"]
    assert node == {
        "id": M1.id,
        "node_type": "Model",
        "name": "churn_model",
        "kind": "model",
        "operation": None,
        "uri": None,
        "erased": False,
        "erased_at": None,
        "created_at": "2026-01-01T10:00:00.000001Z",
    }
    # the human listing: one line per node, newest first, and what was left out
    code, out, _ = run(capsys, "list", "--store", uri, "--limit", "2")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4, out
    assert lines[1].split() == ["2026-02-01", "00:24:00", "dataset", "001800180018", "table_24"]
    assert lines[3] == "the 2 most recent shown; --limit N or --all for more"
    code, out, _ = run(capsys, "list", "--store", uri, "--kind", "Transform")
    assert [ln.split() for ln in out.splitlines()[1:]] == [
        ["2026-01-01", "14:00:00", "transform", "222222222222", "clean", "users", "(clean)"],
        ["2026-01-01", "10:00:00", "transform", "111111111111", "train"],
        ["-", "transform", "333333333333", "train"],  # no start time
    ]
    code, out, _ = run(capsys, "list", "--store", uri, "--name", "nothing-like-this")
    assert (code, out) == (0, "no nodes match\n")


def test_list_fits_80_columns_with_names_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    long_name = "customer_lifetime_value_features_weekly_snapshot_2026"
    with SQLiteStore(tmp_path / "l.sqlite") as s:
        s.write([Artifact(id=hid("f"), name=long_name, created_at=at("2026-01-01"))], [])
        plant(s)
    code, out, _ = run(capsys, "list", "--store", str(tmp_path / "l.sqlite"), "--all")
    assert code == 0
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert long_name in re.sub(r"\s+", "", out)  # whole: in the last column, maybe folded
    assert "…" not in out


def test_list_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "l.sqlite")
    SQLiteStore(path).close()
    code, _, err = run(capsys, "list", "--store", path, "--all", "--limit", "3")
    assert code == 1 and err.strip() == "error: give --all or --limit N, not both"
    code, _, err = run(capsys, "list", "--store", path, "--limit", "0")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--limit" in err
    code, _, err = run(capsys, "list", "--store", str(tmp_path / "none" / "x.sqlite"))
    assert code == 1 and len(err.strip().splitlines()) == 1 and "no provenance store" in err
    assert not (tmp_path / "none").exists()


def test_list_loads_no_heavy_library(tmp_path: Path) -> None:
    from tests.test_cli_startup import HEAVY, _loaded

    with SQLiteStore(tmp_path / ".provenance" / "lineage.sqlite") as s:
        plant(s)
    for argv in (["list"], ["list", "--json", "--kind", "Transform"]):
        code, loaded = _loaded(argv, tmp_path)
        assert code == 0
        assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))

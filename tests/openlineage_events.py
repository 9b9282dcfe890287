"""OpenLineage event fixtures: an Airflow-like DAG run and a Spark-like job, as event dicts.

Plain functions returning lists of events (in the order they are posted), so any test can
post them: the ingest tests write them to a store directly, the HTTP service's tests post
them to ``/api/v1/lineage``. Run ids are fixed UUIDs and times fixed instants, so every
answer can be worked out by hand (``tests/test_openlineage_ingest.py`` does).

* :func:`airflow_events` — DAG ``shop_etl`` (namespace ``airflow``): a DAG run (parent) and
  four task runs. ``extract_users`` reads a file (the one a native ``tracker.run`` reads too)
  and writes a Postgres table, its COMPLETE posted *before* its START, then an OTHER event;
  ``load_orders`` reads another file and FAILs with an ``errorMessage``; ``notify`` is
  ABORTed; ``report`` reads both tables and writes a report file. The DAG run's COMPLETE comes
  last.
* :func:`spark_events` — job ``orders_enrich`` (namespace ``spark://spark-master:7077``) run
  twice over versioned S3 inputs (``version`` facets), with ``columnLineage``, ``schema``,
  ``sourceCode``, ``dataQualityMetrics`` and ``outputStatistics`` facets; then
  ``orders_report`` reads the enriched table (no version facet: the newest) and aggregates it.
* :func:`job_event`, :func:`dataset_event` — the two static event types.
* :func:`bad_events` — events that break the spec (or what ingest needs), by name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
PRODUCER = "https://github.com/apache/airflow/tree/providers-openlineage/1.14.0"
SPARK_PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.25.0/integration/spark"

AIRFLOW = "airflow"
POSTGRES = "postgres://db.example.com:5432"
SPARK = "spark://spark-master:7077"
LAKE = "s3://lake"

#: The Airflow run ids: the DAG run and its tasks.
DAG_RUN = "01900000-0000-7000-8000-000000000d00"
EXTRACT_RUN = "01900000-0000-7000-8000-000000000e01"
LOAD_RUN = "01900000-0000-7000-8000-000000000e02"
NOTIFY_RUN = "01900000-0000-7000-8000-000000000e03"
REPORT_RUN = "01900000-0000-7000-8000-000000000e04"
#: The Spark run ids: two runs of orders_enrich, one of orders_report.
ENRICH_RUN_1 = "01900000-0000-7000-8000-00000000a001"
ENRICH_RUN_2 = "01900000-0000-7000-8000-00000000a002"
REPORT_SPARK_RUN = "01900000-0000-7000-8000-00000000a003"

#: When the DAG run started; the tasks' times are minutes after it.
T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
#: When the first Spark run started; the others are hours after it.
T1 = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)

LOAD_ERROR = 'duplicate key value violates unique constraint "orders_pkey"'


def at(base: dt.datetime, minutes: float = 0) -> str:
    """An eventTime ``minutes`` after ``base`` (``Z`` form)."""
    return (base + dt.timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def facet(schema: str, producer: str = PRODUCER, /, **fields: Any) -> dict[str, Any]:
    """A facet with its ``_producer`` and ``_schemaURL`` (``schema``: the facet's type)."""
    url = f"https://openlineage.io/spec/facets/1-0-1/{schema}.json#/$defs/{schema}"
    return {"_producer": producer, "_schemaURL": url, **fields}


def ds(namespace: str, name: str, **facets: Any) -> dict[str, Any]:
    """A dataset; ``input_facets`` / ``output_facets`` keywords fill those sections."""
    out: dict[str, Any] = {"namespace": namespace, "name": name}
    inputs = facets.pop("input_facets", None)
    outputs = facets.pop("output_facets", None)
    if facets:
        out["facets"] = facets
    if inputs:
        out["inputFacets"] = inputs
    if outputs:
        out["outputFacets"] = outputs
    return out


def run_event(
    event_type: str,
    when: str,
    run_id: str,
    job: tuple[str, str],
    *,
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    run_facets: dict[str, Any] | None = None,
    job_facets: dict[str, Any] | None = None,
    producer: str = PRODUCER,
) -> dict[str, Any]:
    """A RunEvent."""
    run: dict[str, Any] = {"runId": run_id}
    if run_facets:
        run["facets"] = run_facets
    job_part: dict[str, Any] = {"namespace": job[0], "name": job[1]}
    if job_facets:
        job_part["facets"] = job_facets
    return {
        "eventType": event_type,
        "eventTime": when,
        "producer": producer,
        "schemaURL": f"{SPEC}#/$defs/RunEvent",
        "run": run,
        "job": job_part,
        "inputs": inputs or [],
        "outputs": outputs or [],
    }


def shifted(events: list[dict[str, Any]], start: dt.datetime) -> list[dict[str, Any]]:
    """``events`` with every eventTime moved by one delta, the earliest to ``start``."""
    times = [dt.datetime.fromisoformat(e["eventTime"]) for e in events]
    delta = start - min(times)
    return [
        {**e, "eventTime": (t + delta).isoformat().replace("+00:00", "Z")}
        for e, t in zip(events, times, strict=True)
    ]


def parent(run_id: str = DAG_RUN, name: str = "shop_etl") -> dict[str, Any]:
    """A ``parent`` run facet pointing at an Airflow DAG run."""
    return facet("ParentRunFacet", run={"runId": run_id}, job={"namespace": AIRFLOW, "name": name})


# --- Airflow ------------------------------------------------------------------------------
def airflow_paths(data_dir: Path) -> dict[str, Path]:
    """The files the DAG reads and writes (``users.csv`` is the one a native run reads)."""
    return {
        "users": data_dir / "users.csv",
        "orders": data_dir / "orders.csv",
        "report": data_dir / "report.csv",
    }


def airflow_events(data_dir: Path) -> list[dict[str, Any]]:
    """The DAG run ``shop_etl`` and its tasks, in the order they are posted (out of order).

    Times (minutes after :data:`T0`): DAG 0-10; extract_users 1-3 (+ OTHER at 4);
    load_orders 2-4 (FAIL); report 5-6; notify 6-7 (ABORT).
    """
    paths = airflow_paths(data_dir)
    users_file = ds("file", str(paths["users"]))
    orders_file = ds("file", str(paths["orders"]))
    users_schema = facet(
        "SchemaDatasetFacet",
        fields=[{"name": "id", "type": "INTEGER"}, {"name": "email", "type": "VARCHAR"}],
    )
    users_table = ds(POSTGRES, "shop.public.users", schema=users_schema)
    users_table_done = ds(
        POSTGRES,
        "shop.public.users",
        schema=users_schema,
        ownership=facet("OwnershipDatasetFacet", owners=[{"name": "team:data-eng"}]),
        dataSource=facet("DatasourceDatasetFacet", name="shop", uri=POSTGRES + "/shop"),
        output_facets={
            "outputStatistics": facet("OutputStatisticsOutputDatasetFacet", rowCount=3, size=120)
        },
    )
    orders_table = ds(POSTGRES, "shop.public.orders")
    report_file = ds("file", str(paths["report"]))
    extract = (AIRFLOW, "shop_etl.extract_users")
    extract_job = {
        "sql": facet("SQLJobFacet", query="COPY shop.public.users FROM '/data/users.csv'"),
        "sourceCodeLocation": facet(
            "SourceCodeLocationJobFacet",
            type="git",
            url="https://github.com/example/dags/blob/abc123/dags/shop_etl.py",
            repoUrl="https://github.com/example/dags.git",
            path="dags/shop_etl.py",
            version="abc1230000000000000000000000000000000000",
            branch="main",
        ),
    }
    dag = (AIRFLOW, "shop_etl")
    dag_job = {
        "documentation": facet("DocumentationJobFacet", description="Nightly shop ETL."),
        "ownership": facet("OwnershipJobFacet", owners=[{"name": "team:data-eng"}]),
    }
    return [
        run_event(
            "START",
            at(T0, 0),
            DAG_RUN,
            dag,
            job_facets=dag_job,
            run_facets={"nominalTime": facet("NominalTimeRunFacet", nominalStartTime=at(T0, 0))},
        ),
        # extract_users: COMPLETE arrives before START.
        run_event(
            "COMPLETE",
            at(T0, 3),
            EXTRACT_RUN,
            extract,
            inputs=[users_file],
            outputs=[users_table_done],
            run_facets={"parent": parent()},
            job_facets=extract_job,
        ),
        run_event(
            "START",
            at(T0, 1),
            EXTRACT_RUN,
            extract,
            inputs=[users_file],
            outputs=[users_table],
            run_facets={"parent": parent()},
            job_facets=extract_job,
        ),
        run_event(
            "START",
            at(T0, 2),
            LOAD_RUN,
            (AIRFLOW, "shop_etl.load_orders"),
            inputs=[orders_file],
            outputs=[orders_table],
            run_facets={"parent": parent()},
        ),
        run_event(
            "FAIL",
            at(T0, 4),
            LOAD_RUN,
            (AIRFLOW, "shop_etl.load_orders"),
            inputs=[orders_file],
            outputs=[orders_table],
            run_facets={
                "parent": parent(),
                "errorMessage": facet(
                    "ErrorMessageRunFacet",
                    message=LOAD_ERROR,
                    programmingLanguage="python",
                    stackTrace="Traceback (most recent call last): ...",
                ),
            },
        ),
        run_event(
            "START",
            at(T0, 5),
            REPORT_RUN,
            (AIRFLOW, "shop_etl.report"),
            inputs=[ds(POSTGRES, "shop.public.users"), ds(POSTGRES, "shop.public.orders")],
            outputs=[report_file],
            run_facets={"parent": parent()},
        ),
        run_event(
            "START",
            at(T0, 6),
            NOTIFY_RUN,
            (AIRFLOW, "shop_etl.notify"),
            run_facets={"parent": parent()},
        ),
        run_event(
            "ABORT",
            at(T0, 7),
            NOTIFY_RUN,
            (AIRFLOW, "shop_etl.notify"),
            run_facets={"parent": parent()},
        ),
        run_event(
            "COMPLETE",
            at(T0, 6),
            REPORT_RUN,
            (AIRFLOW, "shop_etl.report"),
            inputs=[ds(POSTGRES, "shop.public.users"), ds(POSTGRES, "shop.public.orders")],
            outputs=[report_file],
            run_facets={"parent": parent()},
        ),
        # A late OTHER event: more metadata (an unknown facet), no status change.
        run_event(
            "OTHER",
            at(T0, 4),
            EXTRACT_RUN,
            extract,
            run_facets={
                "parent": parent(),
                "airflow_task_stats": facet("AirflowTaskStats", tries=1, pool="default_pool"),
            },
        ),
        run_event("COMPLETE", at(T0, 10), DAG_RUN, dag),
    ]


# --- Spark --------------------------------------------------------------------------------
def _field(name: str, field: str, kind: str, subtype: str, description: str = "") -> dict[str, Any]:
    step: dict[str, Any] = {"type": kind, "subtype": subtype}
    if description:
        step["description"] = description
    return {"namespace": LAKE, "name": name, "field": field, "transformations": [step]}


def enrich_lineage() -> dict[str, Any]:
    """The columnLineage facet of ``curated/orders_enriched``."""
    return facet(
        "ColumnLineageDatasetFacet",
        SPARK_PRODUCER,
        fields={
            "order_id": {"inputFields": [_field("raw/orders", "id", "DIRECT", "IDENTITY")]},
            "total": {
                "inputFields": [
                    _field("raw/orders", "amount", "DIRECT", "TRANSFORMATION", "amount + tax"),
                    _field("raw/orders", "tax", "DIRECT", "TRANSFORMATION", "amount + tax"),
                ],
                "transformationDescription": "amount + tax",
                "transformationType": "TRANSFORMATION",
            },
            "customer_name": {
                "inputFields": [_field("raw/customers", "name", "DIRECT", "IDENTITY")]
            },
        },
        dataset=[
            _field("raw/orders", "customer_id", "INDIRECT", "JOIN"),
            _field("raw/customers", "id", "INDIRECT", "JOIN"),
        ],
    )


def report_lineage() -> dict[str, Any]:
    """The columnLineage facet of ``reports/daily``."""
    return facet(
        "ColumnLineageDatasetFacet",
        SPARK_PRODUCER,
        fields={
            "revenue": {
                "inputFields": [
                    _field("curated/orders_enriched", "total", "DIRECT", "AGGREGATION", "sum")
                ]
            },
            "customers": {
                "inputFields": [
                    _field("curated/orders_enriched", "customer_name", "DIRECT", "AGGREGATION")
                ]
            },
        },
    )


def _schema(*names: str) -> dict[str, Any]:
    return facet(
        "SchemaDatasetFacet", SPARK_PRODUCER, fields=[{"name": n, "type": "string"} for n in names]
    )


def _version(v: str) -> dict[str, Any]:
    return facet("DatasetVersionDatasetFacet", SPARK_PRODUCER, datasetVersion=v)


def spark_events() -> list[dict[str, Any]]:
    """``orders_enrich`` run twice (orders v1 then v2; customers c1 both times; outputs e1,
    e2), then ``orders_report`` over the newest enriched table. Times: hours after :data:`T1`:
    run 1 at 0-0.1, run 2 at 1-1.1, report at 2-2.1."""
    enrich = (SPARK, "orders_enrich")
    code = {
        "sourceCode": facet(
            "SourceCodeJobFacet",
            SPARK_PRODUCER,
            language="python",
            sourceCode="orders.join(customers, 'customer_id')...",
        ),
    }

    def run(run_id: str, hour: int, orders_v: str, out_v: str, rows: int) -> list[dict[str, Any]]:
        inputs = [
            ds(
                LAKE,
                "raw/orders",
                version=_version(orders_v),
                schema=_schema("id", "customer_id", "amount", "tax"),
                input_facets={
                    "dataQualityMetrics": facet(
                        "DataQualityMetricsInputDatasetFacet",
                        SPARK_PRODUCER,
                        rowCount=rows,
                        bytes=rows * 50,
                        columnMetrics={"amount": {"nullCount": 0}},
                    )
                },
            ),
            ds(LAKE, "raw/customers", version=_version("c1"), schema=_schema("id", "name")),
        ]
        start_out = ds(LAKE, "curated/orders_enriched", version=_version(out_v))
        done_out = ds(
            LAKE,
            "curated/orders_enriched",
            version=_version(out_v),
            schema=_schema("order_id", "total", "customer_name"),
            columnLineage=enrich_lineage(),
            output_facets={
                "outputStatistics": facet(
                    "OutputStatisticsOutputDatasetFacet",
                    SPARK_PRODUCER,
                    rowCount=rows - 10,
                    size=(rows - 10) * 40,
                )
            },
        )
        return [
            run_event(
                "START",
                at(T1, 60 * hour),
                run_id,
                enrich,
                inputs=inputs,
                outputs=[start_out],
                job_facets=code,
                producer=SPARK_PRODUCER,
            ),
            run_event(
                "COMPLETE",
                at(T1, 60 * hour + 6),
                run_id,
                enrich,
                inputs=inputs,
                outputs=[done_out],
                job_facets=code,
                producer=SPARK_PRODUCER,
            ),
        ]

    report = (SPARK, "orders_report")
    daily = ds(
        LAKE,
        "reports/daily",
        schema=_schema("revenue", "customers"),
        columnLineage=report_lineage(),
    )
    return [
        *run(ENRICH_RUN_1, 0, "v1", "e1", 1000),
        *run(ENRICH_RUN_2, 1, "v2", "e2", 1200),
        run_event(
            "START",
            at(T1, 120),
            REPORT_SPARK_RUN,
            report,
            inputs=[ds(LAKE, "curated/orders_enriched")],
            outputs=[ds(LAKE, "reports/daily")],
            producer=SPARK_PRODUCER,
        ),
        run_event(
            "COMPLETE",
            at(T1, 126),
            REPORT_SPARK_RUN,
            report,
            inputs=[ds(LAKE, "curated/orders_enriched")],
            outputs=[daily],
            producer=SPARK_PRODUCER,
        ),
    ]


# --- static events ------------------------------------------------------------------------
def job_event() -> dict[str, Any]:
    """A JobEvent: the definition of ``shop_etl.export`` (users table → an S3 export)."""
    return {
        "eventTime": at(T0, 30),
        "producer": PRODUCER,
        "schemaURL": f"{SPEC}#/$defs/JobEvent",
        "job": {
            "namespace": AIRFLOW,
            "name": "shop_etl.export",
            "facets": {"sql": facet("SQLJobFacet", query="UNLOAD shop.public.users")},
        },
        "inputs": [ds(POSTGRES, "shop.public.users")],
        "outputs": [ds(LAKE, "exports/users")],
    }


def dataset_event() -> dict[str, Any]:
    """A DatasetEvent: documentation for ``shop.public.users``."""
    return {
        "eventTime": at(T0, 40),
        "producer": PRODUCER,
        "schemaURL": f"{SPEC}#/$defs/DatasetEvent",
        "dataset": ds(
            POSTGRES,
            "shop.public.users",
            documentation=facet("DocumentationDatasetFacet", description="One row per user."),
        ),
    }


def bad_events() -> dict[str, Any]:
    """Events ingest must refuse, by what is wrong with them."""
    good = run_event("START", at(T0), DAG_RUN, (AIRFLOW, "shop_etl"))
    no_run_id = {**good, "run": {}}
    bad_type = {**good, "eventType": "FINISHED"}
    bad_uuid = {**good, "run": {"runId": "run-1"}}
    naive_time = {**good, "eventTime": "2026-03-01T02:00:00"}
    no_producer = {k: v for k, v in good.items() if k != "producer"}
    facet_without_producer = {
        **good,
        "run": {"runId": DAG_RUN, "facets": {"nominalTime": {"nominalStartTime": at(T0)}}},
    }
    broken_parent = {
        **good,
        "run": {"runId": EXTRACT_RUN, "facets": {"parent": facet("ParentRunFacet", run={})}},
    }
    return {
        "missing runId": no_run_id,
        "unknown eventType": bad_type,
        "runId not a UUID": bad_uuid,
        "eventTime without time zone": naive_time,
        "no producer": no_producer,
        "facet without _producer": facet_without_producer,
        "parent facet without runId": broken_parent,
        "not an object": ["START"],
    }


# --- real-shaped sets for the ordering tests (tests/test_openlineage_order.py) ------------
# Written from the documented event formats of each integration (OpenLineage's spec 2-0-2 and
# the shapes its dbt, Spark and Airflow integrations emit: job names, namespaces, run facets).
DBT_PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.25.0/integration/dbt"
AIRFLOW3_PRODUCER = "https://github.com/apache/airflow/tree/providers-openlineage/2.1.0"
DUCKDB = "duckdb:///opt/jaffle/jaffle.duckdb"
#: When the first dbt run started; the second starts 78 s after the first ended.
T_DBT = dt.datetime(2026, 4, 1, 6, 0, tzinfo=dt.UTC)
T_SPARK = dt.datetime(2026, 4, 2, 3, 0, tzinfo=dt.UTC)
T_AIRFLOW = dt.datetime(2026, 4, 3, 0, 0, tzinfo=dt.UTC)


def uid(kind: int, n: int) -> str:
    """A fixed UUIDv7-shaped run id (``kind`` picks the set, ``n`` the run)."""
    return f"01960000-0000-7000-8000-{kind:04x}{n:08x}"


def _dbt_table(name: str, *cols: str) -> dict[str, Any]:
    return ds(
        DUCKDB,
        f"jaffle.main.{name}",
        dataSource=facet("DatasourceDatasetFacet", DBT_PRODUCER, name=DUCKDB, uri=DUCKDB),
        schema=facet(
            "SchemaDatasetFacet",
            DBT_PRODUCER,
            fields=[{"name": c, "type": "VARCHAR"} for c in cols],
        ),
    )


def dbt_events(runs: int = 2) -> list[dict[str, Any]]:
    """``dbt run`` (dbt-ol, dbt-duckdb) ``runs`` times: each invocation is a parent run
    (job ``dbt-run-jaffle``) with one run per model, START and COMPLETE: the staging models
    read the seeds, the mart reads both staging models. In time order."""
    out: list[dict[str, Any]] = []
    models = [
        ("stg_customers", ["raw_customers"], ["customer_id", "name"]),
        ("stg_orders", ["raw_orders"], ["order_id", "customer_id"]),
        ("customers", ["stg_customers", "stg_orders"], ["customer_id", "orders"]),
    ]
    cols = {"raw_customers": ["id", "name"], "raw_orders": ["id", "user_id"]}
    cols.update({m: c for m, _, c in models})
    start = T_DBT
    for r in range(runs):
        parent_id = uid(0xDB, r * 10)
        parent_job = ("dbt", "dbt-run-jaffle")
        engine = {
            "processing_engine": facet(
                "ProcessingEngineRunFacet", DBT_PRODUCER, version="1.9.1", name="dbt",
                openlineageAdapterVersion="1.25.0",
            ),
            "dbt_version": facet("DbtVersionRunFacet", DBT_PRODUCER, version="1.9.1"),
        }  # fmt: skip
        out.append(run_event("START", at(start), parent_id, parent_job, run_facets=engine,
                             producer=DBT_PRODUCER))  # fmt: skip
        t = 0.1
        for m, (model, reads, mcols) in enumerate(models, 1):
            rid = uid(0xDB, r * 10 + m)
            job = ("dbt", f"jaffle.main.{model}")
            sql = {
                "sql": facet("SQLJobFacet", DBT_PRODUCER, query=f"select * from {reads[0]}"),
                "jobType": facet("JobTypeJobFacet", DBT_PRODUCER, processingType="BATCH",
                                 integration="DBT", jobType="MODEL"),
            }  # fmt: skip
            run_facets = {
                "parent": facet("ParentRunFacet", DBT_PRODUCER, run={"runId": parent_id},
                                job={"namespace": "dbt", "name": "dbt-run-jaffle"}),
                **engine,
            }  # fmt: skip
            inputs = [_dbt_table(x, *cols[x]) for x in reads]
            output = _dbt_table(model, *mcols)
            done = {
                **output,
                "outputFacets": {
                    "outputStatistics": facet(
                        "OutputStatisticsOutputDatasetFacet", DBT_PRODUCER, rowCount=100 + m + r
                    )
                },
            }
            for kind, when, outs in (("START", t, output), ("COMPLETE", t + 0.4, done)):
                out.append(run_event(kind, at(start, when), rid, job, inputs=inputs,
                                     outputs=[outs], run_facets=run_facets, job_facets=sql,
                                     producer=DBT_PRODUCER))  # fmt: skip
            t += 0.5
        out.append(run_event("COMPLETE", at(start, t), parent_id, parent_job,
                             run_facets=engine, producer=DBT_PRODUCER))  # fmt: skip
        start = start + dt.timedelta(minutes=t, seconds=78)
    return out


def spark_listener_events(apps: int = 2) -> list[dict[str, Any]]:
    """The OpenLineage Spark listener over ``apps`` daily runs of application ``orders_etl``:
    the application run (START, COMPLETE) and per SQL execution a child run (START, RUNNING,
    COMPLETE; job ``orders_etl.execute_insert_into_hadoop_fs_relation_command.<table>``).
    The first execution cleans ``/data/raw/orders`` into ``/lake/orders_clean`` (files: no
    version facet), the second aggregates the clean table. In time order."""
    out: list[dict[str, Any]] = []
    engine = {
        "processing_engine": facet("ProcessingEngineRunFacet", SPARK_PRODUCER, version="3.5.1",
                                   name="spark", openlineageAdapterVersion="1.25.0"),
        "spark_properties": facet("SparkPropertiesFacet", SPARK_PRODUCER,
                                  properties={"spark.master": "local[4]",
                                              "spark.app.name": "orders_etl"}),
    }  # fmt: skip
    steps = [
        ("lake_orders_clean", ("file", "/data/raw/orders"), ("file", "/lake/orders_clean")),
        ("lake_orders_by_country", ("file", "/lake/orders_clean"), ("file", "/lake/by_country")),
    ]
    for a in range(apps):
        start = T_SPARK + dt.timedelta(days=a)
        app_id = uid(0x5A, a * 10)
        app = ("spark_default", "orders_etl")
        out.append(run_event("START", at(start), app_id, app, run_facets=engine,
                             producer=SPARK_PRODUCER))  # fmt: skip
        t = 0.2
        for s, (table, (ins, inn), (ons, onn)) in enumerate(steps, 1):
            rid = uid(0x5A, a * 10 + s)
            job = (
                "spark_default",
                f"orders_etl.execute_insert_into_hadoop_fs_relation_command.{table}",
            )
            run_facets = {
                "parent": facet("ParentRunFacet", SPARK_PRODUCER, run={"runId": app_id},
                                job={"namespace": "spark_default", "name": "orders_etl"}),
                **engine,
            }  # fmt: skip
            src = ds(ins, inn, schema=_schema("id", "country", "amount"),
                     dataSource=facet("DatasourceDatasetFacet", SPARK_PRODUCER, name="file",
                                      uri="file"))  # fmt: skip
            dst = ds(ons, onn, schema=_schema("id", "country", "amount"))
            done = {
                **dst,
                "outputFacets": {
                    "outputStatistics": facet("OutputStatisticsOutputDatasetFacet",
                                              SPARK_PRODUCER, rowCount=10 * s + a,
                                              size=4096, fileCount=1)
                },
            }  # fmt: skip
            for kind, when, o in (("START", t, dst), ("RUNNING", t + 0.1, dst),
                                  ("COMPLETE", t + 0.3, done)):  # fmt: skip
                out.append(run_event(kind, at(start, when), rid, job, inputs=[src], outputs=[o],
                                     run_facets=run_facets, producer=SPARK_PRODUCER))  # fmt: skip
            t += 0.5
        out.append(run_event("COMPLETE", at(start, t), app_id, app, run_facets=engine,
                             producer=SPARK_PRODUCER))  # fmt: skip
    return out


def airflow_assets_events(executions: int = 1, dag_runs: int = 1) -> list[dict[str, Any]]:
    """Airflow 3's provider: DAG ``assets_etl`` (``dag_runs`` logical dates) with tasks
    ``fetch_a`` and ``fetch_b`` (each writes a file asset), ``join`` (reads both, writes a
    warehouse table) and ``publish`` (reads the table, writes the report asset). Run ids are
    deterministic per (DAG run, task), as ``airflow dags test`` makes them for one logical
    date: ``executions`` > 1 replays each DAG run with the same run ids, later. In time
    order."""
    out: list[dict[str, Any]] = []
    tasks = [
        ("fetch_a", [], ("file", "/opt/airflow/assets/a.json")),
        ("fetch_b", [], ("file", "/opt/airflow/assets/b.json")),
        ("join", [("file", "/opt/airflow/assets/a.json"), ("file", "/opt/airflow/assets/b.json")],
         ("postgres://warehouse:5432", "analytics.public.joined")),
        ("publish", [("postgres://warehouse:5432", "analytics.public.joined")],
         ("s3://reports", "daily/report.csv")),
    ]  # fmt: skip
    for d in range(dag_runs):
        for x in range(executions):
            start = T_AIRFLOW + dt.timedelta(days=d, hours=x)
            dag_id = uid(0xAF, d * 10)
            dag = (AIRFLOW, "assets_etl")
            nominal = facet(
                "NominalTimeRunFacet",
                AIRFLOW3_PRODUCER,
                nominalStartTime=at(T_AIRFLOW + dt.timedelta(days=d)),
            )
            out.append(run_event("START", at(start), dag_id, dag, producer=AIRFLOW3_PRODUCER,
                                 run_facets={"nominalTime": nominal}))  # fmt: skip
            for n, (task, reads, (ons, onn)) in enumerate(tasks, 1):
                rid = uid(0xAF, d * 10 + n)
                job = (AIRFLOW, f"assets_etl.{task}")
                link = facet(
                    "ParentRunFacet",
                    AIRFLOW3_PRODUCER,
                    run={"runId": dag_id},
                    job={"namespace": AIRFLOW, "name": "assets_etl"},
                )
                facets = {"parent": link}
                inputs = [ds(ns, nm) for ns, nm in reads]
                for kind, when in (("START", n), ("COMPLETE", n + 0.5)):
                    out.append(run_event(kind, at(start, when), rid, job, inputs=inputs,
                                         outputs=[ds(ons, onn)], run_facets=facets,
                                         producer=AIRFLOW3_PRODUCER))  # fmt: skip
            out.append(run_event("COMPLETE", at(start, 6), dag_id, dag,
                                 producer=AIRFLOW3_PRODUCER))  # fmt: skip
    return out

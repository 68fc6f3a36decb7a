"""The throwaway PostgreSQL server the database suites run on: real, crashable, removed."""

import socket

import psycopg
import pytest

from modelmint.dev import postgres as pg_module
from modelmint.dev.postgres import PostgresServer, PostgresUnavailable


def test_session_server__url__accepts_sql(postgres):
    with psycopg.connect(postgres.url) as conn:
        assert conn.execute("select current_user, current_database()").fetchone() == (
            "modelmint",
            "modelmint",
        )


def test_server__kill_9_then_restart__committed_rows_recovered_old_connections_fail():
    with PostgresServer.start() as server:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("create table paid (receipt int primary key)")
            conn.execute("insert into paid values (1), (2)")
        held = psycopg.connect(server.url)
        server.kill()
        assert not server.accepts_connections()
        server.restart()
        with psycopg.connect(server.url) as conn:
            assert conn.execute("select receipt from paid order by 1").fetchall() == [(1,), (2,)]
        with pytest.raises(psycopg.OperationalError):
            held.execute("select 1")
        held.close()


def test_server__stopped__directory_removed_and_port_free():
    server = PostgresServer.start()
    root, port = server.root, server.port
    server.stop()
    assert not root.exists()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # nothing listens there any more


def test_bin_dir__no_server_binaries__named_error_with_install_hint(monkeypatch):
    monkeypatch.setattr(pg_module.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(pg_module.shutil, "which", lambda name: None)
    with pytest.raises(PostgresUnavailable, match="apt-get install -y postgresql"):
        pg_module.bin_dir()

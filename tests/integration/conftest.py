"""conftest: shared fixtures for integration tests: database connections as the owner and the application role.

SB_DSN_OWNER and SB_DSN_APP are libpq connection strings for
switchboard_owner and switchboard_app on a database with every migration
applied; tests that need them are skipped when they are not set.
"""

import os

import psycopg2
import pytest


def _connect(variable):
    dsn = os.environ.get(variable)
    if not dsn:
        pytest.skip(f"{variable} is not set")
    conn = psycopg2.connect(dsn)
    conn.autocommit = False
    return conn


@pytest.fixture
def owner_db():
    """A psycopg2 connection as switchboard_owner (autocommit off),
    rolled back and closed after the test."""
    conn = _connect("SB_DSN_OWNER")
    yield conn
    conn.rollback()
    conn.close()


@pytest.fixture
def app_db():
    """A psycopg2 connection as switchboard_app (autocommit off),
    rolled back and closed after the test."""
    conn = _connect("SB_DSN_APP")
    yield conn
    conn.rollback()
    conn.close()

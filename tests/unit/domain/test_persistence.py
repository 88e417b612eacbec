"""How OKR_DATABASE_URL becomes the event store's environment."""

import ast
from pathlib import Path

import pytest

from domain.persistence import database_url, environment_for

pytestmark = pytest.mark.unit


def test_memory_url_selects_plain_python_objects():
    assert environment_for("memory://") == {"PERSISTENCE_MODULE": "eventsourcing.popo"}


def test_relative_sqlite_path_is_kept_relative():
    assert environment_for("sqlite:///data/okr.db") == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": "data/okr.db",
    }


def test_a_fourth_slash_makes_the_sqlite_path_absolute():
    assert environment_for("sqlite:////var/lib/okr/okr.db")["SQLITE_DBNAME"] == (
        "/var/lib/okr/okr.db"
    )


def test_sqlite_keeps_the_library_durability_defaults():
    env = environment_for("sqlite:///okr.db")
    assert set(env) == {"PERSISTENCE_MODULE", "SQLITE_DBNAME"}


def test_postgresql_url_gives_every_connection_setting():
    env = environment_for("postgresql://okr:secret@db.example:6543/ledger")
    assert env == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "ledger",
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "okr",
        "POSTGRES_PASSWORD": "secret",
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_MAX_OVERFLOW": "10",
        "POSTGRES_CONNECT_TIMEOUT": "2",
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
    }


def test_postgres_scheme_is_an_alias_and_port_defaults_to_5432():
    env = environment_for("postgres://okr:secret@localhost/ledger")
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert env["POSTGRES_PORT"] == "5432"


def test_user_and_password_are_percent_decoded():
    env = environment_for("postgresql://okr%40team:p%3Ass%2Fw%40rd@localhost/ledger")
    assert env["POSTGRES_USER"] == "okr@team"
    assert env["POSTGRES_PASSWORD"] == "p:ss/w@rd"


def test_a_user_without_password_gets_an_empty_password():
    assert environment_for("postgresql://okr@localhost/ledger")["POSTGRES_PASSWORD"] == ""


def test_query_parameters_set_schema_and_pool_settings():
    env = environment_for(
        "postgresql://okr:pw@localhost/ledger?schema=okr&pool_size=20&lock_timeout=2"
    )
    assert env["POSTGRES_SCHEMA"] == "okr"
    assert env["POSTGRES_POOL_SIZE"] == "20"
    assert env["POSTGRES_LOCK_TIMEOUT"] == "2"


def test_database_functions_are_never_enabled():
    # Their insert path takes no table lock, so a tailer of the log could skip events.
    env = environment_for("postgresql://okr:pw@localhost/ledger")
    assert env["POSTGRES_ENABLE_DB_FUNCTIONS"] == "n"


@pytest.mark.parametrize(
    "url",
    [
        "mysql://okr:pw@localhost/ledger",
        "okr.db",
        "",
        "memory://somewhere",
        "sqlite://",
        "sqlite:///",
        "sqlite://okr.db",
        "postgresql://okr:pw@localhost",
        "postgresql://okr:pw@localhost/",
        "postgresql://localhost/ledger",
        "postgresql://okr:pw@localhost:notaport/ledger",
        "postgresql://okr:pw@localhost/ledger?sslmode=require",
        "postgresql://okr:pw@localhost/ledger?pool_size=many",
    ],
)
def test_an_invalid_url_is_refused_with_an_example_of_a_valid_one(url):
    with pytest.raises(ValueError, match=r"postgresql://user:password@host:5432/dbname"):
        environment_for(url)


def test_the_refusal_does_not_repeat_the_password():
    with pytest.raises(ValueError) as refused:
        environment_for("postgresql://okr:hunter2@localhost/")
    assert "hunter2" not in str(refused.value)


def test_database_url_defaults_to_a_sqlite_file_in_the_working_folder():
    assert database_url({}) == "sqlite:///./okr.db"


def test_an_empty_setting_counts_as_unset():
    assert database_url({"OKR_DATABASE_URL": ""}) == "sqlite:///./okr.db"


def test_database_url_reads_the_setting():
    assert database_url({"OKR_DATABASE_URL": "memory://"}) == "memory://"


def test_the_default_url_is_itself_valid():
    assert environment_for(database_url({}))["SQLITE_DBNAME"] == "./okr.db"


def test_persistence_imports_only_the_standard_library():
    source = Path(__file__).parents[3] / "domain" / "persistence.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "os", "collections", "urllib"}

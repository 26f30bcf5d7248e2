"""Trigram indexes that make the list pages' free-text search fast on PostgreSQL.

The search filters with icontains, which Django writes on PostgreSQL as
UPPER("column"::text) LIKE UPPER('%word%'). A GIN index of pg_trgm trigrams on exactly that
expression answers it for words of three or more characters, instead of a scan of every
row. Other databases get nothing (SQLite scans; its tables are demo-sized).
"""

from django.db.migrations.operations.base import Operation


class AddSearchTrigramIndexes(Operation):
    """Create pg_trgm (a trusted extension) and one index per field, CONCURRENTLY.

    CONCURRENTLY keeps the table writable while a large one is indexed; it cannot run in a
    transaction, so a migration using this operation sets `atomic = False`.
    """

    reversible = True

    def __init__(self, model_name: str, fields: list[str]):
        self.model_name = model_name
        self.fields = fields

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"model_name": self.model_name, "fields": self.fields}

    def state_forwards(self, app_label, state):
        pass  # Raw SQL indexes: the models' state does not change.

    def _indexes(self, app_label, schema_editor, state):
        model = state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        for field in self.fields:
            column = model._meta.get_field(field).column
            yield schema_editor.quote_name(table), schema_editor.quote_name(column), f"{table}_{column}_trgm"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, column, name in self._indexes(app_label, schema_editor, to_state):
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        for _, _, name in self._indexes(app_label, schema_editor, from_state):
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")

    def describe(self):
        return f"Trigram search indexes on {self.model_name} ({', '.join(self.fields)}), PostgreSQL only"

"""Alembic environment: runs on the app's engine, with every model imported."""

from __future__ import annotations

from alembic import context

from elearn import models  # noqa: F401 - registers the core's tables on Base.metadata
from elearn.db import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()

"""Sign-in without e-mail: e-mail optional, usernames, forced password change, one-time sign-in codes.

The phone number a learner signs in with is the profile's (``learner_profiles.phone``, unique and
stored as E.164 since 0010), so it is not repeated on ``users``.

Revision ID: 0013_phone_sign_in
Revises: 0012_certificates_audit
Create Date: 2026-12-04 04:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_phone_sign_in"
down_revision = "0012_certificates_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot alter a column in place: the batch copies the table (PostgreSQL alters it).
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(sa.Column("username", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_unique_constraint(batch_op.f("uq_users_username"), ["username"])
    op.create_table(
        "sign_in_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.Enum("paper", "sms", "reset", native_enum=False, length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sign_in_codes_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_sign_in_codes_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_sign_in_codes_code_hash")),
    )
    with op.batch_alter_table("sign_in_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_codes_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sign_in_codes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_username"), type_="unique")
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("username")
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=False)

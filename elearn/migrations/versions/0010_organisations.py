"""Organisations (administrative units, cooperatives, staff areas) and learner profiles.

Revision ID: 0010_organisations
Revises: 0009_enrolment_codes_programmes
Create Date: 2026-12-04 02:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_organisations"
down_revision = "0009_enrolment_codes_programmes"
branch_labels = None
depends_on = None


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(*values, native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "admin_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", _enum("province", "area", "ward", "commune"), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("province_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["admin_units.id"], name=op.f("fk_admin_units_parent_id_admin_units"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["province_id"], ["admin_units.id"],
                                name=op.f("fk_admin_units_province_id_admin_units"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["area_id"], ["admin_units.id"], name=op.f("fk_admin_units_area_id_admin_units"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_units")),
        sa.UniqueConstraint("code", name=op.f("uq_admin_units_code")),
    )
    with op.batch_alter_table("admin_units", schema=None) as batch_op:
        for column in ("parent_id", "province_id", "area_id"):
            batch_op.create_index(batch_op.f(f"ix_admin_units_{column}"), [column], unique=False)
    op.create_table(
        "cooperatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", _enum("agricultural", "non_agricultural", "credit_fund", "union"), nullable=False),
        sa.Column("registration_number", sa.String(length=50), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["admin_units.id"], name=op.f("fk_cooperatives_unit_id_admin_units"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cooperatives")),
        sa.UniqueConstraint("registration_number", name=op.f("uq_cooperatives_registration_number")),
    )
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cooperatives_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "staff_areas",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_staff_areas_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["admin_units.id"], name=op.f("fk_staff_areas_unit_id_admin_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "unit_id", name=op.f("pk_staff_areas")),
    )
    with op.batch_alter_table("staff_areas", schema=None) as batch_op:
        batch_op.create_index("ix_staff_areas_unit_id", ["unit_id"], unique=False)
    op.create_table(
        "learner_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("position", _enum("director", "board_chair", "board_member", "controller", "accountant", "member",
                                    "other"), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("gender", _enum("female", "male", "other"), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_learner_profiles_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"],
                                name=op.f("fk_learner_profiles_cooperative_id_cooperatives"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_learner_profiles")),
        sa.UniqueConstraint("phone", name=op.f("uq_learner_profiles_phone")),
    )
    with op.batch_alter_table("learner_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learner_profiles_cooperative_id"), ["cooperative_id"], unique=False)


def downgrade() -> None:
    op.drop_table("learner_profiles")
    op.drop_table("staff_areas")
    op.drop_table("cooperatives")
    op.drop_table("admin_units")

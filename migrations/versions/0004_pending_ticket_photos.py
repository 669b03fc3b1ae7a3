"""ticket photos read before their appeal exists, kept until the driver starts it

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_ticket_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_ticket_photos')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_pending_ticket_photos_key_hash'))
    )
    with op.batch_alter_table('pending_ticket_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_ticket_photos_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_ticket_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_ticket_photos_expires_at'))
    op.drop_table('pending_ticket_photos')

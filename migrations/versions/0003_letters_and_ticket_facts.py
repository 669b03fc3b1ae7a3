"""letters and their tracking events; the ticket's facts and a structured return address

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

APPEAL_COLUMNS = [
    sa.Column('plate_state', sa.String(length=2), nullable=True),
    sa.Column('vehicle_make', sa.String(length=40), nullable=True),
    sa.Column('violation', sa.String(length=200), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('notice_date', sa.Date(), nullable=True),
    sa.Column('return_line1', sa.String(length=64), nullable=True),
    sa.Column('return_line2', sa.String(length=64), nullable=True),
    sa.Column('return_city', sa.String(length=64), nullable=True),
    sa.Column('return_state', sa.String(length=2), nullable=True),
    sa.Column('return_zip', sa.String(length=10), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
]


def upgrade():
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        for column in APPEAL_COLUMNS:
            batch_op.add_column(column.copy())
    with op.batch_alter_table('evidence_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='evidence',
                                      nullable=False))

    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('letter_version', sa.Integer(), nullable=False),
    sa.Column('mail_class', sa.String(length=16), nullable=False),
    sa.Column('backend', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('deliver_by', sa.Date(), nullable=True),
    sa.Column('provider_letter_id', sa.String(length=64), nullable=True),
    sa.Column('tracking_number', sa.String(length=64), nullable=True),
    sa.Column('expected_delivery_date', sa.Date(), nullable=True),
    sa.Column('mailed_on', sa.Date(), nullable=True),
    sa.Column('tracking_status', sa.String(length=32), nullable=True),
    sa.Column('tracking_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('print_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_letters_appeal_id_appeals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters')),
    sa.UniqueConstraint('appeal_id', 'letter_version', name=op.f('uq_letters_appeal_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_letters_idempotency_key')),
    sa.UniqueConstraint('provider_letter_id', name=op.f('uq_letters_provider_letter_id'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_appeal_id'), ['appeal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_deliver_by'), ['deliver_by'], unique=False)

    op.create_table('letter_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('provider_event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['letter_id'], ['letters.id'], name=op.f('fk_letter_events_letter_id_letters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_events')),
    sa.UniqueConstraint('provider_event_id', name=op.f('uq_letter_events_provider_event_id'))
    )
    with op.batch_alter_table('letter_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_events_letter_id'), ['letter_id'], unique=False)


def downgrade():
    with op.batch_alter_table('letter_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_events_letter_id'))
    op.drop_table('letter_events')
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_deliver_by'))
        batch_op.drop_index(batch_op.f('ix_letters_status'))
        batch_op.drop_index(batch_op.f('ix_letters_appeal_id'))
    op.drop_table('letters')
    with op.batch_alter_table('evidence_photos', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        for column in reversed(APPEAL_COLUMNS):
            batch_op.drop_column(column.name)

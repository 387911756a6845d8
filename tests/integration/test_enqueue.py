"""The enqueue seam: one send per task and arguments per commit; a failed publish opens a short circuit."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from commitments.services import enqueue
from commitments.services import projection as projection_services


def _pending_sends() -> list[tuple[str, tuple[object, ...]]]:
    return [getattr(func, "enqueue_key", None) for _sids, func, _robust in connection.run_on_commit]


@pytest.mark.django_db
def test_one_send_per_commitment_per_transaction():
    with transaction.atomic():
        for _ in range(3):  # e.g. three CSV rows of one commitment
            projection_services.projection_request(commitment_id=41)
        projection_services.projection_request(commitment_id=42)
        assert _pending_sends() == [
            ("commitments.tasks.project_commitment", (41,)),
            ("commitments.tasks.project_commitment", (42,)),
        ]


@pytest.mark.django_db
def test_a_send_registered_in_a_rolled_back_savepoint_is_registered_again():
    with transaction.atomic():
        try:
            with transaction.atomic():
                projection_services.projection_request(commitment_id=7)
                raise RuntimeError("row refused")
        except RuntimeError:
            pass
        assert _pending_sends() == []
        projection_services.projection_request(commitment_id=7)
        assert _pending_sends() == [("commitments.tasks.project_commitment", (7,))]


@pytest.mark.django_db(transaction=True)
def test_a_failed_publish_opens_the_circuit_and_later_sends_give_up_at_once(caplog, settings):
    from devtools.servers import free_port
    from jlis_commitments.celery import app

    settings.BROKER_DOWN_SECONDS = 60
    real_broker = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app.amqp._producer_pool = None
    try:
        assert enqueue.send_now("commitments.tasks.project_commitment", [1]) is None
        assert enqueue.broker_marked_down()
        assert "could not queue project_commitment(1); left for the sweep" in caplog.text
        caplog.clear()
        assert enqueue.send_now("commitments.tasks.project_commitment", [2]) is None
        assert "broker marked down: could not queue project_commitment(2)" in caplog.text
        assert "Connection refused" not in caplog.text  # no connection was attempted
    finally:
        app.conf.broker_url = real_broker
        app.amqp._producer_pool = None
        enqueue._reset()
    assert enqueue.send_now("commitments.tasks.projections_sweep") is not None  # Redis up: sent again

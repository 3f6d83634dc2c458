"""Each task reaches exactly one queue: the routing that decides which worker pool renders PDFs and sends mail."""

from eservice.celery import QUEUES, app


def test_queues_have_distinct_bindings():
    bindings = {(q.exchange.name, q.routing_key) for q in app.amqp.queues.values()}
    assert len(bindings) == len(QUEUES)


def test_pdf_and_email_tasks_are_routed_to_their_queues():
    router = app.amqp.router
    assert router.route({}, "workers.tasks.pdf.render_sample_letter")["queue"].name == "pdf"
    assert router.route({}, "workers.tasks.email.send_notification")["queue"].name == "email"
    assert router.route({}, "workers.tasks.maintenance.sweep_notification_outbox")["queue"].name == "default"


def test_only_json_is_accepted():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit

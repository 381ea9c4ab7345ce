"""Structured logs: JSON lines from the configured handler, with national register numbers and
secrets masked wherever they appear in a record."""

import logging

import pytest

from csam.observability.logs import NRN_MASK, TextFormatter, redact

logger = logging.getLogger("csam.tests.operations")

NUMBER = "85071412429"


def test_log_line_is_json_with_time_level_logger_and_message(json_log):
    logger.info("Grant %s made", 7)
    [line] = json_log()
    assert line["message"] == "Grant 7 made"
    assert line["level"] == "INFO"
    assert line["logger"] == "csam.tests.operations"
    assert line["time"].endswith("+00:00")
    assert "request_id" not in line  # no request: no id


@pytest.mark.parametrize("written", [NUMBER, "85.07.14-124.29", "850714 124 29", "850714-124-29"])
def test_national_number_masked_in_message_when_logged_in_any_format(json_log, written):
    logger.info("Looked up %s for the decision", written)
    [line] = json_log()
    assert line["message"] == f"Looked up {NRN_MASK} for the decision"


def test_national_number_masked_in_extra_fields_and_nested_values_when_logged(json_log):
    logger.warning(
        "Import row refused",
        extra={
            "row": {"national_number": NUMBER, "note": f"subject {NUMBER}"},
            "number": int(NUMBER),
        },
    )
    [line] = json_log()
    text = str(line)
    assert NUMBER not in text
    assert line["row"] == {"national_number": "[redacted]", "note": f"subject {NRN_MASK}"}
    assert line["number"] == NRN_MASK


def test_national_number_masked_in_exception_text_when_logged(json_log):
    try:
        raise ValueError(f"no person {NUMBER}")
    except ValueError:
        logger.exception("Lookup failed")
    [line] = json_log()
    assert "ValueError: no person " + NRN_MASK in line["exception"]
    assert NUMBER not in str(line)


def test_secrets_masked_in_message_and_extra_fields_when_logged(json_log):
    key = "csam_ab12cd34_" + "s" * 43
    logger.info(
        "Call with Authorization: Bearer %s, password=hunter2 and token: 'abc'",
        key,
        extra={"password": "hunter2", "headers": {"Cookie": "sessionid=xyz", "Accept": "json"}},
    )
    [line] = json_log()
    text = str(line)
    for secret in ("hunter2", "s" * 43, "abc", "xyz"):
        assert secret not in text
    assert line["password"] == "[redacted]"
    assert line["headers"] == {"Cookie": "[redacted]", "Accept": "json"}


def test_service_client_key_keeps_its_prefix_when_masked():
    assert redact("key csam_ab12cd34_" + "x" * 40) == "key csam_ab12cd34_[redacted]"


@pytest.mark.parametrize(
    "text",
    [
        "company 0403.019.261",  # an enterprise number is not personal
        "company 0403019261",
        "grant 123456 of 2026-07-14",
        "took 12.5 ms, 1716801234567 ms since the epoch",
    ],
)
def test_redact_keeps_text_without_national_numbers_or_secrets(text):
    assert redact(text) == text


def test_log_line_of_a_request_carries_its_request_id(client, json_log, db):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-0123456789abcdef")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-0123456789abcdef"
    logger.info("Between requests")
    [line] = [x for x in json_log() if x["logger"] == "django.request"]
    assert line["request_id"] == "req-0123456789abcdef"
    assert line["message"] == "Not Found: /no-such-page/"
    [after] = [x for x in json_log() if x["message"] == "Between requests"]
    assert "request_id" not in after


def test_text_format_shows_request_id_and_masks_numbers():
    from csam.observability.logs import ContextFilter, RedactingFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "subject %s", (NUMBER,), None)
    from csam.observability.context import request_id_var

    token = request_id_var.set("abcdef0123456789")
    try:
        ContextFilter().filter(record)
    finally:
        request_id_var.reset(token)
    RedactingFilter().filter(record)
    line = TextFormatter().format(record)
    assert line.endswith(f"INFO    x [abcdef0123456789] subject {NRN_MASK}")

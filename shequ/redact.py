"""No full ID number or mobile number in logs, error mails or error pages: text that leaves the
application that way has every 18-character ID-like and 11-digit mobile-like number masked
("110***********4518", "138****5678"), whatever view or library put it there."""

from __future__ import annotations

import logging

from django.views.debug import ExceptionReporter

from audit.masking import mask_text


class MaskNumbersFilter(logging.Filter):
    """On every handler: the message and its traceback masked before anything formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


class MaskingExceptionReporter(ExceptionReporter):
    """The 500 report (admins' mail, the technical page when DEBUG is on) with the numbers in
    its request data, local variables and exception text masked."""

    def get_traceback_text(self) -> str:
        return mask_text(super().get_traceback_text())

    def get_traceback_html(self) -> str:
        return mask_text(super().get_traceback_html())

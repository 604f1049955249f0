"""`Idempotency-Key` on writes: the first response to a key is stored and replayed for repeats, so a
client that retries after a timeout does not register the same thing twice.

The key is reserved (a row with no response yet) after authentication and before the handler runs, so two
concurrent requests with one key cannot both write: the second gets 409 until the first has answered.

A key names one request. The reservation stores a SHA-256 of the method, path and body, and a repeat that
differs is refused with 422 rather than answered with another request's response (which would silently drop
the new write). A key whose request failed on our side (any 5xx, an uncaught exception, or the record itself
failing to save) is released so the client can retry; a reservation left behind by a process that died
mid-request expires after `PRM_IDEMPOTENCY_PENDING_SECONDS`.

The fingerprint lives in the record's JSON `body` beside the response (`{"request_sha256", "response"}`), so
no schema change was needed; a record without it (written before) is replayed as it always was."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

logger = logging.getLogger(__name__)

HEADER = "HTTP_IDEMPOTENCY_KEY"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PENDING = 0
FINGERPRINT = "request_sha256"
RESPONSE = "response"


class _Replay(Exception):
    def __init__(self, record):
        self.record = record


class IdempotencyInProgress(exceptions.APIException):
    status_code = 409
    default_detail = "A request with this Idempotency-Key is still being processed."
    default_code = "idempotency_in_progress"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_detail = (
        "This Idempotency-Key was already used for a different request (method, path or body); "
        "use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


def request_fingerprint(request) -> str:
    """SHA-256 of method, path and the parsed body (canonical JSON; an uploaded file counts by name and size),
    so the same JSON sent with other spacing or key order is the same request."""
    data = request.data
    if hasattr(data, "lists"):  # QueryDict / MultiValueDict from a form or multipart body
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, default=_file_or_text, separators=(",", ":"))
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode("utf-8", "surrogatepass")).hexdigest()


def _file_or_text(value: Any) -> str:
    if isinstance(value, UploadedFile):
        return f"file:{value.name}:{value.size}"
    return str(value)


class IdempotentMixin:
    _idempotency_record = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.META.get(HEADER, "").strip()
        if not key or request.method not in WRITE_METHODS or not request.user.is_authenticated:
            return
        if len(key) > 255:
            raise exceptions.ValidationError({"Idempotency-Key": "At most 255 characters."})
        from prm.accounts.models import IdempotencyRecord

        fingerprint = request_fingerprint(request)
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    self._idempotency_record = IdempotencyRecord.objects.create(
                        user=request.user,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        status_code=PENDING,
                        body={FINGERPRINT: fingerprint},
                    )
                return
            except IntegrityError:
                previous = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
            if previous is None:  # released between our insert and our read: reserve it again
                continue
            stored = previous.body if isinstance(previous.body, dict) and FINGERPRINT in previous.body else None
            if stored is not None and stored[FINGERPRINT] != fingerprint:
                raise IdempotencyKeyReused()
            if previous.status_code != PENDING:
                raise _Replay(previous)
            abandoned_before = timezone.now() - timedelta(seconds=settings.PRM_IDEMPOTENCY_PENDING_SECONDS)
            if previous.created_at >= abandoned_before:
                raise IdempotencyInProgress()
            # The first request's process died without answering: its reservation expired, take it over.
            IdempotencyRecord.objects.filter(pk=previous.pk, status_code=PENDING).delete()
            logger.warning("idempotency.pending_expired", extra={"user_id": request.user.pk, "path": request.path})
        raise IdempotencyInProgress()

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            body = exc.record.body
            if isinstance(body, dict) and FINGERPRINT in body:
                body = body.get(RESPONSE)
            return Response(body, status=exc.record.status_code, headers={"Idempotent-Replayed": "true"})
        try:
            return super().handle_exception(exc)
        except BaseException:
            # Uncaught: Django answers 500 and finalize_response never runs, so release the key here.
            self._release_idempotency_key()
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = self._idempotency_record
        if record is None:
            return response
        if response.status_code >= 500:
            self._release_idempotency_key()  # let the client retry a failure of ours
            return response
        self._idempotency_record = None
        try:
            with transaction.atomic():
                record.status_code = response.status_code
                record.body = {**record.body, RESPONSE: getattr(response, "data", None)}
                record.save(update_fields=["status_code", "body"])
        except Exception:
            # The write happened but its answer cannot be stored: release the key rather than keep it "in
            # progress" forever; the client gets this response now.
            logger.exception("idempotency.save_failed", extra={"path": request.path})
            self._idempotency_record = record
            self._release_idempotency_key()
        return response

    def _release_idempotency_key(self) -> None:
        record, self._idempotency_record = self._idempotency_record, None
        if record is None:
            return
        try:
            type(record).objects.filter(pk=record.pk, status_code=PENDING).delete()
        except Exception:  # the database itself is failing: the pending timeout releases the key later
            logger.exception("idempotency.release_failed", extra={"record_id": record.pk})

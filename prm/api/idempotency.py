"""`Idempotency-Key` on writes: the first response to a key is stored and replayed for repeats, so a
client that retries after a timeout does not register the same thing twice.

The key is reserved (a row with no response yet) after authentication and before the handler runs, so two
concurrent requests with one key cannot both write: the second gets 409 until the first has answered."""

from django.db import IntegrityError, transaction
from rest_framework import exceptions
from rest_framework.response import Response

HEADER = "HTTP_IDEMPOTENCY_KEY"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PENDING = 0


class _Replay(Exception):
    def __init__(self, record):
        self.record = record


class IdempotencyInProgress(exceptions.APIException):
    status_code = 409
    default_detail = "A request with this Idempotency-Key is still being processed."
    default_code = "idempotency_in_progress"


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

        try:
            with transaction.atomic():
                self._idempotency_record = IdempotencyRecord.objects.create(
                    user=request.user, key=key, method=request.method, path=request.path[:500], status_code=PENDING
                )
        except IntegrityError:
            previous = IdempotencyRecord.objects.get(user=request.user, key=key)
            if previous.status_code == PENDING:
                raise IdempotencyInProgress() from None
            raise _Replay(previous) from None

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return Response(exc.record.body, status=exc.record.status_code, headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self._idempotency_record = self._idempotency_record, None
        if record is not None:
            if response.status_code >= 500:
                record.delete()  # let the client retry a failure of ours
            else:
                record.status_code = response.status_code
                record.body = getattr(response, "data", None)
                record.save(update_fields=["status_code", "body"])
        return response

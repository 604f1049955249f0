"""Every write to the resource library: resources, their versions, and the per-partner download counters."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from performance.activity import activity_record
from performance.models import ActivityKind
from prm.audience import apply_audience, split_audience
from prm.events.services import event_emit
from prm.services import apply_changes, service, validate_and_save
from prm.uploads import validate_upload

from .models import Resource, ResourceDownload, ResourceVersion

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from partners.models import Partner
    from prm.accounts.models import User

logger = logging.getLogger(__name__)

__all__ = ["resource_create", "resource_update", "resource_version_add", "resource_download_record"]

FILE_OR_LINK = "Give a file or a link (one of them)."


def _new_version(
    *, actor: User | None, resource: Resource, file: UploadedFile | None, url: str, note: str
) -> ResourceVersion:
    if bool(file) == bool(url):
        raise ValidationError({"file": FILE_OR_LINK})
    number = (resource.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ResourceVersion(resource=resource, number=number, url=url or "", note=note or "", created_by=actor)
    if file:
        validate_upload(file, field="file")
        version.file_name = os.path.basename(file.name)[:255]
        version.file.save(file.name, file, save=False)
    validate_and_save(version)
    resource.current_version = version
    resource.save(update_fields=["current_version", "updated_at"])
    return version


@service
def resource_create(*, actor: User, data: dict[str, Any]) -> Resource:
    """A resource and its first version (`file` or `url`)."""
    data = dict(data)
    file, url, note = data.pop("file", None), data.pop("url", "") or "", data.pop("note", "") or ""
    if bool(file) == bool(url):
        raise ValidationError({"file": FILE_OR_LINK})
    plain, audience = split_audience(data)
    resource = Resource(**plain)
    validate_and_save(resource)
    apply_audience(resource, audience)
    _new_version(actor=actor, resource=resource, file=file, url=url, note=note)
    event_emit(
        name="resource.created", instance=resource, actor=actor, partner_id=None, payload={"title": resource.title}
    )
    return resource


@service
def resource_update(*, actor: User, resource: Resource, data: dict[str, Any]) -> Resource:
    """Title, description, category and audience. A new file or link is a new version (resource_version_add)."""
    data = dict(data)
    file, url, note = data.pop("file", None), data.pop("url", "") or "", data.pop("note", "") or ""
    plain, audience = split_audience(data)
    changed = apply_changes(resource, plain)
    if changed:
        validate_and_save(resource)
    changed += apply_audience(resource, audience)
    if file or url:
        _new_version(actor=actor, resource=resource, file=file, url=url, note=note)
        changed.append("version")
    if changed:
        event_emit(
            name="resource.updated", instance=resource, actor=actor, partner_id=None, payload={"changed": changed}
        )
    return resource


@service
def resource_version_add(
    *, actor: User, resource: Resource, file: UploadedFile | None = None, url: str = "", note: str = ""
) -> ResourceVersion:
    version = _new_version(actor=actor, resource=resource, file=file, url=url, note=note)
    event_emit(
        name="resource.version_added",
        instance=resource,
        actor=actor,
        partner_id=None,
        payload={"version": version.number},
    )
    return version


def resource_download_record(*, resource: Resource, partner: Partner | None) -> None:
    """Count a download for the partner: one UPDATE of its counter (a first download inserts it). Concurrent
    downloads never lose a count: the increment happens in the database. Staff downloads are not counted."""
    if partner is None:
        return
    now = timezone.now()
    activity_record(partner_id=partner.pk, kind=ActivityKind.DOWNLOAD, at=now)  # the portal engagement KPI
    counter = ResourceDownload.objects.filter(resource=resource, partner=partner)
    if counter.update(count=F("count") + 1, last_downloaded_at=now):
        return
    try:
        with transaction.atomic():
            ResourceDownload.objects.create(resource=resource, partner=partner, count=1, last_downloaded_at=now)
    except IntegrityError:  # another request inserted it first
        counter.update(count=F("count") + 1, last_downloaded_at=now)

"""Handing out stored files, shared by the API and the pages. Callers have already looked the object up
through tenancy (somebody else's is a 404 before we get here)."""

from django.http import Http404, HttpResponseRedirect

from prm.uploads import serve_file

from . import services


def serve_step_document(step):
    if not step.document:
        raise Http404("This step has no document.")
    return serve_file(step.document, download_name=step.document_name or "document")


def serve_module_file(module):
    if not module.file:
        raise Http404("This module has no file.")
    return serve_file(module.file, download_name=module.file_name or "module")


def resource_download(*, user, resource):
    """The latest version of a resource (a file, or a redirect to a link), counted for the user's partner."""
    version = resource.current_version
    if version is None:
        raise Http404("This resource has no version yet.")
    services.resource_download_record(resource=resource, partner=user.partner if user.partner_id else None)
    if version.file:
        return serve_file(version.file, download_name=version.file_name or resource.title)
    return HttpResponseRedirect(version.url)

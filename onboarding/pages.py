"""Page helpers shared by the manager and partner pages of onboarding and enablement."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.views.generic import View

from prm.errors import DomainError
from prm.pages import ScopedPageMixin, SerializerFormMixin


class UploadFormMixin(SerializerFormMixin):
    """SerializerFormMixin for forms with files and multi-selects: files come from request.FILES, a multi-select
    is always a list (none selected = no restriction), an empty optional number is left out."""

    template_name = "manager/onboarding/form.html"

    def get_serializer_data(self, post):
        data = {}
        for name, field in self.form_class.base_fields.items():
            if isinstance(field, forms.FileField):
                if self.request.FILES.get(name):
                    data[name] = self.request.FILES[name]
            elif isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
                data[name] = post.getlist(name)
            elif isinstance(field, forms.BooleanField):
                data[name] = name in post
            elif name in post:
                if post[name] == "" and isinstance(field, forms.IntegerField) and not field.required:
                    continue
                data[name] = post[name]
        return data


class ActionView(ScopedPageMixin, View):
    """A POST button on one object: call a service, say what happened, go back. Domain errors become a
    message (a 409 or 403 in the API is a red banner here), never a 500."""

    object_view = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            text = self.act(self.object)
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, text)
        return HttpResponseRedirect(self.get_redirect_url())

    def act(self, obj) -> str:
        raise NotImplementedError

    def get_redirect_url(self) -> str:
        raise NotImplementedError

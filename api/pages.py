"""The portal's pages of personal API tokens (Account → API tokens): list, create (the token shown once), revoke."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.viewkit import add_service_errors

from . import services
from .forms import TokenForm
from .queries import tokens_of


def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = services.token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            created = {"token": token, "plaintext": plaintext}
            form = TokenForm()
    context = {"form": form, "tokens": tokens_of(request.user), "created": created}
    return render(request, "api/token_list.html", context)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(tokens_of(request.user), pk=pk)
    try:
        services.token_revoke(user=request.user, token=token)
    except ValidationError:
        raise Http404 from None
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api:token-list")

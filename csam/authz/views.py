"""The acting-context chooser: act in one's own name or for a company one holds a right in."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from companies.selectors import company_get_by_id, company_list_with_ties
from csam.authz.services import (
    acting_choose_company,
    acting_choose_mandate,
    acting_mandate_options,
)
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin
from mandates.selectors import mandate_get_by_id, mandate_root


class ActingChoiceForm(forms.Form):
    choice = forms.CharField(
        label=gettext_lazy("Act as"),
        max_length=30,
        error_messages={"required": gettext_lazy("Choose for whom you act.")},
    )


class ActingChooseView(AssuranceRequiredMixin, View):
    required_assurance = AssuranceLevel.LOW
    template_name = "authz/acting_choose.html"

    def _render(
        self, request: HttpRequest, form: ActingChoiceForm, status: int = 200
    ) -> HttpResponse:
        person = request.user.person
        options = list(company_list_with_ties(person=person)) if person is not None else []
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "companies": options,
                "mandates": acting_mandate_options(request=request),
                "next": self._next(request),
            },
            status=status,
        )

    def _next(self, request: HttpRequest) -> str:
        target = request.POST.get("next") or request.GET.get("next") or ""
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return target
        return reverse("home")

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, ActingChoiceForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ActingChoiceForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        choice = form.cleaned_data["choice"]
        if choice == "self":
            acting_choose_company(request=request, company=None)
            messages.success(request, _("You now act in your own name."))
            return HttpResponseRedirect(self._next(request))
        if choice.startswith("mandate-") and choice[8:].isdigit():
            return self._choose_mandate(request, form, int(choice[8:]))
        company = company_get_by_id(company_id=int(choice)) if choice.isdigit() else None
        if company is None or request.user.person is None:
            # An unknown company gets the same answer as one without rights: nothing leaks.
            form.add_error("choice", _("You hold no right in this company."))
            return self._render(request, form, status=403)
        decision = acting_choose_company(request=request, company=company)
        if not decision.allowed:
            for reason in decision.reasons:
                form.add_error("choice", reason.message)
            return self._render(request, form, status=403)
        messages.success(request, _("You now act for %(company)s.") % {"company": company})
        return HttpResponseRedirect(self._next(request))

    def _choose_mandate(
        self, request: HttpRequest, form: ActingChoiceForm, mandate_id: int
    ) -> HttpResponse:
        mandate = mandate_get_by_id(mandate_id=mandate_id)
        if mandate is None or request.user.person is None:
            # An unknown mandate gets the same answer as someone else's: nothing leaks.
            form.add_error("choice", _("This mandate was not given to you."))
            return self._render(request, form, status=403)
        decision = acting_choose_mandate(request=request, mandate=mandate)
        if not decision.allowed:
            for reason in decision.reasons:
                form.add_error("choice", reason.message)
            return self._render(request, form, status=403)
        messages.success(
            request,
            _("You now act for %(party)s under a mandate.")
            % {"party": mandate_root(mandate=mandate).mandator},
        )
        return HttpResponseRedirect(self._next(request))

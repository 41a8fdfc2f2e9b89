"""Contract pages: list (with Excel export), create, the contract page and its actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shegong.core.exports import xlsx_response
from shegong.core.flow import attach_errors, post_and_flash
from shegong.core.lists import filters_of, page_of
from shegong.core.models import AuditEntry

from . import selectors, services
from .forms import ContractCreateForm, InstalmentForm, KpiTargetsForm, PaymentForm, RenewalForm, purchaser_regions
from .models import Contract
from .staffing import staff_deadline


def _get_or_404(request, pk, action="view") -> Contract:
    try:
        return selectors.contract_get(actor=request.user, pk=pk, action=action)
    except Contract.DoesNotExist:
        raise Http404 from None


@login_required
def contract_list(request):
    filterset, qs = selectors.contract_list(actor=request.user, params=request.GET, request=request)
    if request.GET.get("format") == "xlsx":
        rows = (
            (
                c.number, c.purchaser_name, c.purchaser_region_id, c.operator.name,
                "、".join(s.name for s in c.stations.all()), c.period_start, c.period_end, c.signed_on,
                c.amount, c.paid or 0, c.get_status_display(), c.get_renewal_display(),
            )
            for c in qs
        )
        return xlsx_response(
            filename=_("contracts"),
            sheet=_("Contracts"),
            headers=[
                _("Contract number"), _("Purchaser"), _("Region code"), _("Operator"), _("Stations covered"),
                _("Period from"), _("Period to"), _("Signed on"), _("Amount (yuan)"), _("Paid (yuan)"),
                _("Status"), _("Renewal decision"),
            ],
            rows=rows,
            action="contract.export",
            detail={"filters": filters_of(request)},
        )
    page, query = page_of(request, qs)
    can_create = purchaser_regions(request.user).exists()
    return render(
        request, "contracts/contract_list.html", {"filter": filterset, "page": page, "query": query, "can_create": can_create}
    )


@login_required
def contract_create(request):
    form = ContractCreateForm(request.POST or None, actor=request.user)
    if not form.fields["purchaser_region"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contract = services.contract_create(
                actor=request.user,
                number=data["number"],
                purchaser_region=data["purchaser_region"],
                purchaser_name=data["purchaser_name"],
                operator=data["operator"],
                stations=data["stations"],
                cycle_start=data["cycle_start"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                signed_on=data["signed_on"],
                amount=data["amount"],
                status=data["status"],
                instalments=form.instalments(),
            )
        except ValidationError as exc:
            attach_errors(form, exc, default_field=None)
        except PermissionDenied as exc:
            form.add_error("purchaser_region", str(exc))
        else:
            messages.success(request, _("The contract has been created."))
            return redirect("contracts:contract_detail", pk=contract.pk)
    return render(request, "contracts/contract_form.html", {"form": form, "title": _("New contract")})


@login_required
def contract_detail(request, pk):
    contract = _get_or_404(request, pk)
    can_change = selectors.contract_changeable(actor=request.user, contract=contract)
    deadline = staff_deadline(contract)
    today = timezone.localdate()
    # Before the deadline, judge by who is on post today; after it, by who was on post by then.
    check_day = min(deadline.deadline, today) if deadline.deadline else None
    staffed = selectors.stations_staffed_by(contract, check_day) if check_day else None
    stations = list(contract.stations.select_related("region").order_by("region_id"))
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "stations": [(s, None if staffed is None else staffed.get(s.pk)) for s in stations],
            "staffed_known": staffed is not None,
            "instalments": contract.instalments.all(),
            "payments": contract.payments.all(),
            "money": selectors.money_summary(contract),
            "targets": contract.kpi_targets.all(),
            "deadline": deadline,
            "deadline_passed": deadline.deadline is not None and deadline.deadline < today,
            "can_change": can_change,
            "targets_form": KpiTargetsForm(targets=contract.kpi_targets.all()) if can_change else None,
            "instalment_form": InstalmentForm(prefix="inst") if can_change else None,
            "payment_form": PaymentForm(prefix="pay") if can_change else None,
            "renewal_form": RenewalForm(
                prefix="ren",
                initial={"decision": contract.renewal, "decided_on": contract.renewal_decided_on or timezone.localdate(),
                         "reason": contract.renewal_reason},
            ) if can_change else None,
            "recent_audit": AuditEntry.objects.visible_to(request.user).filter(
                object_type="contracts.contract", object_id=str(contract.pk)
            )[:10],
        },
    )


def _post_action(request, pk, form_class, prefix, call, success):
    contract = _get_or_404(request, pk, "change")
    form = form_class(request.POST, prefix=prefix)
    post_and_flash(request, form, lambda **data: call(contract, data), success=success)
    return redirect("contracts:contract_detail", pk=contract.pk)


@login_required
@require_POST
def contract_targets(request, pk):
    contract = _get_or_404(request, pk, "change")
    form = KpiTargetsForm(request.POST, targets=contract.kpi_targets.all())
    post_and_flash(
        request, form,
        lambda **values: services.contract_update_targets(actor=request.user, contract=contract, values=values),
        success=_("KPI targets saved."),
    )
    return redirect("contracts:contract_detail", pk=contract.pk)


@login_required
@require_POST
def instalment_add(request, pk):
    return _post_action(
        request, pk, InstalmentForm, "inst",
        lambda c, d: services.instalment_add(actor=request.user, contract=c, **d),
        _("Instalment added."),
    )


@login_required
@require_POST
def payment_add(request, pk):
    return _post_action(
        request, pk, PaymentForm, "pay",
        lambda c, d: services.payment_add(actor=request.user, contract=c, **d),
        _("Payment recorded."),
    )


@login_required
@require_POST
def renewal_decide(request, pk):
    return _post_action(
        request, pk, RenewalForm, "ren",
        lambda c, d: services.renewal_decide(actor=request.user, contract=c, **d),
        _("Renewal decision recorded."),
    )

"""The partners app's filtersets (directory, agreements, applications, cases, survey answers), one filter at a
time; and the list bugs: filter bars that emptied the case lists, an export that ignored the filter bar."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.cases.selectors import case_list
from partners.engage.filters import SurveyResponseFilterSet
from partners.filters import AgreementFilterSet
from partners.models import AgreementKind, CaseKind, CaseStatus, PartnerStatus, PartnerType
from partners.recruit.selectors import application_list
from partners.selectors import partner_list

from ..deals.factories import DealFactory
from ..factories import AgreementFactory, PartnerFactory, PartnerUserFactory, StaffFactory
from .factories import ApplicationFactory, CaseFactory, SurveyFactory, SurveyResponseFactory


def _names(rows, attr="name") -> list[str]:
    return sorted(getattr(row, attr) for row in rows)


# --- the partner directory -----------------------------------------------------------------------------------


class TestPartnerFilterSet:
    @pytest.fixture
    def directory(self, partner_a, partner_b, manager):
        partner_b.manager = manager
        partner_b.save(update_fields=["manager"])
        PartnerFactory(
            name="Charlie MSP", domain="charlie.example", city="Lyon", country="FR", partner_type=PartnerType.MSP,
            status=PartnerStatus.SUSPENDED,
        )  # fmt: skip

    def _rows(self, actor, **params):
        return _names(partner_list(actor=actor, params=params).queryset)

    def test_search_by_name_domain_or_city(self, manager, directory):
        assert self._rows(manager, search="alpha") == ["Alpha Networks"]
        assert self._rows(manager, search="bravo.example") == ["Bravo Systems"]
        assert self._rows(manager, search="lyon") == ["Charlie MSP"]

    def test_status(self, manager, directory):
        assert self._rows(manager, status=PartnerStatus.SUSPENDED) == ["Charlie MSP"]

    def test_partner_type(self, manager, directory):
        assert self._rows(manager, partner_type=PartnerType.MSP) == ["Charlie MSP"]

    def test_tier(self, manager, directory, gold_tier):
        assert self._rows(manager, tier=gold_tier.pk) == ["Alpha Networks"]

    def test_country(self, manager, directory):
        assert self._rows(manager, country="DE") == ["Bravo Systems"]

    def test_manager(self, manager, directory):
        assert self._rows(manager, manager=manager.pk) == ["Bravo Systems"]

    def test_manager_choices_are_staff_only(self, manager, directory, partner_a_admin):
        result = partner_list(actor=manager, params={"manager": partner_a_admin.pk})
        assert "manager" in result.errors

    def test_sort(self, manager, directory):
        rows = partner_list(actor=manager, params={"sort": "-name"}).queryset
        assert [p.name for p in rows] == ["Charlie MSP", "Bravo Systems", "Alpha Networks"]


class TestAgreementFilterSet:
    @pytest.fixture
    def agreements(self, partner_a, partner_b):
        soon = timezone.localdate() + timedelta(days=20)
        AgreementFactory(partner=partner_a, title="Alpha reseller", expires_on=soon)
        AgreementFactory(partner=partner_b, title="Bravo NDA", kind=AgreementKind.NDA)

    def _rows(self, actor, **params):
        filterset = AgreementFilterSet(params, actor=actor)
        assert filterset.is_valid(), filterset.errors
        return _names(filterset.qs, "title")

    def test_partner(self, manager, agreements, partner_b):
        assert self._rows(manager, partner=partner_b.pk) == ["Bravo NDA"]

    def test_kind(self, manager, agreements):
        assert self._rows(manager, kind=AgreementKind.NDA) == ["Bravo NDA"]

    def test_expiry_range(self, manager, agreements):
        in_a_month = timezone.localdate() + timedelta(days=30)
        assert self._rows(manager, expires_before=in_a_month) == ["Alpha reseller"]
        assert self._rows(manager, expires_after=in_a_month) == ["Bravo NDA"]

    def test_partner_choices_are_the_actors_own(self, partner_a_admin, agreements, partner_b):
        assert not AgreementFilterSet({"partner": partner_b.pk}, actor=partner_a_admin).is_valid()


# --- applications --------------------------------------------------------------------------------------------


class TestApplicationFilterSet:
    @pytest.fixture
    def applications(self, partner_a):
        ApplicationFactory(company_name="High Fit", fit_score=90, country="DE", partner_type=PartnerType.MSP)
        ApplicationFactory(company_name="Low Fit", fit_score=20, status="screening", contact_email="x@low.example")
        ApplicationFactory(company_name="Dup Of Alpha", duplicate_of_partner=partner_a)

    def _rows(self, actor, **params):
        return _names(application_list(actor=actor, params=params).queryset, "company_name")

    def test_search_by_company_domain_or_contact(self, manager, applications):
        assert self._rows(manager, search="high") == ["High Fit"]
        assert self._rows(manager, search="x@low") == ["Low Fit"]

    def test_status(self, manager, applications):
        assert self._rows(manager, status="screening") == ["Low Fit"]

    def test_partner_type(self, manager, applications):
        assert self._rows(manager, partner_type=PartnerType.MSP) == ["High Fit"]

    def test_country(self, manager, applications):
        assert self._rows(manager, country="DE") == ["High Fit"]

    def test_fit_range(self, manager, applications):
        assert self._rows(manager, fit_min=50) == ["High Fit"]
        assert self._rows(manager, fit_max=50) == ["Low Fit"]

    def test_flagged(self, manager, applications):
        assert self._rows(manager, flagged="true") == ["Dup Of Alpha"]
        assert self._rows(manager, flagged="false") == ["High Fit", "Low Fit"]

    def test_huge_fit_is_an_error_not_a_crash(self, manager, applications):
        assert "fit_min" in application_list(actor=manager, params={"fit_min": "9" * 30}).errors


# --- cases ---------------------------------------------------------------------------------------------------


@pytest.fixture
def cases(partner_a, partner_b, manager):
    deal = DealFactory(partner=partner_a)
    return {
        "open": CaseFactory(partner=partner_a, subject="Commission missing", kind=CaseKind.COMMISSION, owner=manager),
        "late": CaseFactory(
            partner=partner_a,
            subject="Conflict on a deal",
            kind=CaseKind.DEAL_CONFLICT,
            deal=deal,
            due_at=timezone.now() - timedelta(days=1),
        ),  # fmt: skip
        "closed": CaseFactory(partner=partner_b, subject="Bravo question", status=CaseStatus.CLOSED),
    }


class TestCaseFilterSet:
    def _rows(self, actor, **params):
        return _names(case_list(actor=actor, params=params).queryset, "subject")

    def test_search_by_subject_partner_or_number(self, manager, cases):
        assert self._rows(manager, search="commission") == ["Commission missing"]
        assert self._rows(manager, search="bravo") == ["Bravo question"]
        assert self._rows(manager, search=f"#{cases['late'].pk}") == ["Conflict on a deal"]

    def test_status(self, manager, cases):
        assert self._rows(manager, status=CaseStatus.CLOSED) == ["Bravo question"]

    def test_kind(self, manager, cases):
        assert self._rows(manager, kind=CaseKind.DEAL_CONFLICT) == ["Conflict on a deal"]

    def test_partner(self, manager, cases, partner_b):
        assert self._rows(manager, partner=partner_b.pk) == ["Bravo question"]

    def test_owner(self, manager, cases):
        assert self._rows(manager, owner=manager.pk) == ["Commission missing"]

    def test_owner_choices_are_active_staff(self, manager, cases):
        gone = StaffFactory(is_active=False)
        assert "owner" in case_list(actor=manager, params={"owner": gone.pk}).errors

    def test_deal(self, manager, cases):
        assert self._rows(manager, deal=cases["late"].deal_id) == ["Conflict on a deal"]

    def test_overdue(self, manager, cases):
        assert self._rows(manager, overdue="true") == ["Conflict on a deal"]
        assert self._rows(manager, overdue="false") == ["Bravo question", "Commission missing"]

    def test_a_partner_sees_only_its_own(self, partner_a_admin, cases):
        assert self._rows(partner_a_admin) == ["Commission missing", "Conflict on a deal"]


class TestCaseListsWithAnyLeft:
    """The filter bar sends every select, "Any" as an empty value: the lists emptied as soon as it was used."""

    def test_manager_cases(self, page_client, manager, cases):
        response = page_client.as_user(manager).get(
            reverse("manage:cases"),
            {"search": "", "status": "", "kind": "", "sort": "due"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 3
        assert "Bravo question" in response.content.decode()

    def test_partner_portal_cases(self, page_client, partner_a_admin, cases):
        response = page_client.as_user(partner_a_admin).get(
            reverse("portal:cases"), {"search": "", "status": "", "kind": ""}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert _names(response.context["page"].object_list, "subject") == ["Commission missing", "Conflict on a deal"]


# --- survey answers ------------------------------------------------------------------------------------------


class TestSurveyResponseFilterSet:
    @pytest.fixture
    def answers(self, partner_a, partner_b):
        survey = SurveyFactory(title="Q3 pulse")
        SurveyResponseFactory(survey=survey, user=PartnerUserFactory(partner=partner_a), score=9)
        SurveyResponseFactory(user=PartnerUserFactory(partner=partner_b), score=3)
        return survey

    def _scores(self, actor, **params):
        filterset = SurveyResponseFilterSet(params, actor=actor)
        assert filterset.is_valid(), filterset.errors
        return sorted(r.score for r in filterset.qs)

    def test_survey(self, manager, answers):
        assert self._scores(manager, survey=answers.pk) == [9]

    def test_partner(self, manager, answers, partner_b):
        assert self._scores(manager, partner=partner_b.pk) == [3]

    def test_score_range(self, manager, answers):
        assert self._scores(manager, score_min=5) == [9]
        assert self._scores(manager, score_max=5) == [3]


# --- the partner export --------------------------------------------------------------------------------------


def _export_href(html: str) -> str:
    start = html.index('id="export-csv" href="') + len('id="export-csv" href="')
    return html[start : html.index('"', start)].replace("&amp;", "&")


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


class TestPartnerExport:
    def test_the_htmx_partial_carries_an_export_link_with_the_filters(self, page_client, manager, partner_a, partner_b):
        client = page_client.as_user(manager)
        partial = client.get(
            reverse("manage:partner-list"),
            {"search": "", "status": "", "tier": "", "partner_type": "", "country": "DE", "sort": "name"},
            headers={"HX-Request": "true"},
        )
        href = _export_href(partial.content.decode())
        assert href.startswith(reverse("manage:partner-export") + "?")
        assert "country=DE" in href
        assert [r[1] for r in _csv_rows(client.get(href))[1:]] == ["Bravo Systems"]

    def test_a_formula_partner_name_is_text_in_the_export(self, page_client, manager):
        PartnerFactory(name="=cmd|' /C calc'!A0", city="+44 20")
        rows = _csv_rows(page_client.as_user(manager).get(reverse("manage:partner-export")))
        assert (rows[1][1], rows[1][4]) == ("'=cmd|' /C calc'!A0", "'+44 20")

"""Every admin in ``admin.site._registry`` is scoped to the staff member's locations.

Generated from the registry, so an admin registered tomorrow is covered the day it is added:
company A and company B each get one row of every registered model (``tenant_rows.FACTORIES``),
and a staff manager of A who holds every model permission must meet none of B's rows on a
changelist, its filters and search, a change / delete / history page, a foreign-key or
many-to-many choice (forms and inlines), an autocomplete answer or an admin action.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts import admin as tenant_admin
from accounts.models import Role
from tests import factories
from tests.admin.tenant_rows import FACTORIES, GLOBAL, Company

LEAK = "zeta"  # company B's marker: in every name of its rows


@pytest.fixture
def companies(db):
    return Company("Alpha").build(), Company("Zeta").build()


def _staff(company, role):
    staff = factories.make_user(f"staff_{role}", location=company.location, role=role, is_staff=True)
    staff.user_permissions.add(*Permission.objects.all())
    return staff


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _tenant_models():
    return [model for model in admin.site._registry if FACTORIES[model] != GLOBAL]


def test_every_registered_model_has_a_factory():
    missing = sorted(model._meta.label for model in admin.site._registry if model not in FACTORIES)
    assert missing == [], f"add a factory to tests/admin/tenant_rows.py FACTORIES for {missing}"


def test_every_admin_and_inline_uses_the_tenant_scoped_base():
    plain = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not isinstance(model_admin, tenant_admin.TenantScopedAdmin)
    ]
    plain += [
        inline.__name__
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        if not issubclass(inline, tenant_admin.TenantScoping)
    ]
    assert plain == []


class Checks:
    """Asserts about one staff member's view of A and B, counting what was looked at."""

    def __init__(self, client, a, b):
        self.client, self.a, self.b = client, a, b
        self.admins = self.fields = self.filter_choices = self.autocompletes = 0

    def no_b_rows(self, model, pks, where):
        leaked = set(pks) & self.b.created[model]
        assert not leaked, f"{where} shows {model._meta.label} rows of company B: {sorted(leaked, key=str)}"

    def no_b_names(self, text, where):
        assert LEAK not in str(text).lower(), f"{where} names a company B object"

    def changelist(self, model):
        url = _url(model, "changelist")
        response = self.client.get(url)
        assert response.status_code == 200, url
        cl = response.context["cl"]
        pks = {obj.pk for obj in cl.result_list}
        assert self.a.get(model).pk in pks, f"{url} lacks company A's row"
        self.no_b_rows(model, pks, url)
        self.no_b_names(response.content.decode(), url)
        for spec in cl.filter_specs:
            for choice in spec.choices(cl):
                self.filter_choices += 1
                self.no_b_names(choice["display"], f"{url} filter {spec.title!r}")
            field = getattr(spec, "field", None)
            if getattr(field, "is_relation", False) and hasattr(spec, "lookup_choices"):
                pks = [pk for pk, _ in spec.lookup_choices]
                self.no_b_rows(field.related_model, pks, f"{url} filter {spec.title!r}")
        searched = self.client.get(url, {"q": LEAK})
        assert searched.status_code == 200, url
        self.no_b_rows(model, [obj.pk for obj in searched.context["cl"].result_list], f"{url}?q={LEAK}")

    def object_pages_of_b(self, model):
        pk = self.b.get(model).pk
        for view in ("change", "delete", "history"):
            url = _url(model, view, pk)
            response = self.client.get(url)
            # 403: the view refuses before looking (history is never deleted), so it tells nothing either.
            assert response.status_code in (302, 403, 404), f"{url} answered {response.status_code}"
            assert LEAK not in response.content.decode().lower(), url

    def forms_of_a(self, model, model_admin):
        url = _url(model, "change", self.a.get(model).pk)
        response = self.client.get(url)
        assert response.status_code == 200, url
        self.no_b_names(response.content.decode(), url)
        self.form(response.context["adminform"].form, url)
        for inline_admin_formset in response.context["inline_admin_formsets"]:
            formset = inline_admin_formset.formset
            self.no_b_rows(formset.model, [obj.pk for obj in formset.get_queryset()], f"{url} inline")
            for form in [*formset.forms, formset.empty_form]:
                # The hidden primary-key field names the row it edits; the formset finds it in its own queryset.
                self.form(form, f"{url} inline {formset.model._meta.label}", skip=formset.model._meta.pk.name)
        add = self.client.get(_url(model, "add"))
        if add.status_code == 200:
            self.form(add.context["adminform"].form, _url(model, "add"))

    def form(self, form, where, skip=None):
        for name, field in form.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None or name == skip:
                continue
            self.fields += 1
            related = queryset.model
            pks = set(queryset.values_list("pk", flat=True))
            self.no_b_rows(related, pks, f"{where} field {name!r}")
            if self.a.created[related]:
                assert pks & self.a.created[related], f"{where} field {name!r} offers none of company A's rows"

    def autocomplete(self, model, model_admin):
        sources = [(model, model_admin.autocomplete_fields)]
        sources += [(inline.model, inline.autocomplete_fields) for inline in model_admin.inlines]
        for source, field_names in sources:
            for name in field_names:
                related = source._meta.get_field(name).related_model
                response = self.client.get(
                    reverse("admin:autocomplete"),
                    {"app_label": source._meta.app_label, "model_name": source._meta.model_name, "field_name": name},
                )
                where = f"autocomplete {source._meta.label}.{name}"
                assert response.status_code == 200, where
                ids = {item["id"] for item in response.json()["results"]}
                self.autocompletes += 1
                self.no_b_rows(related, [related._meta.pk.to_python(pk) for pk in ids], where)
                assert ids, f"{where} offers none of company A's rows"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_staff_of_one_company_meets_no_row_of_another_in_any_admin(companies, role, client_for, capsys):
    a, b = companies
    checks = Checks(client_for(_staff(a, role)), a, b)
    for model, model_admin in admin.site._registry.items():
        checks.admins += 1
        if FACTORIES[model] == GLOBAL:
            assert checks.client.get(_url(model, "changelist")).status_code == 403, model._meta.label
            continue
        checks.changelist(model)
        checks.object_pages_of_b(model)
        checks.forms_of_a(model, model_admin)
        checks.autocomplete(model, model_admin)
    index = checks.client.get(reverse("admin:index")).content.decode()
    checks.no_b_names(index, "admin index")
    with capsys.disabled():
        print(
            f"\nadmin tenancy ({role}): {checks.admins} admins, {checks.fields} choice fields, "
            f"{checks.filter_choices} filter choices, {checks.autocompletes} autocomplete fields"
        )
    assert checks.admins >= 28
    assert checks.fields >= 25
    assert checks.autocompletes >= 10


def test_actions_of_staff_touch_no_row_of_another_company(companies, client_for):
    a, b = companies
    client = client_for(_staff(a, Role.ADMIN))
    acted = 0
    for model in _tenant_models():
        theirs = b.get(model)
        response = client.get(_url(model, "changelist"))
        actions = [value for value, _ in response.context["cl"].model_admin.get_action_choices(response.wsgi_request)]
        for action in actions:
            if not action:
                continue
            client.post(_url(model, "changelist"), {"action": action, ACTION_CHECKBOX_NAME: [theirs.pk], "post": "yes"})
            acted += 1
            assert model.objects.filter(pk=theirs.pk).exists(), f"{action} on {model._meta.label} deleted B's row"
    assert acted >= 10


def test_superuser_sees_every_company(companies, client_for):
    a, b = companies
    client = client_for(factories.make_user("root", is_superuser=True, is_staff=True))
    for model, _model_admin in admin.site._registry.items():
        response = client.get(_url(model, "changelist"))
        assert response.status_code == 200, model._meta.label
        if FACTORIES[model] == GLOBAL:
            continue
        pks = {obj.pk for obj in response.context["cl"].result_list}
        assert {a.get(model).pk, b.get(model).pk} <= pks, model._meta.label
        assert client.get(_url(model, "change", b.get(model).pk)).status_code == 200

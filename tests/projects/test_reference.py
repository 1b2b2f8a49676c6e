from django.core.management import call_command
from django.db.models import F

from projects.models import Country, CountryGroup, Indicator, Organisation, Project, Workstream

EXPECTED_TARGETS = {
    "DTP-TOC": {"conferences_held": 3},
    "ATHENA2": {
        "cross_border_observations": 24,
        "joint_operations": 24,
        "joint_investigations": 12,
        "joint_patrols": 24,
        "thematic_workshops": 6,
        "bilateral_meetings": 24,
        "officers_involved": 300,
    },
    "IMOBEX": {"countries_covered": 34, "expert_workshops": 1, "road_maps": 1, "field_labs": 1},
}


def test_it_loads_the_three_projects_with_the_exact_targets(selec):
    assert set(selec) == {"DTP-TOC", "ATHENA2", "IMOBEX"}
    for code, targets in EXPECTED_TARGETS.items():
        loaded = dict(Indicator.objects.filter(project__code=code).values_list("key", "target"))
        assert loaded == targets, code


def test_every_indicator_uses_the_metric_of_its_own_key(selec):
    assert not Indicator.objects.exclude(metric=F("key")).exists()


def test_country_groups_are_data_and_overlap(selec):
    groups = {g.key: set(g.countries.values_list("code", flat=True)) for g in CountryGroup.objects.all()}
    assert len(groups["selec"]) == 11
    assert len(groups["eu"]) == 27
    assert len(groups["danube"]) == 14
    assert groups["see-third"] == {"AL", "BA", "MD", "ME", "MK", "RS", "TR"}
    assert groups["selec"] - groups["eu"] == groups["see-third"]
    # IMOBEX's scope: 27 EU Member States and 7 Southeast European third countries
    assert len(groups["eu"] | groups["see-third"]) == 34
    romania = Country.objects.get(code="RO")
    assert {g.key for g in romania.groups.all()} == {"selec", "eu", "danube"}


def test_projects_have_partners_with_countries_and_workstreams(selec):
    athena = selec["ATHENA2"]
    beneficiaries = set(
        athena.partners.filter(role="beneficiary").values_list("organisation__country__code", flat=True)
    )
    assert beneficiaries == {"BG", "LV", "MT", "RO", "SI"}  # SELEC itself sits in Bucharest
    assert athena.partners.get(role="lead").organisation.country.code == "IT"
    assert Workstream.objects.filter(project__code="IMOBEX").count() == 3
    assert Workstream.objects.filter(project__code="DTP-TOC").count() == 3
    imobex = selec["IMOBEX"]
    assert (imobex.start_date.isoformat(), imobex.end_date.isoformat()) == ("2021-04-01", "2023-03-31")


def test_loading_twice_changes_nothing(selec, capsys):
    def snapshot():
        return [
            model.objects.count() for model in (Country, CountryGroup, Organisation, Project, Workstream, Indicator)
        ] + [CountryGroup.countries.through.objects.count()]

    before = snapshot()
    call_command("load_selec")
    assert snapshot() == before
    assert "nothing changed" in capsys.readouterr().out


def test_loading_keeps_what_an_admin_edited(selec):
    Indicator.objects.filter(project__code="ATHENA2", key="joint_patrols").update(label="Joint patrols (edited)")
    call_command("load_selec")
    assert Indicator.objects.get(project__code="ATHENA2", key="joint_patrols").label == "Joint patrols (edited)"


def test_loading_restores_a_deleted_indicator(selec):
    Indicator.objects.filter(project__code="IMOBEX", key="road_maps").delete()
    call_command("load_selec")
    assert Indicator.objects.get(project__code="IMOBEX", key="road_maps").target == 1

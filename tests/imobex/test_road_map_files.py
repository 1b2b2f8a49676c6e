"""Road-map documents: an approved version's document is also its deliverable's evidence, so approving a later
version keeps it (its version still names it); the admin checks a new version's document as the page does."""

from django.core.files.uploadedfile import SimpleUploadedFile

from imobex.models import RoadMapVersion
from imobex.services import road_map_for, roadmap_version_approve, roadmap_version_submit
from projects.models import Deliverable
from tests.upload_files import docx, upload


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + name.encode(), content_type="application/pdf")


def test_a_superseded_evidence_stays_while_its_version_names_it(
    imobex, imobex_staff, imobex_manager, settings, django_capture_on_commit_callbacks
):
    road_map = road_map_for(imobex)
    with django_capture_on_commit_callbacks(execute=True):
        v1 = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf("v1.pdf"))
        roadmap_version_approve(user=imobex_manager, version=v1)
        v2 = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf("v2.pdf"))
        roadmap_version_approve(user=imobex_manager, version=RoadMapVersion.objects.get(pk=v2.pk))
    assert Deliverable.objects.get(pk=road_map.deliverable_id).evidence.name == v2.document.name
    media = settings.MEDIA_ROOT
    assert (media / v1.document.name).exists() and (media / v2.document.name).exists()


def test_the_admin_refuses_a_road_map_document_with_macros(client_for, admin_user, imobex, settings):
    road_map = road_map_for(imobex)
    client = client_for(admin_user)
    form = {"road_map": road_map.pk, "notes": "", "decision_note": "", "document": upload("road-map.docm", docx())}
    response = client.post("/admin/imobex/roadmapversion/add/", form)
    assert response.status_code == 200 and "contains macros" in response.content.decode()
    form["document"] = upload("road-map.docx", docx(vba=True))
    response = client.post("/admin/imobex/roadmapversion/add/", form)
    assert response.status_code == 200 and "contains macros" in response.content.decode()
    assert not RoadMapVersion.objects.exists()
    assert not settings.MEDIA_ROOT.exists()
    form["document"] = upload("road-map.docx", docx())
    assert client.post("/admin/imobex/roadmapversion/add/", form).status_code == 302
    assert RoadMapVersion.objects.get().document.name.endswith(".docx")

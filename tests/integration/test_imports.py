import csv
import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from app.customers import services as customers
from app.extensions import db
from app.lib import progress
from app.models import Customer, Event, ImportJob
from app.models.base import utcnow
from tests.factories import login

HEADER = "Ad Soyad;Telefon;E-posta;Kaynak;Kampanya;Etiketler;Tutar;Aşama;Sorumlu\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def _upload(client, content: bytes, filename: str = "musteriler.csv"):
    return client.post(
        "/customers/import", data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data"
    )


def _import_id(response) -> int:
    assert response.status_code == 302, response.data
    return int(re.search(r"/customers/import/(\d+)$", response.headers["Location"]).group(1))


def _guessed_mapping(client, import_id: int) -> dict[str, str]:
    page = client.get(f"/customers/import/{import_id}").get_data(as_text=True)
    mapping = {}
    for name, body in re.findall(r'<select id="(\w+)" name="\w+">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body)
        mapping[name] = chosen.group(1) if chosen else ""
    return mapping


def _import(client, run_jobs, content: bytes, filename: str = "musteriler.csv") -> int:
    """Upload, accept the guessed columns, start, run: the import id."""
    import_id = _import_id(_upload(client, content, filename))
    response = client.post(f"/customers/import/{import_id}/mapping", data=_guessed_mapping(client, import_id))
    assert response.status_code == 302, response.data
    assert client.post(f"/customers/import/{import_id}/start").status_code == 302
    run_jobs()
    return import_id


def _job(app, import_id: int) -> ImportJob:
    with app.app_context():
        job = db.session.get(ImportJob, import_id)
        db.session.expunge(job)
        return job


def _customers(app, tenant) -> dict[str, Customer]:
    with app.app_context():
        rows = db.session.scalars(select(Customer).where(Customer.tenant_id == tenant.id))
        found = {}
        for c in rows:
            found[c.name] = c
            c.stage_name, c.tag_names = c.stage.name, sorted(t.name for t in c.tags)
            c.assignee_email = c.assignee.email if c.assignee else None
            db.session.expunge(c)
        return found


def _events(app, tenant, event_type: str) -> list[Event]:
    with app.app_context():
        return list(db.session.scalars(select(Event).where(Event.tenant_id == tenant.id, Event.type == event_type)))


def test_a_manager_imports_a_turkish_csv_end_to_end(app, make, client, run_jobs):
    team = make.team()
    login(client, team.manager)
    page = client.get("/customers/import")
    assert page.status_code == 200 and b'accept=".csv,.xlsx"' in page.data

    content = _csv(
        "Ayşe Yılmaz;0532 111 22 33;ayse@example.test;Instagram;Yaz 2026;VIP, implant;1.250,50;randevu;"
        + team.agent.email,
        "Berk Can;+90 533 111 22 33;;Google Ads;;;800;;",
    )
    import_id = _import_id(_upload(client, content))
    mapping_page = client.get(f"/customers/import/{import_id}").get_data(as_text=True)
    assert "Match the columns" in mapping_page
    assert _guessed_mapping(client, import_id) == {
        "name": "Ad Soyad",
        "phone": "Telefon",
        "email": "E-posta",
        "source": "Kaynak",
        "campaign": "Kampanya",
        "tags": "Etiketler",
        "value": "Tutar",
        "stage": "Aşama",
        "assignee": "Sorumlu",
    }

    response = client.post(f"/customers/import/{import_id}/mapping", data=_guessed_mapping(client, import_id))
    assert response.headers["Location"].endswith(f"/customers/import/{import_id}")
    preview = client.get(f"/customers/import/{import_id}").get_data(as_text=True)
    assert "Check before importing" in preview
    assert re.search(r"<strong>2</strong><span>new customers", preview)
    assert "Ayşe Yılmaz" in preview and "Import 2 rows" in preview

    response = client.post(f"/customers/import/{import_id}/start")
    assert response.headers["Location"].endswith(f"/customers/import/{import_id}/progress")
    run_jobs()

    result = client.get(f"/customers/import/{import_id}/progress").get_data(as_text=True)
    assert "Import finished" in result and "hx-trigger" not in result
    fragment = client.get(f"/customers/import/{import_id}/progress", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data and b"Import finished" in fragment.data

    job = _job(app, import_id)
    assert (job.status, job.created_count, job.updated_count, job.error_count) == ("done", 2, 0, 0)
    found = _customers(app, team.tenant)
    ayse = found["Ayşe Yılmaz"]
    assert (ayse.phone, ayse.email, ayse.source, ayse.campaign) == (
        "+905321112233",
        "ayse@example.test",
        "instagram",
        "Yaz 2026",
    )
    assert ayse.value_minor == 125050 and ayse.tag_names == ["VIP", "implant"]
    assert ayse.stage_name == "Randevu" and ayse.assignee_email == team.agent.email
    assert found["Berk Can"].value_minor == 80000 and found["Berk Can"].source == "google_ads"
    # One event speaks for the whole import; the rows made none of their own.
    [imported] = _events(app, team.tenant, "customers.imported")
    assert imported.data == {"created": 2, "updated": 0, "errors": 0, "import_id": import_id}
    assert imported.actor_id == team.manager.id
    assert _events(app, team.tenant, "customer.created") == []


def test_an_xlsx_file_imports_too(app, make, client, run_jobs):
    team = make.team()
    login(client, team.owner)
    workbook = Workbook()
    workbook.active.append(["Name", "Mobile", "Value"])
    workbook.active.append(["Deniz Ak", 5441234567, 1500.25])
    buffer = io.BytesIO()
    workbook.save(buffer)
    import_id = _import(client, run_jobs, buffer.getvalue(), "leads.xlsx")
    assert _job(app, import_id).created_count == 1
    deniz = _customers(app, team.tenant)["Deniz Ak"]
    assert deniz.phone == "+905441234567" and deniz.value_minor == 150025


def test_rows_matching_customers_update_them_and_repeats_in_the_file_are_one_person(app, make, client, run_jobs):
    team = make.team()
    make.customer(team.tenant, team.owner, name="Zeynep Eski", phone="0532 222 33 44", source="referral")
    make.customer(team.tenant, team.owner, name="Kemal Posta", phone=None, email="kemal@example.test")
    login(client, team.manager)
    content = _csv(
        # Known phone: fills the e-mail and tags, keeps the name and the source.
        "Zeynep Yeni Ad;+90 532 222 33 44;zeynep@example.test;Instagram;;sadik;;;",
        # Known e-mail: fills the phone.
        "Kemal;0533 999 88 77;KEMAL@example.test;;;;;;",
        # New; the same person by phone, bringing an e-mail; then again by that e-mail.
        "Mert Yeni;0534 555 66 77;;;;a;;;",
        "Mert Y.;0534 555 66 77;mert@example.test;;;;;;",
        "Mert;;mert@example.test;;;b;;;",
        "Sibel Tek;;MERT@example.test;;;;;;",
    )
    import_id = _import_id(_upload(client, content))
    client.post(f"/customers/import/{import_id}/mapping", data=_guessed_mapping(client, import_id))
    preview = client.get(f"/customers/import/{import_id}").get_data(as_text=True)
    assert re.search(r"<strong>1</strong><span>new customers", preview)
    assert re.search(r"<strong>5</strong><span>updates", preview)
    assert "same person as row 4" in preview and "Zeynep Eski" in preview

    client.post(f"/customers/import/{import_id}/start")
    run_jobs()
    job = _job(app, import_id)
    assert (job.created_count, job.updated_count, job.error_count) == (1, 5, 0)
    found = _customers(app, team.tenant)
    assert set(found) == {"Zeynep Eski", "Kemal Posta", "Mert Yeni"}
    zeynep = found["Zeynep Eski"]
    assert (zeynep.email, zeynep.source, zeynep.tag_names) == ("zeynep@example.test", "referral", ["sadik"])
    assert found["Kemal Posta"].phone == "+905339998877"
    mert = found["Mert Yeni"]
    assert (mert.phone, mert.email, mert.tag_names) == ("+905345556677", "mert@example.test", ["a", "b"])
    with app.app_context():
        # The e-mail filled in by the import is an identity now: de-duplication sees it.
        assert customers.find_existing(team.tenant.id, customers.Contact(None, "zeynep@example.test")).id == zeynep.id


def test_rows_with_errors_are_skipped_and_reported_with_spreadsheet_row_numbers(app, make, client, run_jobs):
    team = make.team()
    make.customer(team.tenant, team.owner, name="Ali Bir", phone="0535 000 00 01")
    make.customer(team.tenant, team.owner, name="Veli İki", email="veli@example.test")
    login(client, team.manager)
    content = _csv(
        "Doğru Kişi;0532 333 44 55;;;;;;;",
        ";0532 333 44 56;;;;;;;",
        "Kötü Telefon;12345;;;;;;;",
        "Kötü Posta;;not-an-address;;;;;;",
        "Yanlış Aşama;;;;;;;Uzay;",
        "Yabancı;;;;;;;;nobody@example.test",
        "Para;;;;;;on bin;;",
        "İkisi Birden;0535 000 00 01;veli@example.test;;;;;;",
        "Görüşen Kişi;;;;;;;GORUSULUYOR;Murat Yönetici",
    )
    import_id = _import_id(_upload(client, content))
    client.post(f"/customers/import/{import_id}/mapping", data=_guessed_mapping(client, import_id))
    preview = client.get(f"/customers/import/{import_id}").get_data(as_text=True)
    assert re.search(r"<strong>7</strong><span>rows with errors", preview)
    assert "The name is missing." in preview and "There is no stage called" in preview

    report = client.get(f"/customers/import/{import_id}/errors.csv")
    assert report.mimetype == "text/csv" and report.get_data(as_text=True).startswith("\ufeff")

    client.post(f"/customers/import/{import_id}/start")
    run_jobs()
    job = _job(app, import_id)
    assert (job.status, job.created_count, job.error_count) == ("done", 2, 7)
    errors = {e["row"]: " ".join(e["errors"]) for e in job.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9]
    assert "name is missing" in errors[3]
    assert "12345 is not a valid phone number" in errors[4]
    assert "not-an-address is not a valid e-mail address" in errors[5]
    assert 'no stage called "Uzay"' in errors[6]
    assert '"nobody@example.test" is not an active member' in errors[7]
    assert '"on bin" is not an amount' in errors[8]
    assert "Ali Bir" in errors[9] and "Veli İki" in errors[9]
    found = _customers(app, team.tenant)
    assert "Doğru Kişi" in found and "Kötü Telefon" not in found
    # A stage matches regardless of case and Turkish letters; an assignee by a unique name.
    assert found["Görüşen Kişi"].stage_name == "Görüşülüyor"
    assert found["Görüşen Kişi"].assignee_email == team.manager.email

    result = client.get(f"/customers/import/{import_id}/progress").get_data(as_text=True)
    assert "Download the error report" in result and "12345 is not a valid phone number" in result
    report = client.get(f"/customers/import/{import_id}/errors.csv").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(report.lstrip("\ufeff"))))
    assert lines[0][:3] == ["Row", "Problems", "Ad Soyad"]
    assert lines[2][0] == "4" and lines[2][2] == "Kötü Telefon"


def test_a_failure_midway_imports_nothing(app, make, client, run_jobs, monkeypatch):
    team = make.team()
    existing = make.customer(team.tenant, team.owner, name="Var Olan", phone="0532 444 55 66")
    login(client, team.manager)
    real_create = customers.create

    def create_or_break(tenant, actor, **fields):
        if fields["name"] == "Patlayan":
            raise RuntimeError("disk full")
        return real_create(tenant, actor, **fields)

    monkeypatch.setattr(customers, "create", create_or_break)
    content = _csv(
        "Birinci;0532 444 55 01;;;;x;;;",
        "Var Olan Güncel;0532 444 55 66;var@example.test;;;y;;;",
        "Patlayan;0532 444 55 03;;;;;;;",
        "Sonuncu;0532 444 55 04;;;;;;;",
    )
    import_id = _import(client, run_jobs, content)
    job = _job(app, import_id)
    assert job.status == "failed" and job.created_count == 0 and job.finished_at is not None
    assert "Nothing was imported: row 4 could not be saved" in job.errors[0]["errors"][0]
    assert "disk full" not in job.errors[0]["errors"][0]
    found = _customers(app, team.tenant)
    assert set(found) == {"Var Olan"} and found["Var Olan"].email is None and found["Var Olan"].tag_names == []
    assert _events(app, team.tenant, "customers.imported") == []

    page = client.get(f"/customers/import/{import_id}/progress").get_data(as_text=True)
    assert "The import failed" in page and "Try again" in page and "hx-trigger" not in page

    # Fixed: the same import runs again from the start.
    monkeypatch.setattr(customers, "create", real_create)
    assert client.post(f"/customers/import/{import_id}/start").status_code == 302
    run_jobs()
    job = _job(app, import_id)
    assert (job.status, job.created_count, job.updated_count) == ("done", 3, 1)
    assert _customers(app, team.tenant)["Var Olan"].email == "var@example.test"
    assert existing.id in {c.id for c in _customers(app, team.tenant).values()}


def test_the_progress_fragment_polls_until_the_import_is_over(app, make, client):
    team = make.team()
    login(client, team.manager)
    import_id = _import_id(_upload(client, _csv("Tek Kişi;;;;;;;;")))
    with app.app_context():
        job = db.session.get(ImportJob, import_id)
        job.status, job.mapping = "running", {"name": "Ad Soyad"}
        db.session.commit()
        progress.set(f"import:{import_id}", 0, 1)
    fragment = client.get(f"/customers/import/{import_id}/progress", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in text and "<html" not in text
    assert re.search(r'<label[^>]*for="import-bar"', text) and re.search(r'<progress id="import-bar"[^>]*max="1"', text)
    with app.app_context():
        job = db.session.get(ImportJob, import_id)
        job.status, job.finished_at, job.created_count = "done", utcnow(), 1
        db.session.commit()
    text = client.get(f"/customers/import/{import_id}/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in text and "Import finished" in text


def test_a_started_import_cannot_be_mapped_again(app, make, client):
    team = make.team()
    login(client, team.manager)
    import_id = _import_id(_upload(client, _csv("Tek Kişi;;;;;;;;")))
    with app.app_context():
        db.session.get(ImportJob, import_id).status = "running"
        db.session.commit()
    progress_url = f"/customers/import/{import_id}/progress"
    assert client.get(f"/customers/import/{import_id}").headers["Location"].endswith(progress_url)
    again = client.post(f"/customers/import/{import_id}/mapping", data={"name": "Ad Soyad"})
    assert again.status_code == 302 and again.headers["Location"].endswith(progress_url)


def test_bad_uploads_are_explained_and_nothing_is_stored(app, make, client):
    team = make.team()
    login(client, team.manager)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ImportJob))
    cases = [
        (b"", "x.csv", "The file is empty."),
        (b"Ad;Telefon\n", "x.csv", "no customers below them"),
        (b"whatever", "x.pdf", "Choose a .csv or .xlsx file"),
        (b"Ad\n\x81\x8d\x8f\n", "x.csv", "could not be read as text"),
        (b"not a zip", "x.xlsx", "could not be opened as an Excel workbook"),
    ]
    for content, name, message in cases:
        response = _upload(client, content, name)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    response = client.post("/customers/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and b"Choose a file to upload." in response.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportJob)) == before


def test_the_mapping_needs_a_name_column_and_one_field_per_column(make, client):
    team = make.team()
    login(client, team.manager)
    import_id = _import_id(_upload(client, _csv("Ayşe;0532 111 22 33;;;;;;;")))
    response = client.post(f"/customers/import/{import_id}/mapping", data={"phone": "Telefon"})
    assert response.status_code == 422 and b"Choose the column that holds the names." in response.data
    response = client.post(f"/customers/import/{import_id}/mapping", data={"name": "Ad Soyad", "campaign": "Ad Soyad"})
    assert response.status_code == 422 and b"is already used for another field" in response.data
    response = client.post(f"/customers/import/{import_id}/mapping", data={"name": "Not a column"})
    assert response.status_code == 422
    # Starting before the columns are chosen is refused.
    client.post(f"/customers/import/{import_id}/start")
    assert client.get(f"/customers/import/{import_id}").status_code == 200


def test_agents_cannot_import_or_export_and_other_tenants_see_404(app, make, client):
    team = make.team()
    login(client, team.manager)
    import_id = _import_id(_upload(client, _csv("Ayşe;;;;;;;;")))

    login(client, team.agent)
    assert client.get("/customers/import").status_code == 403
    assert _upload(client, _csv("Ayşe;;;;;;;;")).status_code == 403
    assert client.get(f"/customers/import/{import_id}").status_code == 403
    assert client.get("/customers/export.csv").status_code == 403

    login(client, team.outsider)
    for url in (
        f"/customers/import/{import_id}",
        f"/customers/import/{import_id}/progress",
        f"/customers/import/{import_id}/errors.csv",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/customers/import/{import_id}/mapping", data={"name": "Ad Soyad"}).status_code == 404
    assert client.post(f"/customers/import/{import_id}/start").status_code == 404
    assert _job(app, import_id).status == "uploaded" and _job(app, import_id).mapping == {}


def test_the_export_streams_the_filtered_customers_and_is_audited(app, make, client):
    team = make.team()
    stages = make.stages(team.tenant)
    make.customer(team.tenant, team.owner, name="Zafer Son", phone="0532 700 00 01", source="instagram", tags=["vip"])
    make.customer(
        team.tenant,
        team.owner,
        name="Ahmet İlk",
        phone="0532 700 00 02",
        email="ahmet@example.test",
        source="instagram",
        value_minor=125050,
        stage_id=stages[2].id,
        assignee_id=team.agent.id,
    )
    make.customer(team.tenant, team.owner, name="=Formül", phone="0532 700 00 03", source="instagram")
    make.customer(team.tenant, team.owner, name="Google Kişi", phone="0532 700 00 04", source="google_ads")
    gone = make.customer(team.tenant, team.owner, name="Silinen", phone="0532 700 00 05", source="instagram")
    with app.app_context():
        customers.delete(db.session.get(Customer, gone.id), None)
        db.session.commit()
    make.customer(team.outsider_tenant, team.outsider, name="Başkasının", phone="0532 700 00 06", source="instagram")

    login(client, team.manager)
    response = client.get("/customers/export.csv?source=instagram&source=bogus")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "Name",
        "Phone",
        "E-mail",
        "Stage",
        "Assignee",
        "Source",
        "Campaign",
        "Tags",
        "Value",
        "Lead score",
        "Created",
    ]
    names = [r[0] for r in rows[1:]]
    # Where "=" sorts depends on the database collation; the letters do not.
    assert sorted(names) == ["'=Formül", "Ahmet İlk", "Zafer Son"]
    assert names.index("Ahmet İlk") < names.index("Zafer Son")
    by_name = {r[0]: r for r in rows[1:]}
    ahmet = by_name["Ahmet İlk"]
    assert ahmet[1:6] == ["+905327000002", "ahmet@example.test", stages[2].name, "Elif Temsilci", "Instagram"]
    assert ahmet[8:10] == ["1250.50", "0"] and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", ahmet[10])
    assert by_name["Zafer Son"][7] == "vip"

    [event] = _events(app, team.tenant, "customers.exported")
    assert event.data == {"count": 3, "filters": "source=instagram"} and event.actor_id == team.manager.id

    everything = client.get("/customers/export.csv").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(everything.lstrip("\ufeff"))))) == 5


def test_turkish_readers_get_semicolons_and_decimal_commas(app, make, client):
    team = make.team()
    make.customer(team.tenant, team.owner, name="Oya Tutar", phone="0532 800 00 01", value_minor=99950)
    with app.app_context():
        from app.models import User

        db.session.get(User, team.owner.id).locale = "tr"
        db.session.commit()
    login(client, team.owner)
    text = client.get("/customers/export.csv").get_data(as_text=True)
    assert text.lstrip("\ufeff").splitlines()[1].split(";")[8] == "999,50"


def test_an_import_whose_worker_died_can_be_started_again(app, make, client, run_jobs, monkeypatch):
    from app.imports import services as imports

    team = make.team()
    login(client, team.manager)
    import_id = _import_id(_upload(client, _csv("Yarım Kalan;05321112299;;;;;;;")))
    client.post(f"/customers/import/{import_id}/mapping", data=_guessed_mapping(client, import_id))
    with app.app_context():
        job = db.session.get(ImportJob, import_id)
        job.status = "running"  # claimed by a worker that then vanished: no progress ever reported
        db.session.commit()
    text = client.get(f"/customers/import/{import_id}/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "stopped before it finished" in text and "hx-trigger" not in text
    monkeypatch.setattr(imports, "STALL_SECONDS", 10**9)  # a live import is left alone
    with app.app_context():
        progress.set(f"import:{import_id}", 0, 1)
    text = client.get(f"/customers/import/{import_id}/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in text
    monkeypatch.setattr(imports, "STALL_SECONDS", -1)
    assert client.post(f"/customers/import/{import_id}/start").status_code == 302
    run_jobs()
    assert _job(app, import_id).status == "done"
    assert "Yarım Kalan" in _customers(app, team.tenant)

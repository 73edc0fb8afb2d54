"""Staff keep the records from the console, and what they save is what the bot reads."""

from __future__ import annotations

from sqlalchemy import Engine, select

from puente import i18n
from records import enrolment, lease
from records.db import unit_of_work
from records.models import (
    Enrolment,
    EnrolmentProgress,
    EnrolmentStatus,
    Gender,
    LeaseStatus,
    Mediator,
    OutboxMessage,
    ResidentGender,
    Service,
    ServiceText,
    StaffAccount,
    StaffRole,
    WorkshopSession,
)
from records.services import find
from tests.console.conftest import ADMIN, Browser
from tests.records.helpers import resident, small_session


def service_id(engine: Engine, key: str) -> int:
    with unit_of_work(engine) as session:
        return session.scalars(select(Service.id).where(Service.key == key)).one()


def form_of(engine: Engine, key: str) -> dict[str, object]:
    """The service form as the page fills it, so a test changes one field like a person would."""
    with unit_of_work(engine) as session:
        service = session.scalars(select(Service).where(Service.key == key)).one()
        data: dict[str, object] = {"address": service.address, "phone": service.phone, "url": service.url}
        for text in service.texts:
            data |= {
                f"{text.language}_name": text.name,
                f"{text.language}_description": text.description,
                f"{text.language}_hours": text.hours,
                f"{text.language}_requirements": "\n".join(text.requirements),
                f"{text.language}_aliases": "\n".join(text.aliases),
            }
    return data


def test_a_creole_description_saved_in_the_console_is_what_the_records_give_the_bot(
    engine: Engine, clerk: Browser
) -> None:
    sid = service_id(engine, "health")
    before = form_of(engine, "health")
    page = clerk.client.get(f"/servicios/{sid}").text
    assert 'lang="ar" dir="rtl"' in page  # Arabic fields are written right to left
    data = before | {
        "ht_description": "Sant sante a louvri chak jou. Pote paspò ou.",
        "ht_requirements": "Paspò\nPrèv adrès",
        "address": "Av. Nueva 123, Quilicura",
    }
    response = clerk.post(f"/servicios/{sid}", data)
    assert response.status_code == 303
    assert "el bot ya usa estos datos" in clerk.client.get(response.headers["location"]).text
    with unit_of_work(engine) as session:
        service = find(session, "health")
        assert service is not None and service.address == "Av. Nueva 123, Quilicura"
        creole = next(t for t in service.texts if t.language == "ht")
        assert creole.description == "Sant sante a louvri chak jou. Pote paspò ou."
        assert creole.requirements == ["Paspò", "Prèv adrès"]
        assert creole.machine_translated is False
        spanish = next(t for t in service.texts if t.language == "es")
        assert spanish.name == before["es_name"]  # untouched language kept as it was


def test_a_language_can_stay_marked_as_machine_translation(engine: Engine, clerk: Browser) -> None:
    sid = service_id(engine, "legal_aid")
    clerk.post(f"/servicios/{sid}", form_of(engine, "legal_aid") | {"ar_machine": "1"})
    with unit_of_work(engine) as session:
        flags = dict(
            session.execute(select(ServiceText.language, ServiceText.machine_translated).where(
                ServiceText.service_id == sid)).all()
        )  # fmt: skip
    assert flags["ar"] is True and flags["es"] is False


def test_a_new_group_appears_with_its_dates_and_seats_and_bad_dates_are_refused(engine: Engine, clerk: Browser) -> None:
    with unit_of_work(engine) as session:
        workshop_id = small_session(session, 3).workshop_id
    fields = {"code": "esp-2099-01", "starts_on": "2099-03-02", "ends_on": "2099-02-01", "start_time": "18:30",
              "end_time": "20:00", "place": "Biblioteca", "capacity": "12", "weekdays": ["0", "2"]}  # fmt: skip
    refused = clerk.post(f"/talleres/{workshop_id}/grupos", fields)
    assert "anterior a la de inicio" in clerk.client.get(refused.headers["location"]).text
    created = clerk.post(f"/talleres/{workshop_id}/grupos", fields | {"ends_on": "2099-04-30"})
    assert created.status_code == 303
    with unit_of_work(engine) as session:
        group = session.scalars(select(WorkshopSession).where(WorkshopSession.code == "ESP-2099-01")).one()
        assert (group.capacity, group.place, group.weekdays) == (12, "Biblioteca", [0, 2])
        assert str(group.ends_on) == "2099-04-30"
    assert created.headers["location"] == f"/grupos/{group.id}"


def test_seats_cannot_drop_below_the_people_already_enrolled(engine: Engine, clerk: Browser) -> None:
    with unit_of_work(engine) as session:
        group = small_session(session, 3)
        for n in range(2):
            enrolment.enrol(session, resident(session, f"telegram:{n}"), group.id)
        gid = group.id
        fields = {"starts_on": str(group.starts_on), "ends_on": str(group.ends_on), "start_time": "18:30",
                  "end_time": "20:30", "place": "Sala 2", "weekdays": ["1"]}  # fmt: skip
    refused = clerk.post(f"/grupos/{gid}", fields | {"capacity": "1"})
    assert "Hay 2 personas inscritas" in clerk.client.get(refused.headers["location"]).text
    clerk.post(f"/grupos/{gid}", fields | {"capacity": "2"})
    with unit_of_work(engine) as session:
        group = session.get_one(WorkshopSession, gid)
        assert (group.capacity, group.place) == (2, "Sala 2")


def test_more_seats_go_to_the_waitlist_in_order_and_each_person_is_told(engine: Engine, clerk: Browser) -> None:
    with unit_of_work(engine) as session:
        group = small_session(session, 1)
        people = [resident(session, f"telegram:70{n}", lang) for n, lang in enumerate(("es", "ht", "ar", "es"))]
        made = [enrolment.enrol(session, person, group.id) for person in people]
        assert [e.status for e in made] == [EnrolmentStatus.enrolled] + [EnrolmentStatus.waitlisted] * 3
        gid, ids = group.id, [e.id for e in made]
        fields = {"starts_on": str(group.starts_on), "ends_on": str(group.ends_on), "start_time": "18:30",
                  "end_time": "20:30", "place": "Sala 2", "weekdays": ["1"]}  # fmt: skip
    saved = clerk.post(f"/grupos/{gid}", fields | {"capacity": "3"})
    assert "2 persona(s) de la lista de espera recibieron el cupo" in clerk.client.get(saved.headers["location"]).text
    with unit_of_work(engine) as session:
        statuses = [session.get_one(Enrolment, i).status for i in ids]
        assert statuses == [EnrolmentStatus.enrolled] * 3 + [EnrolmentStatus.waitlisted]  # first come, first seated
        notices = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "waitlist_promoted")).all()
        assert sorted(n.sender_id for n in notices) == ["telegram:701", "telegram:702"]
        arabic = next(n for n in notices if n.sender_id == "telegram:702")
        assert any("\u0600" <= ch <= "\u06ff" for ch in arabic.text)


def test_attendance_completion_certificate_and_reported_gender_are_recorded(engine: Engine, clerk: Browser) -> None:
    with unit_of_work(engine) as session:
        group = small_session(session, 1)
        seated = enrolment.enrol(session, resident(session, "whatsapp:50937000001", "ht"), group.id)
        waiting = enrolment.enrol(session, resident(session, "whatsapp:50937000002", "ht"), group.id)
        assert waiting.status is EnrolmentStatus.waitlisted
        ids = (group.id, seated.id, waiting.id, seated.resident_id)
    gid, seated_id, waiting_id, resident_id = ids
    assert seated.code in clerk.client.get(f"/grupos/{gid}").text
    no_certificate = clerk.post(f"/inscripciones/{seated_id}", {"attended": "8", "certified": "1", "gender": "female"})
    assert "Solo se certifica" in clerk.client.get(no_certificate.headers["location"]).text
    with unit_of_work(engine) as session:
        assert session.get(EnrolmentProgress, seated_id) is None  # a refused form changes nothing
        assert session.get(ResidentGender, resident_id) is None
    clerk.post(f"/inscripciones/{seated_id}", {"attended": "8", "completed": "1", "certified": "1", "gender": "female"})
    refused = clerk.post(f"/inscripciones/{waiting_id}", {"attended": "3", "gender": ""})
    assert "no tiene cupo" in clerk.client.get(refused.headers["location"]).text
    with unit_of_work(engine) as session:
        progress = session.get_one(EnrolmentProgress, seated_id)
        assert progress.sessions_attended == 8 and progress.completed_at and progress.certificate_at
        assert session.get_one(ResidentGender, resident_id).gender is Gender.female
        assert session.get(EnrolmentProgress, waiting_id) is None
    clerk.post(f"/inscripciones/{seated_id}", {"attended": "8", "gender": ""})  # unticked, and not asked after all
    with unit_of_work(engine) as session:
        progress = session.get_one(EnrolmentProgress, seated_id)
        assert progress.completed_at is None and progress.certificate_at is None
        assert session.get(ResidentGender, resident_id) is None


def test_a_lease_decision_tells_the_applicant_in_their_language_once(engine: Engine, clerk: Browser) -> None:
    with unit_of_work(engine) as session:
        person = resident(session, "telegram:509001", "ht")
        reference = lease.apply(session, person, 3, "500k_800k").reference
    assert reference in clerk.client.get("/aval").text
    response = clerk.post(f"/aval/{reference}", {"status": "approved", "note": "contrato revisado"})
    assert "Se avisó a la persona" in clerk.client.get(response.headers["location"]).text
    again = clerk.post(f"/aval/{reference}", {"status": "approved"})
    assert "no se avisó de nuevo" in clerk.client.get(again.headers["location"]).text
    with unit_of_work(engine) as session:
        messages = session.scalars(select(OutboxMessage).where(OutboxMessage.sender_id == "telegram:509001")).all()
        application = lease.latest(session, person.id)
        assert application is not None and application.status is LeaseStatus.approved
        assert [c.status for c in application.history] == [LeaseStatus.received, LeaseStatus.approved]
        assert application.history[-1].note == "contrato revisado"
    assert len(messages) == 1
    assert messages[0].language == "ht" and messages[0].kind == "lease_status"
    assert i18n.t("ht", "lease.statuses.approved") in messages[0].text
    assert "contrato revisado" not in messages[0].text  # the internal note stays internal


def test_the_applicant_reads_the_message_staff_wrote_for_them_never_the_internal_note(
    engine: Engine, clerk: Browser
) -> None:
    with unit_of_work(engine) as session:
        creole = resident(session, "telegram:509002", "ht")
        arabic = resident(session, "telegram:963002", "ar")
        creole_ref = lease.apply(session, creole, 2, "under_500k").reference
        arabic_ref = lease.apply(session, arabic, 2, "under_500k").reference
    page = clerk.client.get(f"/aval/{creole_ref}").text
    assert 'name="message_ht"' in page and 'name="message_ar"' in page and "nunca se envía" in page
    form = {"status": "in_review", "note": "dueño moroso, ojo", "message_es": "Trae tu contrato el lunes."}
    clerk.post(f"/aval/{creole_ref}", form | {"message_ht": "Pote kontra ou a lendi."})
    clerk.post(f"/aval/{arabic_ref}", form)
    with unit_of_work(engine) as session:
        told = {m.sender_id: m.text for m in session.scalars(select(OutboxMessage)).all()}
    assert "Pote kontra ou a lendi." in told["telegram:509002"] and "Trae tu" not in told["telegram:509002"]
    # No Arabic text written: the Spanish one, labelled as not yet in the reader's language.
    assert "Trae tu contrato el lunes." in told["telegram:963002"]
    assert i18n.t("ar", "common.not_in_language") in told["telegram:963002"]
    assert all("moroso" not in text for text in told.values())


def test_an_admin_registers_and_deactivates_a_mediator(engine: Engine, admin: Browser) -> None:
    form = {"telegram_user_id": "4242", "name": "Jean Pierre", "languages": ["ht", "es", "xx"], "active": "1"}
    admin.post("/mediadores", form)
    admin.post("/mediadores", form | {"active": "0"})
    refused = admin.post("/mediadores", form | {"telegram_user_id": "abc"})
    assert "id de Telegram es un número" in admin.client.get(refused.headers["location"]).text
    with unit_of_work(engine) as session:
        people = session.scalars(select(Mediator)).all()
    assert [(p.telegram_user_id, p.name, p.languages, p.active) for p in people] == [
        (4242, "Jean Pierre", ["es", "ht"], False)
    ]


def test_an_admin_creates_staff_accounts_but_never_removes_the_last_admin(engine: Engine, admin: Browser) -> None:
    short = admin.post("/cuentas", {"email": "luisa@quilicura.cl", "role": "staff", "password": "corta"})
    assert "al menos 10 caracteres" in admin.client.get(short.headers["location"]).text
    admin.post("/cuentas", {"email": "Luisa@Quilicura.cl", "role": "staff", "password": "una-clave-larga"})
    fresh = Browser(admin.client.app)
    fresh.login("luisa@quilicura.cl", "una-clave-larga")
    with unit_of_work(engine) as session:
        ana = session.scalars(select(StaffAccount).where(StaffAccount.email == ADMIN[0])).one()
        assert ana.role is StaffRole.admin
    demote = admin.post(f"/cuentas/{ana.id}", {"role": "staff", "active": "1"})
    assert "al menos una cuenta de administración" in admin.client.get(demote.headers["location"]).text
    assert admin.client.get("/cuentas").status_code == 200

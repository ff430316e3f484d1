import pytest

from app.customers import services
from app.extensions import db
from app.models import Customer, CustomerIdentity, Tenant, User


@pytest.mark.parametrize("typed", ["0532 123 45 67", "532-123-4567", "+90 532 123 4567", "(0532) 123 4567"])
def test_a_phone_in_any_common_form_is_the_same_person(app, make, typed):
    team = make.team()
    first = make.customer(team.tenant, team.owner, name="Ayşe Yılmaz", phone="+905321234567")
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        with pytest.raises(services.DuplicateCustomer) as caught:
            services.create(tenant, None, name="Ayşe Y.", phone=typed)
        assert caught.value.existing.id == first.id


def test_an_email_in_other_case_is_the_same_person(app, make):
    team = make.team()
    first = make.customer(team.tenant, name="Mehmet Kaya", phone=None, email="Mehmet.Kaya@Ornek.com")
    with app.app_context():
        existing = services.find_existing(team.tenant.id, services.Contact.parse(None, "mehmet.kaya@ornek.com"))
        assert existing.id == first.id


def test_the_same_phone_in_another_tenant_is_another_person(make):
    team = make.team()
    make.customer(team.tenant, phone="+905339998877")
    other = make.customer(team.outsider_tenant, phone="0533 999 88 77")
    assert other.phone == "+905339998877"


def test_bad_contact_details_are_explained(app, make):
    team = make.team()
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        # The message names what was typed, in whatever language the person reads.
        with pytest.raises(services.CustomerError, match="12"):
            services.create(tenant, None, name="X", phone="12")
        with pytest.raises(services.CustomerError, match="x@"):
            services.create(tenant, None, name="X", email="x@")
        with pytest.raises(services.CustomerError):
            services.create(tenant, None, name="   ")


def test_editing_a_phone_keeps_dedupe(app, make):
    team = make.team()
    make.customer(team.tenant, name="A", phone="+905321111111")
    second = make.customer(team.tenant, name="B", phone="+905322222222")
    with app.app_context():
        customer = db.session.get(Customer, second.id)
        with pytest.raises(services.DuplicateCustomer):
            services.update_fields(customer, None, phone="0532 111 11 11")
        db.session.rollback()
        services.update_fields(customer, None, phone="0532 333 33 33")
        db.session.commit()
        values = set(
            db.session.scalars(db.select(CustomerIdentity.value).where(CustomerIdentity.customer_id == second.id))
        )
        assert {"+905322222222", "+905323333333"} <= values  # the old number still finds them


def test_a_merge_keeps_every_contact_reminder_and_timeline_entry(app, make):
    from app import events
    from app.customers import timeline
    from app.models import Reminder
    from app.models.base import utcnow

    team = make.team()
    kept = make.customer(team.tenant, team.owner, name="Zeynep Demir", phone="+905321230001", tags=["vip"])
    twin = make.customer(
        team.tenant, team.agent, name="Zeynep D.", phone=None, email="zeynep@ornek.com", tags=["implant"], source="meta"
    )
    with app.app_context():
        agent = db.session.get(User, team.agent.id)
        twin_row = db.session.get(Customer, twin.id)
        services.add_note(twin_row, agent, "İkinci kayıttaki not")
        db.session.add(
            Reminder(tenant_id=team.tenant.id, customer_id=twin.id, assignee_id=agent.id, title="Ara", due_at=utcnow())
        )
        db.session.commit()

        kept_row = db.session.get(Customer, kept.id)
        services.merge(kept_row, db.session.get(Customer, twin.id), db.session.get(User, team.owner.id))
        db.session.commit()

        kept_row = db.session.get(Customer, kept.id)
        assert kept_row.email == "zeynep@ornek.com" and kept_row.source == "meta"
        assert {t.name for t in kept_row.tags} == {"vip", "implant"}
        assert db.session.scalar(db.select(Reminder).where(Reminder.customer_id == kept.id)).title == "Ara"
        assert kept_row.next_follow_up_at is not None
        assert services.find_existing(team.tenant.id, services.Contact.parse(None, "zeynep@ornek.com")).id == kept.id
        types = [e.type for e in timeline.entries(kept_row)]
        assert types.count(events.CUSTOMER_CREATED) == 2 and events.NOTE_ADDED in types
        assert events.CUSTOMER_MERGED in types
        assert db.session.get(Customer, twin.id).merged_into_id == kept.id


def test_a_merged_customer_link_leads_to_the_kept_one(app, make, client):
    from tests.factories import login

    team = make.team()
    kept = make.customer(team.tenant, name="Kalan")
    gone = make.customer(team.tenant, name="Giden")
    login(client, team.manager)
    response = client.post(f"/customers/{kept.id}/merge", data={"other_id": gone.id})
    assert response.status_code == 303
    response = client.get(f"/customers/{gone.id}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/customers/{kept.id}")

from sqlalchemy import func, select

from app.demo import seed
from app.extensions import db
from app.models import Event, Membership, PipelineStage, Tenant, User
from tests.factories import client_from_new_ip


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Tenant, User, Membership, Event))


def test_the_demo_is_complete_and_idempotent(app):
    with app.app_context():
        seed.seed()
        first = _counts()
        seed.seed()
        assert _counts() == first

        tenants = {
            t.slug: t
            for t in db.session.scalars(
                select(Tenant).where(Tenant.slug.in_(["gulus-dis", "bella-guzellik", "anadolu-carsi"]))
            )
        }
        assert {t.name for t in tenants.values()} == {"Gülüş Diş Kliniği", "Bella Güzellik Salonu", "Anadolu Çarşı"}
        assert [
            s.name
            for s in db.session.scalars(
                select(PipelineStage)
                .where(PipelineStage.tenant_id == tenants["gulus-dis"].id)
                .order_by(PipelineStage.position)
            )
        ][:6] == ["Yeni Lead", "Görüşülüyor", "Randevu", "Kapora", "Tedavi/Satış", "Takip"]

        def roles(email):
            user = db.session.scalar(select(User).where(User.email == email))
            return {(m.tenant.slug, m.role) for m in user.memberships if m.active}

        assert roles("owner@demo.kervan.test") == {
            ("gulus-dis", "owner"),
            ("bella-guzellik", "owner"),
            ("anadolu-carsi", "owner"),
        }
        assert roles("manager@demo.kervan.test") == {("gulus-dis", "manager")}
        assert roles("agent@demo.kervan.test") == {("gulus-dis", "agent")}
        assert roles("salon@demo.kervan.test") == {("bella-guzellik", "owner")}
        assert all(
            u.phone.startswith("+90")
            for u in db.session.scalars(select(User).where(User.email.like("%demo.kervan.test")))
        )


def test_demo_users_sign_in_with_the_documented_password(app):
    with app.app_context():
        seed.seed()
    client = client_from_new_ip(app)
    response = client.post("/auth/login", data={"email": "agent@demo.kervan.test", "password": seed.PASSWORD})
    assert response.status_code == 302
    assert "Gülüş Diş Kliniği" in client.get("/command").get_data(as_text=True)

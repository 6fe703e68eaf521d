"""Clinic management pages: settings, locations and rooms, staff and invitations, practitioners.

Each page: who may see it, who may not (403), another clinic's object (404), a valid
change (saved and audited) and bad input (a message by the field, nothing changed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse

from sacrum.access.models import AuditEntry, User
from sacrum.access.roles import Role
from sacrum.clinics import services
from sacrum.clinics.middleware import SESSION_CLINIC_KEY
from sacrum.clinics.models import (
    Clinic,
    Credential,
    Invitation,
    Location,
    Membership,
    PractitionerProfile,
    Room,
)
from tests.conftest import PASSWORD, Persona, add_member
from tests.emails import emailed_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def field_errors(response: Any, name: str) -> list[str]:
    """The messages shown by one field of the page's form."""
    html = response.content.decode()
    return re.findall(rf'<p class="error" id="id_{name}_error" role="alert">([^<]*)</p>', html)


def audited(action: str, obj: Any) -> bool:
    return AuditEntry.objects.filter(action=action, object_id=str(obj.pk)).exists()


@pytest.fixture
def location(owner: Persona) -> Location:
    return services.create_location(
        actor=owner.actor, data={"name": "Harbourside", "time_zone": "Europe/London"}
    )


@pytest.fixture
def room(owner: Persona, location: Location) -> Room:
    return services.create_room(actor=owner.actor, location=location, data={"name": "Willow"})


@pytest.fixture
def profile(practitioner: Persona) -> PractitionerProfile:
    return services.save_profile(
        actor=practitioner.actor,
        member=practitioner.member,
        data={"display_name": "Pat P.", "profession": "osteopath", "languages": "English"},
    )


@pytest.fixture
def credential(practitioner: Persona, profile: PractitionerProfile) -> Credential:
    return services.add_credential(
        actor=practitioner.actor,
        profile=profile,
        data={
            "issuing_body": "Upledger Institute",
            "title": "CranioSacral Therapy",
            "level": "CST1",
            "issued_on": dt.date(2019, 5, 1),
        },
        evidence=SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf"),
    )


@pytest.fixture(autouse=True)
def private_files(settings: Any, tmp_path: Any) -> None:
    """Evidence uploads land in a throwaway folder, not the developer's data directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": "/nowhere/"},
        },
    }


# --- Clinic settings -------------------------------------------------------------------


def test_clinic_settings_are_for_owners_only(
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    url = reverse("web:clinic_settings")
    response = browser_as(owner).get(url)
    assert response.status_code == 200
    assert "Require two-factor sign-in for staff" in response.content.decode()
    assert browser_as(practitioner).get(url).status_code == 403
    assert browser_as(front_desk).get(url).status_code == 403
    assert browser_as(front_desk).post(url, {"name": "Taken over"}).status_code == 403
    assert Clinic.objects.get(pk=owner.clinic.pk).name == "Stillwater Practice"


def test_owner_changes_clinic_settings_and_it_is_audited(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    response = browser_as(owner).post(
        reverse("web:clinic_settings"),
        {
            "name": "Stillwater Craniosacral",
            "time_zone": "Europe/Berlin",
            "email": "hello@stillwater.test",
            "phone": "+44 117 496 0000",
            "website": "https://stillwater.test",
            "require_staff_mfa": "on",
        },
    )
    assert response.status_code == 302
    clinic = Clinic.objects.get(pk=owner.clinic.pk)
    assert (clinic.name, clinic.time_zone, clinic.require_staff_mfa) == (
        "Stillwater Craniosacral",
        "Europe/Berlin",
        True,
    )
    assert audited("update", clinic)


def test_unknown_time_zone_is_named_by_its_field_and_nothing_changes(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    before = AuditEntry.objects.count()
    response = http.post(
        reverse("web:clinic_settings"),
        {"name": "Renamed", "time_zone": "Mars/Olympus_Mons", "email": "", "phone": ""},
    )
    assert response.status_code == 200
    assert field_errors(response, "time_zone") == [
        "“Mars/Olympus_Mons” is not a known time zone (e.g. Europe/Berlin)."
    ]
    clinic = Clinic.objects.get(pk=owner.clinic.pk)
    assert (clinic.name, clinic.time_zone) == ("Stillwater Practice", "Europe/London")
    assert AuditEntry.objects.count() == before


# --- Locations and rooms -----------------------------------------------------------


def test_everyone_sees_locations_but_only_owners_get_edit_controls(
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
    room: Room,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    location = room.location
    for persona in (practitioner, front_desk):
        listing = browser_as(persona).get(reverse("web:location_list")).content.decode()
        assert "Harbourside" in listing and reverse("web:location_create") not in listing
        page = browser_as(persona).get(reverse("web:location_detail", args=[location.pk]))
        html = page.content.decode()
        assert page.status_code == 200 and "Willow" in html
        assert reverse("web:location_edit", args=[location.pk]) not in html
        assert reverse("web:room_edit", args=[room.pk]) not in html
        assert reverse("web:room_create", args=[location.pk]) not in html
    content = browser_as(owner).get(reverse("web:location_detail", args=[location.pk])).content
    assert reverse("web:room_delete", args=[room.pk]).encode() in content
    assert reverse("web:location_edit", args=[location.pk]).encode() in content


def test_staff_who_may_not_manage_places_get_403(
    practitioner: Persona,
    front_desk: Persona,
    room: Room,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    for persona in (practitioner, front_desk):
        http = browser_as(persona)
        assert http.get(reverse("web:location_create")).status_code == 403
        assert http.get(reverse("web:location_edit", args=[room.location_id])).status_code == 403
        assert http.post(reverse("web:room_delete", args=[room.pk])).status_code == 403
        new_room = reverse("web:room_create", args=[room.location_id])
        assert http.post(new_room, {"room-name": "Cupboard"}).status_code == 403
    assert Room.objects.filter(pk=room.pk).exists()
    assert not Room.objects.filter(name="Cupboard").exists()


def test_another_clinics_location_and_room_are_404(
    outsider: Persona, room: Room, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(outsider)
    assert http.get(reverse("web:location_detail", args=[room.location_id])).status_code == 404
    assert http.get(reverse("web:location_edit", args=[room.location_id])).status_code == 404
    assert http.get(reverse("web:room_edit", args=[room.pk])).status_code == 404
    assert http.post(reverse("web:room_delete", args=[room.pk])).status_code == 404
    assert http.post(reverse("web:room_active", args=[room.pk]), {"active": "0"}).status_code == 404
    assert Room.objects.get(pk=room.pk).active


def test_owner_creates_a_location_in_its_own_time_zone(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    form = http.get(reverse("web:location_create")).content.decode()
    assert 'value="Europe/London"' in form  # the clinic's zone is the starting point
    response = http.post(
        reverse("web:location_create"),
        {"name": "Berlin Mitte", "address_line": "Torstraße 1", "city": "Berlin",
         "postal_code": "10119", "country": "DE", "time_zone": "Europe/Berlin"},
    )  # fmt: skip
    location = Location.objects.get(name="Berlin Mitte")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:location_detail", args=[location.pk])
    assert location.time_zone == "Europe/Berlin" and location.clinic_id == owner.clinic.pk
    assert audited("create", location)


def test_location_with_unknown_zone_or_taken_name_is_refused_by_the_field(
    owner: Persona, location: Location, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    response = http.post(
        reverse("web:location_create"), {"name": "Lakeside", "time_zone": "Europe/Atlantis"}
    )
    assert response.status_code == 200
    assert "not a known time zone" in field_errors(response, "time_zone")[0]
    response = http.post(
        reverse("web:location_edit", args=[location.pk]),
        {"name": "Harbourside", "time_zone": "Nowhere/Special", "active": "on"},
    )
    assert "not a known time zone" in field_errors(response, "time_zone")[0]
    services.create_location(actor=owner.actor, data={"name": "Lakeside"})
    response = http.post(
        reverse("web:location_edit", args=[location.pk]),
        {"name": "Lakeside", "time_zone": "Europe/London", "active": "on"},
    )
    assert field_errors(response, "name") == ["There is already a location called “Lakeside”."]
    location.refresh_from_db()
    assert (location.name, location.time_zone) == ("Harbourside", "Europe/London")
    assert Location.objects.filter(clinic=owner.clinic).count() == 2


def test_owner_adds_renames_deactivates_and_deletes_rooms(
    owner: Persona, location: Location, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    response = http.post(reverse("web:room_create", args=[location.pk]), {"room-name": "Cedar"})
    assert response.status_code == 302
    room = Room.objects.get(location=location, name="Cedar")
    assert audited("create", room)

    response = http.post(reverse("web:room_edit", args=[room.pk]), {"name": "Cedar room"})
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.name == "Cedar room"

    http.post(reverse("web:room_active", args=[room.pk]), {"active": "0"})
    room.refresh_from_db()
    assert room.active is False
    assert (
        "Bring back into use"
        in http.get(reverse("web:location_detail", args=[location.pk])).content.decode()
    )
    http.post(reverse("web:room_active", args=[room.pk]), {"active": "1"})
    room.refresh_from_db()
    assert room.active is True
    assert AuditEntry.objects.filter(action="update", object_id=str(room.pk)).count() == 3

    assert http.post(reverse("web:room_delete", args=[room.pk])).status_code == 302
    assert not Room.objects.filter(pk=room.pk).exists()
    assert audited("delete", room)


def test_duplicate_or_empty_room_name_is_shown_by_the_field(
    owner: Persona, room: Room, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    url = reverse("web:room_create", args=[room.location_id])
    response = http.post(url, {"room-name": "Willow"})
    assert response.status_code == 200
    assert field_errors(response, "room-name") == [
        "There is already a room called “Willow” at this location."
    ]
    response = http.post(url, {"room-name": "  "})
    assert field_errors(response, "room-name") == ["This field is required."]
    other = services.create_room(actor=owner.actor, location=room.location, data={"name": "Oak"})
    response = http.post(reverse("web:room_edit", args=[other.pk]), {"name": "Willow"})
    assert "already a room" in field_errors(response, "name")[0]
    assert "Rename Oak" in response.content.decode()
    assert sorted(Room.objects.values_list("name", flat=True)) == ["Oak", "Willow"]


def test_room_actions_need_post(
    owner: Persona, room: Room, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    assert http.get(reverse("web:room_delete", args=[room.pk])).status_code == 405
    assert http.get(reverse("web:room_active", args=[room.pk])).status_code == 405


# --- Staff ---------------------------------------------------------------------------


def test_staff_list_for_everyone_invitations_for_owners(
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    services.invite(actor=owner.actor, email="new@example.test", role=Role.PRACTITIONER)
    html = browser_as(owner).get(reverse("web:staff_list")).content.decode()
    assert "pat@stillwater.test" in html and "Fran Frontdesk" in html
    assert "new@example.test" in html and "Pending invitations" in html
    for persona in (practitioner, front_desk):
        response = browser_as(persona).get(reverse("web:staff_list"))
        html = response.content.decode()
        assert response.status_code == 200 and "Olivia Owner" in html
        assert "new@example.test" not in html and reverse("web:staff_invite") not in html
        assert browser_as(persona).get(reverse("web:staff_invite")).status_code == 403
        manage = reverse("web:member_manage", args=[owner.member.pk])
        assert browser_as(persona).get(manage).status_code == 403


def test_another_clinics_staff_and_invitations_are_404(
    owner: Persona,
    practitioner: Persona,
    outsider: Persona,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    invitation = services.invite(actor=owner.actor, email="x@example.test", role="owner")
    http = browser_as(outsider)
    member = practitioner.member
    assert http.get(reverse("web:member_manage", args=[member.pk])).status_code == 404
    assert (
        http.post(reverse("web:member_manage", args=[member.pk]), {"role": "owner"}).status_code
        == 404
    )
    assert (
        http.post(reverse("web:member_active", args=[member.pk]), {"active": "0"}).status_code
        == 404
    )
    assert http.post(reverse("web:invitation_revoke", args=[invitation.pk])).status_code == 404
    member.refresh_from_db()
    invitation.refresh_from_db()
    assert (member.role, member.active, invitation.revoked_at) == ("practitioner", True, None)


def test_owner_invites_by_email_and_can_revoke(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    assert http.get(reverse("web:staff_invite")).status_code == 200
    response = http.post(
        reverse("web:staff_invite"), {"email": "Lena@Example.test", "role": "front_desk"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="lena@example.test")
    assert invitation.role == "front_desk" and audited("create", invitation)
    assert [m.to for m in mail.outbox] == [["lena@example.test"]]

    response = http.post(reverse("web:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and audited("delete", invitation)
    assert "was revoked" in http.get(reverse("web:staff_list")).content.decode()
    assert "lena@example.test" not in http.get(reverse("web:staff_list")).content.decode()


def test_invitation_with_an_unknown_role_or_for_a_member_is_refused(
    owner: Persona, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    response = http.post(reverse("web:staff_invite"), {"email": "a@example.test", "role": "boss"})
    assert response.status_code == 200
    assert "boss is not one of the available choices" in field_errors(response, "role")[0]
    response = http.post(
        reverse("web:staff_invite"), {"email": "pat@stillwater.test", "role": "owner"}
    )
    assert field_errors(response, "email") == ["This person is already a member of the clinic."]
    response = http.post(reverse("web:staff_invite"), {"email": "not-an-address", "role": "owner"})
    assert field_errors(response, "email") == ["Enter a valid email address."]
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_owner_changes_a_role_and_it_is_audited(
    owner: Persona, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    url = reverse("web:member_manage", args=[practitioner.member.pk])
    http = browser_as(owner)
    assert http.get(url).status_code == 200
    assert http.post(url, {"role": "front_desk"}).status_code == 302
    practitioner.member.refresh_from_db()
    assert practitioner.member.role == "front_desk"
    assert audited("update", practitioner.member)


def test_the_last_owner_cannot_be_demoted_or_deactivated(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    before = AuditEntry.objects.count()
    response = http.post(
        reverse("web:member_manage", args=[owner.member.pk]), {"role": "practitioner"}
    )
    assert response.status_code == 200
    assert field_errors(response, "role") == ["A clinic must keep at least one active owner."]
    response = http.post(reverse("web:member_active", args=[owner.member.pk]), {"active": "0"})
    assert response.status_code == 200
    assert "A clinic must keep at least one active owner." in response.content.decode()
    assert (
        http.post(
            reverse("web:member_manage", args=[owner.member.pk]), {"role": "chief"}
        ).status_code
        == 200
    )
    member = Membership.objects.get(pk=owner.member.pk)
    assert (member.role, member.active) == ("owner", True)
    assert AuditEntry.objects.count() == before


def test_owner_deactivates_and_reactivates_a_member(
    owner: Persona, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    url = reverse("web:member_active", args=[practitioner.member.pk])
    assert http.post(url, {"active": "0"}).status_code == 302
    practitioner.member.refresh_from_db()
    assert practitioner.member.active is False
    # Deactivated: the practitioner has no clinic any more.
    assert browser_as(practitioner).get(reverse("web:location_list")).status_code == 403
    assert http.post(url, {"active": "1"}).status_code == 302
    practitioner.member.refresh_from_db()
    assert practitioner.member.active is True
    assert (
        AuditEntry.objects.filter(action="update", object_id=str(practitioner.member.pk)).count()
        == 2
    )


# --- Accepting an invitation ----------------------------------------------------------


def invitation_path(message: Any) -> str:
    match = re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_new_colleague_joins_from_the_emailed_link(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    browser_as(owner).post(
        reverse("web:staff_invite"), {"email": "lena@example.test", "role": "practitioner"}
    )
    path = invitation_path(mail.outbox[-1])
    visitor = HttpClient()
    page = visitor.get(path)
    assert page.status_code == 200
    assert "Join Stillwater Practice" in page.content.decode()

    response = visitor.post(
        path, {"full_name": "Lena Fischer", "password1": "12345678901", "password2": "12345678901"}
    )
    assert response.status_code == 200 and field_errors(response, "password1")
    response = visitor.post(
        path,
        {"full_name": "Lena Fischer", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert field_errors(response, "password2") == ["The two passwords are not the same."]
    assert not User.objects.filter(email="lena@example.test").exists()

    response = visitor.post(
        path, {"full_name": "Lena Fischer", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:dashboard")
    user = User.objects.get(email="lena@example.test")
    member = Membership.objects.get(user=user)
    assert (member.clinic_id, member.role, user.full_name) == (
        owner.clinic.pk,
        "practitioner",
        "Lena Fischer",
    )
    assert visitor.session[SESSION_CLINIC_KEY] == str(owner.clinic.pk)
    assert audited("create", member)
    # Signed in and acting in the clinic.
    assert visitor.get(reverse("web:practitioner_list")).status_code == 200
    # The link works once.
    assert HttpClient().get(path).status_code == 404


def test_someone_with_an_account_signs_in_first_then_accepts(
    owner: Persona, outsider: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    services.invite(actor=owner.actor, email="owen@elsewhere.test", role=Role.PRACTITIONER)
    raw = emailed_token("/invitations/")
    path = reverse("web:invitation_accept", args=[raw])
    page = HttpClient().get(path).content.decode()
    assert "Sign in to accept" in page
    # The sign-in page returns to a fixed address: the token never reaches the session.
    assert f"{reverse('account_login')}?next=%2Finvitations%2Fresume%2F" in page
    assert (
        HttpClient()
        .post(path, {"full_name": "X", "password1": PASSWORD, "password2": PASSWORD})
        .status_code
        == 200
    )
    assert not Membership.objects.filter(clinic=owner.clinic, user=outsider.user).exists()

    http = browser_as(outsider)
    assert "Accept and join" in http.get(path).content.decode()
    response = http.post(path)
    assert response.status_code == 302
    member = Membership.objects.get(clinic=owner.clinic, user=outsider.user)
    assert member.role == "practitioner"
    assert http.session[SESSION_CLINIC_KEY] == str(owner.clinic.pk)


def test_after_signing_in_the_same_browser_accepts_without_the_token(
    owner: Persona, outsider: Persona
) -> None:
    services.invite(actor=owner.actor, email="owen@elsewhere.test", role=Role.PRACTITIONER)
    raw = emailed_token("/invitations/")
    visitor = HttpClient()
    assert "Sign in to accept" in visitor.get(f"/invitations/{raw}/").content.decode()
    assert visitor.get("/invitations/resume/").status_code == 404  # not signed in yet
    visitor.force_login(outsider.user)
    assert "Accept and join" in visitor.get("/invitations/resume/").content.decode()
    assert visitor.post("/invitations/resume/").status_code == 302
    assert Membership.objects.filter(clinic=owner.clinic, user=outsider.user).exists()
    stored = [s.get_decoded() for s in Session.objects.all()]
    assert stored and not any(raw in str(data) for data in stored)
    # A browser that never opened the link has nothing pending.
    assert HttpClient().get("/invitations/resume/").status_code == 404


def test_signed_in_as_someone_else_cannot_accept(
    owner: Persona, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    services.invite(actor=owner.actor, email="new@example.test", role="owner")
    raw = emailed_token("/invitations/")
    http = browser_as(practitioner)
    path = reverse("web:invitation_accept", args=[raw])
    assert "You are signed in as pat@stillwater.test" in http.get(path).content.decode()
    http.post(path)
    assert not Membership.objects.filter(role="owner", user=practitioner.user).exists()
    assert Invitation.objects.get().accepted_at is None


def test_unknown_revoked_and_expired_links_are_a_clear_404(owner: Persona) -> None:
    invitation = services.invite(actor=owner.actor, email="a@example.test", role="owner")
    raw = emailed_token("/invitations/")
    response = HttpClient().get(reverse("web:invitation_accept", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=invitation.created_at - dt.timedelta(seconds=1)
    )
    assert HttpClient().get(reverse("web:invitation_accept", args=[raw])).status_code == 404
    second = services.invite(actor=owner.actor, email="b@example.test", role="owner")
    raw2 = emailed_token("/invitations/")
    services.revoke_invitation(actor=owner.actor, invitation=second)
    response = HttpClient().post(
        reverse("web:invitation_accept", args=[raw2]),
        {"full_name": "B", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 404
    assert not User.objects.filter(email="b@example.test").exists()


# --- Practitioners and credentials ---------------------------------------------------


def test_practitioner_list_shows_profession_and_credential_counts(
    owner: Persona,
    front_desk: Persona,
    credential: Credential,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    services.add_credential(
        actor=owner.actor,
        profile=credential.profile,
        data={"issuing_body": "HCPC", "title": "Physiotherapist", "issued_on": dt.date(2012, 1, 1)},
    )
    services.set_verification(actor=owner.actor, credential=credential, state="verified")
    response = browser_as(front_desk).get(reverse("web:practitioner_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pat P." in html and "Osteopath" in html
    assert "1 verified" in html and "1 to verify" in html
    assert "Create my profile" not in html  # the front desk has no profile to create


def test_a_practitioner_without_a_profile_creates_their_own(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(practitioner)
    listing = http.get(reverse("web:practitioner_list")).content.decode()
    create_url = reverse("web:profile_create", args=[practitioner.member.pk])
    assert "Create my profile" in listing and create_url in listing
    response = http.post(
        create_url,
        {"display_name": "Pat Practitioner", "profession": "massage_therapist",
         "bio": "Jaw tension and stress.", "languages": "English, German",
         "listed_publicly": "on"},
    )  # fmt: skip
    profile = PractitionerProfile.objects.get(membership=practitioner.member)
    assert response.status_code == 302
    assert profile.languages == ["English", "German"] and profile.listed_publicly
    assert audited("create", profile)
    # A second visit goes to editing the existing profile.
    assert http.get(create_url)["Location"] == reverse("web:profile_edit", args=[profile.pk])


def test_bad_profile_input_is_named_by_its_field(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    response = browser_as(practitioner).post(
        reverse("web:profile_create", args=[practitioner.member.pk]),
        {"display_name": "", "profession": "wizard"},
    )
    assert response.status_code == 200
    assert field_errors(response, "display_name") == ["This field is required."]
    assert "wizard is not one of the available choices" in field_errors(response, "profession")[0]
    assert not PractitionerProfile.objects.exists()


def test_front_desk_and_colleagues_cannot_write_profiles(
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
    profile: PractitionerProfile,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    assert (
        browser_as(front_desk)
        .get(reverse("web:profile_create", args=[front_desk.member.pk]))
        .status_code
        == 403
    )
    colleague = add_member(owner.clinic, "lena@stillwater.test", Role.PRACTITIONER)
    http = browser_as(colleague)
    assert http.get(reverse("web:profile_edit", args=[profile.pk])).status_code == 403
    assert (
        http.post(
            reverse("web:profile_edit", args=[profile.pk]),
            {"display_name": "Hijacked", "profession": "other"},
        ).status_code
        == 403
    )
    assert http.get(reverse("web:credential_create", args=[profile.pk])).status_code == 403
    page = http.get(reverse("web:profile_detail", args=[profile.pk])).content.decode()
    assert reverse("web:profile_edit", args=[profile.pk]) not in page
    profile.refresh_from_db()
    assert profile.display_name == "Pat P."


def test_owner_edits_a_practitioners_profile(
    owner: Persona, profile: PractitionerProfile, browser_as: Callable[[Persona], HttpClient]
) -> None:
    url = reverse("web:profile_edit", args=[profile.pk])
    http = browser_as(owner)
    assert 'value="English"' in http.get(url).content.decode()
    response = http.post(
        url,
        {"display_name": "Pat Practitioner", "profession": "chiropractor", "bio": "",
         "languages": "English, French"},
    )  # fmt: skip
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.profession, profile.languages) == ("chiropractor", ["English", "French"])
    assert audited("update", profile)


def test_owner_creates_a_profile_for_a_colleague_from_the_list(
    owner: Persona, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    listing = http.get(reverse("web:practitioner_list")).content.decode()
    url = reverse("web:profile_create", args=[practitioner.member.pk])
    assert "Staff without a profile" in listing and url in listing
    response = http.post(url, {"display_name": "Pat", "profession": "osteopath"})
    assert response.status_code == 302
    assert PractitionerProfile.objects.get(membership=practitioner.member).display_name == "Pat"


def test_another_clinics_profiles_and_credentials_are_404(
    outsider: Persona, credential: Credential, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(outsider)
    profile = credential.profile
    for url in (
        reverse("web:profile_detail", args=[profile.pk]),
        reverse("web:profile_edit", args=[profile.pk]),
        reverse("web:credential_create", args=[profile.pk]),
        reverse("web:credential_edit", args=[credential.pk]),
        reverse("web:credential_evidence", args=[credential.pk]),
        reverse("web:profile_create", args=[profile.membership_id]),
    ):
        assert http.get(url).status_code == 404, url
    verify = reverse("web:credential_verify", args=[credential.pk])
    assert http.post(verify, {"state": "verified"}).status_code == 404
    assert http.post(reverse("web:credential_delete", args=[credential.pk])).status_code == 404
    credential.refresh_from_db()
    assert credential.verification_state == "unverified"


def test_practitioner_adds_a_credential_with_evidence(
    practitioner: Persona, profile: PractitionerProfile, browser_as: Callable[[Persona], HttpClient]
) -> None:
    response = browser_as(practitioner).post(
        reverse("web:credential_create", args=[profile.pk]),
        {
            "issuing_body": "Upledger Institute",
            "title": "CranioSacral Therapy",
            "level": "CST2",
            "issued_on": "2021-03-15",
            "expires_on": "2026-03-15",
            "evidence": SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    credential = Credential.objects.get(profile=profile)
    assert credential.level == "CST2" and credential.expires_on == dt.date(2026, 3, 15)
    assert credential.evidence.name is not None
    assert credential.evidence.name.endswith(".pdf")
    assert credential.verification_state == "unverified"
    assert audited("create", credential)


def test_bad_credential_input_is_named_by_its_field(
    practitioner: Persona, profile: PractitionerProfile, browser_as: Callable[[Persona], HttpClient]
) -> None:
    url = reverse("web:credential_create", args=[profile.pk])
    http = browser_as(practitioner)
    base = {"issuing_body": "Upledger", "title": "CST", "issued_on": "2021-03-15"}
    response = http.post(url, {**base, "expires_on": "2020-01-01"})
    assert response.status_code == 200
    assert field_errors(response, "expires_on") == [
        "The expiry date cannot be before the issue date."
    ]
    response = http.post(
        url, {**base, "evidence": SimpleUploadedFile("cert.exe", b"MZ", "application/octet-stream")}
    )
    assert field_errors(response, "evidence") == ["Upload a PDF, PNG or JPEG file."]
    response = http.post(url, {**base, "issued_on": "15/03/2021"})
    assert field_errors(response, "issued_on") == ["Enter a valid date."]
    assert not Credential.objects.exists()


def test_owner_verifies_and_rejects_credentials(
    owner: Persona,
    practitioner: Persona,
    credential: Credential,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    page = browser_as(owner).get(reverse("web:profile_detail", args=[credential.profile_id]))
    assert 'value="verified"' in page.content.decode()
    assert (
        'value="verified"'
        not in browser_as(practitioner)
        .get(reverse("web:profile_detail", args=[credential.profile_id]))
        .content.decode()
    )

    url = reverse("web:credential_verify", args=[credential.pk])
    assert browser_as(practitioner).post(url, {"state": "verified"}).status_code == 403
    assert browser_as(owner).post(url, {"state": "approved!"}).status_code == 302
    credential.refresh_from_db()
    assert credential.verification_state == "unverified"

    assert browser_as(owner).post(url, {"state": "verified"}).status_code == 302
    credential.refresh_from_db()
    assert (credential.verification_state, credential.verified_by_id) == ("verified", owner.user.pk)
    assert audited("update", credential)
    browser_as(owner).post(url, {"state": "rejected"})
    credential.refresh_from_db()
    assert credential.verification_state == "rejected"


def test_editing_a_credential_sends_it_back_for_verification(
    owner: Persona,
    practitioner: Persona,
    credential: Credential,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    services.set_verification(actor=owner.actor, credential=credential, state="verified")
    url = reverse("web:credential_edit", args=[credential.pk])
    http = browser_as(practitioner)
    assert "Replace the evidence file" in http.get(url).content.decode()
    response = http.post(
        url,
        {"issuing_body": "Upledger Institute", "title": "CranioSacral Therapy", "level": "CST2",
         "issued_on": "2019-05-01"},
    )  # fmt: skip
    assert response.status_code == 302
    credential.refresh_from_db()
    assert (credential.level, credential.verification_state) == ("CST2", "unverified")
    assert credential.evidence  # no upload keeps the file on record

    response = http.post(reverse("web:credential_delete", args=[credential.pk]))
    assert response.status_code == 302
    assert not Credential.objects.filter(pk=credential.pk).exists()
    assert audited("delete", credential)


def test_evidence_downloads_only_inside_the_clinic(
    front_desk: Persona,
    outsider: Persona,
    credential: Credential,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    url = reverse("web:credential_evidence", args=[credential.pk])
    response = browser_as(front_desk).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="craniosacral-therapy-evidence.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert AuditEntry.objects.filter(action="export", object_id=str(credential.pk)).exists()
    assert browser_as(outsider).get(url).status_code == 404
    assert HttpClient().get(url).status_code == 302  # signed out: to the sign-in page


def test_a_credential_without_evidence_has_no_download(
    owner: Persona, profile: PractitionerProfile, browser_as: Callable[[Persona], HttpClient]
) -> None:
    credential = services.add_credential(
        actor=owner.actor,
        profile=profile,
        data={"issuing_body": "HCPC", "title": "Physio", "issued_on": dt.date(2012, 1, 1)},
    )
    url = reverse("web:credential_evidence", args=[credential.pk])
    assert browser_as(owner).get(url).status_code == 404


def test_list_pages_do_not_query_per_row(
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
    credential: Credential,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = browser_as(owner)
    urls = [reverse(n) for n in ("web:practitioner_list", "web:staff_list", "web:location_list")]

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert http.get(url).status_code == 200
            found.append(len(queries))
        return found

    services.create_location(actor=owner.actor, data={"name": "One"})
    counts()  # the first page remembers the clinic in the session: a write, once
    before = counts()
    for n in range(3):
        extra = add_member(owner.clinic, f"p{n}@stillwater.test", Role.PRACTITIONER)
        services.save_profile(actor=owner.actor, member=extra.member, data={"profession": "other"})
        services.create_location(actor=owner.actor, data={"name": f"Place {n}"})
    services.invite(actor=owner.actor, email="x@example.test", role="owner")
    assert counts() == before


def test_every_bad_setting_is_reported_at_once_and_nothing_changes(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    """One submit tells the owner everything that is wrong, each by its field."""
    http = browser_as(owner)
    before = AuditEntry.objects.count()
    response = http.post(
        reverse("web:clinic_settings"),
        {
            "name": "",
            "time_zone": "Mars/Olympus_Mons",
            "currency": "XYZ",
            "email": "not-an-address",
            "phone": "",
            "website": "not a site",
        },
    )
    assert response.status_code == 200
    for name in ("name", "time_zone", "currency", "email", "website"):
        assert field_errors(response, name), name
    assert AuditEntry.objects.count() == before
    assert Clinic.objects.get(pk=owner.clinic.pk).name == "Stillwater Practice"
